#pragma once

// Internal to http/, included by session.cpp only: writes a Response to a
// stream. Templated on the stream so that plain TCP can use sendfile(2) for file
// ranges while TLS copies them through a buffer.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <type_traits>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "http/dispatch.h"
#include "http/response.h"

namespace tessera::http {

// What happened while writing a response.
struct WriteOutcome {
  bool ok = true;                // false: the connection is unusable (client gone, file short)
  bool keep_alive = true;        // the connection may serve another request
  std::uint64_t body_bytes = 0;  // payload bytes sent (before chunk framing)
};

template <class Stream>
class ResponseWriter {
 public:
  // File ranges pass through a buffer of this size on TLS connections.
  static constexpr std::size_t kFileBufferBytes = 256 * 1024;

  ResponseWriter(Stream& stream, std::chrono::seconds timeout)
      : stream_(stream), timeout_(timeout) {}

  // Writes `response` (headers finished by FinishHeaders) as `context` says.
  Awaitable<WriteOutcome> Write(Response& response, const ResponseContext& context) {
    WriteOutcome outcome;
    outcome.keep_alive = context.keep_alive;
    if (auto* text = std::get_if<std::string>(&response.body)) {
      co_await WriteString(response, *text, context, outcome);
    } else if (auto* segments = std::get_if<Segments>(&response.body)) {
      co_await WriteSegments(response, *segments, context, outcome);
    } else {
      co_await WriteStream(response, std::get<StreamBody>(response.body), context, outcome);
    }
    co_return outcome;
  }

 private:
  using Header = beast::http::response<beast::http::empty_body>;

  static bool HasNoBody(HttpStatus status) {
    const auto code = static_cast<unsigned>(status);
    return code < 200 || status == HttpStatus::no_content || status == HttpStatus::not_modified;
  }

  template <class Body>
  static beast::http::response<Body> MakeMessage(Response& response,
                                                 const ResponseContext& context) {
    beast::http::response<Body> message{response.status, context.version};
    static_cast<Fields&>(message) = std::move(response.headers);
    return message;
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  Awaitable<bool> WriteHeader(Header& header) {
    beast::error_code ec;
    beast::http::response_serializer<beast::http::empty_body> serializer(header);
    Lowest().expires_after(timeout_);
    co_await beast::http::async_write_header(stream_, serializer,
                                             net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
  }

  Awaitable<bool> WriteBytes(std::string_view bytes) {
    beast::error_code ec;
    Lowest().expires_after(timeout_);
    co_await net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                              net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
  }

  Awaitable<void> WriteString(Response& response, std::string& text, const ResponseContext& context,
                              WriteOutcome& outcome) {
    const bool bodiless = HasNoBody(response.status);
    if (context.head || bodiless) {
      Header header = MakeMessage<beast::http::empty_body>(response, context);
      if (!bodiless) header.content_length(text.size());
      header.keep_alive(outcome.keep_alive);
      outcome.ok = co_await WriteHeader(header);
      co_return;
    }
    auto message = MakeMessage<beast::http::string_body>(response, context);
    message.body() = std::move(text);
    message.content_length(message.body().size());
    message.keep_alive(outcome.keep_alive);
    beast::error_code ec;
    Lowest().expires_after(timeout_);
    co_await beast::http::async_write(stream_, message,
                                      net::redirect_error(net::use_awaitable, ec));
    outcome.ok = !ec;
    if (outcome.ok) outcome.body_bytes = message.body().size();
  }

  Awaitable<void> WriteSegments(Response& response, Segments& segments,
                                const ResponseContext& context, WriteOutcome& outcome) {
    const std::uint64_t total = response.BodySize().value_or(0);
    Header header = MakeMessage<beast::http::empty_body>(response, context);
    header.content_length(total);
    header.keep_alive(outcome.keep_alive);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      // Corked from the header on, so that header, part headers and file data
      // leave in full segments; uncorking at the end flushes the tail.
      const Cork cork(Lowest().socket().native_handle());
      outcome.ok = co_await WriteHeader(header);
      if (!outcome.ok || context.head) co_return;
      co_await SendSegmentsZeroCopy(segments, outcome);
    } else {
      outcome.ok = co_await WriteHeader(header);
      if (!outcome.ok || context.head) co_return;
      co_await SendSegmentsBuffered(segments, outcome);
    }
  }

  // TCP_CORK for the lifetime of the object: partial segments wait until full.
  class Cork {
   public:
    explicit Cork(int fd) : fd_(fd) { Set(1); }
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;
    ~Cork() { Set(0); }

   private:
    void Set(int value) { ::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &value, sizeof(value)); }
    int fd_;
  };

