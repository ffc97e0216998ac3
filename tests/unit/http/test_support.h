#pragma once

// Helpers shared by the http tests.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "http/beast.h"
#include "http/request.h"

namespace tessera::http::testing {

// Runs `awaitable` to completion on a private io_context and returns its result.
template <class T>
T RunSync(Awaitable<T> awaitable) {
  net::io_context io;
  std::optional<T> result;
  net::co_spawn(
      io, [&]() -> Awaitable<void> { result.emplace(co_await std::move(awaitable)); },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();
  return std::move(*result);
}

// A BodyReader over an in-memory body, handing out at most `chunk` bytes per Read.
class StringBodyReader final : public BodyReader {
 public:
  explicit StringBodyReader(std::string body, std::size_t chunk = 7, bool declare_length = true)
      : body_(std::move(body)), chunk_(chunk), declare_length_(declare_length) {}

  Awaitable<Result<std::size_t>> Read(std::span<char> buffer) override;
  std::optional<std::uint64_t> content_length() const override {
    if (!declare_length_) return std::nullopt;
    return body_.size();
  }

 private:
  std::string body_;
  std::size_t chunk_;
  bool declare_length_;
  std::size_t offset_ = 0;
};

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command and returns its standard output; `exit_code` receives its status.
std::string RunCommand(const std::string& command, int* exit_code = nullptr);

// Writes `bytes` to `path`.
void WriteFile(const std::filesystem::path& path, std::string_view bytes);

// `size` bytes of a deterministic pseudo-random pattern.
std::string PatternBytes(std::size_t size, std::uint32_t seed = 1);

}  // namespace tessera::http::testing
