#include "test_support.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace tessera::http::testing {

Awaitable<Result<std::size_t>> StringBodyReader::Read(std::span<char> buffer) {
  const std::size_t n = std::min({buffer.size(), chunk_, body_.size() - offset_});
  std::memcpy(buffer.data(), body_.data() + offset_, n);
  offset_ += n;
  co_return n;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tessera-http-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string RunCommand(const std::string& command, int* exit_code) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::string output;
  std::array<char, 65536> buffer;
  for (;;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe);
    if (n == 0) break;
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string PatternBytes(std::size_t size, std::uint32_t seed) {
  // xorshift64: fast enough for 50 MB in a debug build, and every byte value occurs.
  std::uint64_t state = 0x9E3779B97F4A7C15ull ^ seed;
  std::string bytes(size, '\0');
  std::size_t i = 0;
  while (i < size) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const std::size_t n = std::min<std::size_t>(8, size - i);
    std::memcpy(bytes.data() + i, &state, n);
    i += n;
  }
  return bytes;
}

}  // namespace tessera::http::testing