  static UniqueFd OpenRange(const FileRange& range) {
    UniqueFd fd(::open(range.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      spdlog::warn("cannot open {} for a response: {}", range.path.string(), std::strerror(errno));
    return fd;
  }

  // Waits until the socket accepts more data, for at most the write timeout.
  Awaitable<bool> WaitWritable(net::ip::tcp::socket& socket) {
    net::steady_timer timer(socket.get_executor());
    timer.expires_after(timeout_);
    timer.async_wait([&socket](beast::error_code ec) {
      if (ec) return;
      beast::error_code ignored;
      socket.cancel(ignored);
    });
    beast::error_code ec;
    co_await socket.async_wait(net::ip::tcp::socket::wait_write,
                               net::redirect_error(net::use_awaitable, ec));
    timer.cancel();
    co_return !ec;
  }

  Awaitable<void> SendSegmentsZeroCopy(Segments& segments, WriteOutcome& outcome) {
    net::ip::tcp::socket& socket = Lowest().socket();
    beast::error_code ec;
    socket.native_non_blocking(true, ec);
    if (ec) {
      outcome.ok = false;
      co_return;
    }
    for (Segment& segment : segments) {
      if (const auto* text = std::get_if<std::string>(&segment)) {
        outcome.ok = co_await WriteBytes(*text);
        if (!outcome.ok) co_return;
        outcome.body_bytes += text->size();
        continue;
      }
      const FileRange& range = std::get<FileRange>(segment);
      const UniqueFd file = OpenRange(range);
      if (!file.valid()) {
        outcome.ok = false;
        co_return;
      }
      auto offset = static_cast<off_t>(range.offset);
      std::uint64_t left = range.length;
      while (left > 0) {
        constexpr std::uint64_t kMaxSendfile = 1 << 30;
        const ssize_t sent =
            ::sendfile(socket.native_handle(), file.get(), &offset, std::min(left, kMaxSendfile));
        if (sent > 0) {
          left -= static_cast<std::uint64_t>(sent);
          outcome.body_bytes += static_cast<std::uint64_t>(sent);
          continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          if (co_await WaitWritable(socket)) continue;
        }
        if (sent == 0) spdlog::warn("{} is shorter than its stored range", range.path.string());
        outcome.ok = false;
        co_return;
      }
    }
  }

  Awaitable<void> SendSegmentsBuffered(Segments& segments, WriteOutcome& outcome) {
    const auto buffer = std::make_unique_for_overwrite<char[]>(kFileBufferBytes);
    std::size_t used = 0;
    const auto flush = [&]() -> Awaitable<bool> {
      const bool ok = co_await WriteBytes(std::string_view(buffer.get(), used));
      if (ok) outcome.body_bytes += used;
      used = 0;
      co_return ok;
    };
    for (Segment& segment : segments) {
      if (const auto* text = std::get_if<std::string>(&segment)) {
        if (used + text->size() <= kFileBufferBytes) {
          std::memcpy(buffer.get() + used, text->data(), text->size());
          used += text->size();
          continue;
        }
        if (used > 0 && !co_await flush()) {
          outcome.ok = false;
          co_return;
        }
        outcome.ok = co_await WriteBytes(*text);
        if (!outcome.ok) co_return;
        outcome.body_bytes += text->size();
        continue;
      }
      const FileRange& range = std::get<FileRange>(segment);
      const UniqueFd file = OpenRange(range);
      if (!file.valid()) {
        outcome.ok = false;
        co_return;
      }
      std::uint64_t offset = range.offset;
      std::uint64_t left = range.length;
      while (left > 0) {
        if (used == kFileBufferBytes && !co_await flush()) {
          outcome.ok = false;
          co_return;
        }
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(left, kFileBufferBytes - used));
        const ssize_t got =
            ::pread(file.get(), buffer.get() + used, want, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          spdlog::warn("cannot read {} for a response: {}", range.path.string(),
                       got == 0 ? "shorter than its stored range" : std::strerror(errno));
          outcome.ok = false;
          co_return;
        }
        used += static_cast<std::size_t>(got);
        offset += static_cast<std::uint64_t>(got);
        left -= static_cast<std::uint64_t>(got);
      }
    }
    if (used > 0 && !co_await flush()) outcome.ok = false;
  }

  // Sends each piece of a streamed body as one chunk.
  class ChunkWriter final : public BodyWriter {
   public:
    ChunkWriter(ResponseWriter& writer, bool chunked, WriteOutcome& outcome)
        : writer_(writer), chunked_(chunked), outcome_(outcome) {}

    Awaitable<Status> Write(std::span<const char> bytes) override {
      if (failed_) co_return Fail(ErrorCode::kIo, "client connection lost");
      if (bytes.empty()) co_return Ok();
      beast::error_code ec;
      writer_.Lowest().expires_after(writer_.timeout_);
      if (chunked_) {
        co_await net::async_write(writer_.stream_,
                                  beast::http::make_chunk(net::buffer(bytes.data(), bytes.size())),
                                  net::redirect_error(net::use_awaitable, ec));
      } else {
        co_await net::async_write(writer_.stream_, net::buffer(bytes.data(), bytes.size()),
                                  net::redirect_error(net::use_awaitable, ec));
      }
      if (ec) {
        failed_ = true;
        co_return Fail(ErrorCode::kIo, "client connection lost");
      }
      outcome_.body_bytes += bytes.size();
      co_return Ok();
    }

    bool failed() const { return failed_; }

   private:
    ResponseWriter& writer_;
    bool chunked_;
    WriteOutcome& outcome_;
    bool failed_ = false;
  };

  Awaitable<void> WriteStream(Response& response, StreamBody& producer,
                              const ResponseContext& context, WriteOutcome& outcome) {
    // HTTP/1.0 has no chunked coding: the end of the body is the end of the connection.
    const bool chunked = context.version >= 11;
    if (!chunked) outcome.keep_alive = false;
    Header header = MakeMessage<beast::http::empty_body>(response, context);
    if (chunked) header.chunked(true);
    header.keep_alive(outcome.keep_alive);
    outcome.ok = co_await WriteHeader(header);
    if (!outcome.ok || context.head || !producer) co_return;
    ChunkWriter writer(*this, chunked, outcome);
    const Status status = co_await producer(writer);
    if (!status || writer.failed()) {
      // Ending without the last chunk tells the client the body is incomplete.
      if (!writer.failed()) spdlog::warn("streamed response failed: {}", status.error().message);
      outcome.ok = false;
      co_return;
    }
    if (!chunked) co_return;
    beast::error_code ec;
    Lowest().expires_after(timeout_);
    co_await net::async_write(stream_, beast::http::make_chunk_last(),
                              net::redirect_error(net::use_awaitable, ec));
    outcome.ok = !ec;
  }

  Stream& stream_;
  std::chrono::seconds timeout_;
};

}  // namespace tessera::http
