#include "http/session.h"

#include <array>
#include <chrono>
#include <limits>
#include <optional>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "http/client_address.h"
#include "http/dispatch.h"
#include "http/gzip.h"
#include "http/response_writer.h"

namespace tessera::http {

namespace {

namespace bhttp = beast::http;
using Parser = bhttp::request_parser<bhttp::buffer_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Clock = std::chrono::steady_clock;

// Unread request bodies up to this size are read and dropped to keep the
// connection; larger ones cost less to abandon with the connection.
constexpr std::uint64_t kMaxDrainBytes = 1 << 20;
// After answering a request whose body is still arriving, keep reading (and
// dropping) for this long so that closing does not reset the connection before
// the client has read the answer.
constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr auto kTlsShutdownTime = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// True for a malformed request, as opposed to an I/O failure or the client leaving.
bool IsParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Every X-Forwarded-For line joined in order (RFC 9110 5.3): a proxy may add a
// line of its own after the one the client wrote, rather than extend it.
std::string ForwardedFor(const bhttp::fields& fields) {
  std::string joined;
  const auto [begin, end] = fields.equal_range("X-Forwarded-For");
  for (auto line = begin; line != end; ++line) {
    if (!joined.empty()) joined += ',';
    joined += line->value();
  }
  return joined;
}

std::string RemoteAddress(const net::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "-";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

// The request body, read straight from the connection into the handler's
// buffer. Content-Length bodies bypass the parser (after the bytes it buffered
// with the header); chunked bodies go through it.
template <class Stream>
class ConnectionBody final : public BodyReader {
 public:
  ConnectionBody(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                 const ServerOptions& options, bool expect_continue)
      : stream_(stream),
        buffer_(buffer),
        parser_(parser),
        options_(options),
        continue_pending_(expect_continue) {
    if (const auto length = parser.content_length()) {
      has_length_ = true;
      declared_ = *length;
      remaining_ = *length;
    }
    // Only "chunked" is understood; with anything else the end of the body is
    // unknown, so the request is refused and the connection closed (RFC 9112 6.1).
    const std::string_view coding = Trim(parser.get()[bhttp::field::transfer_encoding]);
    if (!coding.empty() && !IEquals(coding, "chunked")) {
      error_ = Error{ErrorCode::kUnsupported, "unsupported transfer coding"};
      return;
    }
    if (parser.is_done() || !parser.chunked()) return;
    chunked_ = true;
    parser.body_limit(options.max_body_bytes);
  }

  Awaitable<Result<std::size_t>> Read(std::span<char> out) override {
    if (error_) co_return *error_;
    if (complete() || out.empty()) co_return std::size_t{0};
    if (continue_pending_) {
      continue_pending_ = false;
      beast::error_code ec;
      Lowest().expires_after(options_.request_timeout);
      co_await net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                                net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return Failed(ErrorCode::kIo, "client connection lost");
    }
    if (chunked_) co_return co_await ReadChunked(out);
    co_return co_await ReadLength(out);
  }

  std::optional<std::uint64_t> content_length() const override {
    if (!has_length_) return std::nullopt;
    return declared_;
  }

  bool complete() const {
    if (error_) return false;
    return chunked_ ? parser_.is_done() : remaining_ == 0;
  }
  bool too_large() const { return error_ && error_->code == ErrorCode::kTooLarge; }
  bool unsupported_coding() const { return error_ && error_->code == ErrorCode::kUnsupported; }
  bool declared_too_large() const { return !chunked_ && declared_ > options_.max_body_bytes; }

  // True when the unread rest can be read and dropped to keep the connection.
  bool Drainable() const {
    return !error_ && !chunked_ && !continue_pending_ && !declared_too_large() &&
           remaining_ <= kMaxDrainBytes;
  }

  // Reads and drops the rest of a Drainable() body; false on failure.
  Awaitable<bool> Drain() {
    std::array<char, 16 * 1024> scratch;
    while (!complete()) {
      auto n = co_await Read(scratch);
      if (!n) co_return false;
    }
    co_return true;
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  Error Failed(ErrorCode code, std::string message) {
    error_ = Error{code, std::move(message)};
    return *error_;
  }

  Awaitable<Result<std::size_t>> ReadLength(std::span<char> out) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining_));
    if (buffer_.size() > 0) {
      const std::size_t n = net::buffer_copy(net::buffer(out.data(), want), buffer_.data());
      buffer_.consume(n);
      remaining_ -= n;
      received_ += n;
      co_return n;
    }
    beast::error_code ec;
    Lowest().expires_at(ReadDeadline());
    const std::size_t n = co_await stream_.async_read_some(
        net::buffer(out.data(), want), net::redirect_error(net::use_awaitable, ec));
    remaining_ -= n;
    received_ += n;
    if (ec && n == 0) co_return Failed(ErrorCode::kIo, ReadFailure(ec));
    co_return n;
  }

  Awaitable<Result<std::size_t>> ReadChunked(std::span<char> out) {
    auto& body = parser_.get().body();
    body.data = out.data();
    body.size = out.size();
    beast::error_code ec;
    Lowest().expires_at(ReadDeadline());
    co_await bhttp::async_read(stream_, buffer_, parser_,
                               net::redirect_error(net::use_awaitable, ec));
    const std::size_t n = out.size() - body.size;
    received_ += n;
    body.data = nullptr;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec == bhttp::error::body_limit) {
      co_return Failed(ErrorCode::kTooLarge, "request body larger than the server accepts");
    }
    if (ec) co_return Failed(ErrorCode::kIo, ReadFailure(ec));
    co_return n;
  }

  // The latest the next read may end: request_timeout from now, and no later
  // than the body's pace allows (ServerOptions::body_grace).
  std::chrono::steady_clock::time_point ReadDeadline() {
    const auto now = std::chrono::steady_clock::now();
    if (!started_) started_ = now;
    const auto paced = *started_ + options_.body_grace +
                       std::chrono::seconds(received_ / std::max<std::uint64_t>(
                                                            1, options_.min_body_bytes_per_second));
    return std::min(now + options_.request_timeout, paced);
  }

  static std::string ReadFailure(const beast::error_code& ec) {
    if (ec == beast::error::timeout) return "request body read timed out";
    if (IsParseError(ec)) return "malformed chunked request body";
    return "client connection lost";
  }

  Stream& stream_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  const ServerOptions& options_;
  bool continue_pending_;
  std::optional<std::chrono::steady_clock::time_point> started_;  // the first read
  std::uint64_t received_ = 0;
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t declared_ = 0;
  std::uint64_t remaining_ = 0;
  std::optional<Error> error_;
};

template <class Stream>
class Session {
 public:
  Session(Stream& stream, SessionEnv& env, SessionTracker::Control& control, std::string remote,
          bool secure)
      : stream_(stream),
        env_(env),
        control_(control),
        remote_(std::move(remote)),
        secure_(secure) {}

  // Serves requests until the connection should close.
  Awaitable<void> Serve() {
    for (;;) {
      control_.idle = true;
      if (env_.tracker.stopping()) co_return;
      Parser parser;
      parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
          env_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
      // ConnectionBody enforces the limit, which lets the session choose the answer.
      // (Beast 1.74 compares Content-Length against boost::none as "exceeded", so
      // "no limit" is spelled as the largest value.)
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      Lowest().expires_after(env_.options.idle_timeout);
      beast::error_code ec;
      co_await bhttp::async_read_header(stream_, buffer_, parser,
                                        net::redirect_error(net::use_awaitable, ec));
      control_.idle = false;
      if (ec == bhttp::error::header_limit) {
        co_await Reject(HttpStatus::request_header_fields_too_large,
                        "Request header fields too large");
        co_return;
      }
      if (IsParseError(ec)) {
        spdlog::debug("malformed request from {}: {}", remote_, ec.message());
        co_await Reject(HttpStatus::bad_request, "Malformed request");
        co_return;
      }
      if (ec) co_return;
      if (!co_await ServeRequest(parser)) co_return;
    }
  }

  // True when the connection ended in an orderly way and may be shut down
  // gracefully (TLS close_notify).
  bool orderly() const { return orderly_; }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Answers one request; false when the connection must close afterwards.
  Awaitable<bool> ServeRequest(Parser& parser) {
    const auto started = Clock::now();
    auto& message = parser.get();
    const bool expect_continue =
        message.version() >= 11 && IEquals(message[bhttp::field::expect], "100-continue");
    ResponseContext context;
    context.version = message.version() >= 11 ? 11 : 10;
    context.head = message.method() == Verb::head;
    context.accepts_gzip = AcceptsGzip(message[bhttp::field::accept_encoding]);
    context.keep_alive = parser.keep_alive();

    ConnectionBody<Stream> body(stream_, buffer_, parser, env_.options, expect_continue);
    // Beast keeps the method string and target inside the fields: copy them first.
    std::string method_string(message.method_string());
    std::string target(message.target());
    std::string client =
        ClientAddress(remote_, ForwardedFor(message), env_.options.trusted_proxies);
    Request request(message.method(), std::move(method_string), std::move(target),
                    std::move(static_cast<Fields&>(message)), client, secure_, body);
    const CorsPolicy::Verdict verdict = env_.cors.Evaluate(request);
    Response response = Response::Error(HttpStatus::payload_too_large, "Request body too large");
    if (body.unsupported_coding()) {
      response = Response::Error(HttpStatus::not_implemented, "Unsupported transfer coding");
    } else if (!body.declared_too_large()) {
      response = co_await Dispatch(request, verdict, env_.router, env_.guard);
    }
    if (body.too_large() && response.status != HttpStatus::payload_too_large) {
      response = Response::Error(HttpStatus::payload_too_large, "Request body too large");
    }

    bool linger = false;
    if (env_.tracker.stopping()) context.keep_alive = false;
    if (!body.complete() && !body.Drainable()) {
      context.keep_alive = false;
      linger = true;
    }
    if (verdict == CorsPolicy::Verdict::kAllowed) context.cors_origin = request.header("Origin");
    FinishHeaders(response, context);
    const HttpStatus status = response.status;
    ResponseWriter<Stream> writer(stream_, env_.options.request_timeout);
    const WriteOutcome outcome = co_await writer.Write(response, context);
    LogAccess(request.remote_address(), request.principal().subject, request.method_string(),
              request.RedactedTarget(), status, outcome, started);
    if (!outcome.ok) co_return false;
    if (!body.complete() && !linger && !co_await body.Drain()) co_return false;
    if (outcome.keep_alive) co_return true;
    if (linger) {
      co_await Linger();
      co_return false;
    }
    orderly_ = true;
    co_return false;
  }

  // Answers a request that could not be parsed, then closes.
  Awaitable<void> Reject(HttpStatus status, std::string_view message) {
    const auto started = Clock::now();
    Response response = Response::Error(status, message);
    ResponseContext context;
    context.keep_alive = false;
    FinishHeaders(response, context);
    ResponseWriter<Stream> writer(stream_, env_.options.request_timeout);
    const WriteOutcome outcome = co_await writer.Write(response, context);
    LogAccess(remote_, "", "-", "-", status, outcome, started);
    if (outcome.ok) co_await Linger();
  }

  // Half-closes and drops whatever the client still sends, for a while, so that
  // it reads our answer instead of a connection reset.
  Awaitable<void> Linger() {
    beast::error_code ec;
    Lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    Lowest().expires_after(kLingerTime);
    std::array<char, 16 * 1024> scratch;
    while (!ec) {
      co_await Lowest().async_read_some(net::buffer(scratch),
                                        net::redirect_error(net::use_awaitable, ec));
    }
  }

  // As in the Common Log Format: the client (behind a trusted proxy, the one it
  // names), then who asked (the guard's user, "-" for none), so an audit can
  // tell who stored or deleted what.
  void LogAccess(std::string_view client, std::string_view user, std::string_view method,
                 std::string_view target, HttpStatus status, const WriteOutcome& outcome,
                 Clock::time_point started) const {
    const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    spdlog::info("{} {} \"{} {}\" {} {} {:.1f}ms{}", client, LogWord(user), method, target,
                 static_cast<unsigned>(status), outcome.body_bytes, elapsed,
                 outcome.ok ? "" : " (aborted)");
  }

  Stream& stream_;
  SessionEnv& env_;
  SessionTracker::Control& control_;
  std::string remote_;
  bool secure_;
  beast::flat_buffer buffer_;
  bool orderly_ = false;
};

void SetNoDelay(net::ip::tcp::socket& socket) {
  beast::error_code ignored;
  socket.set_option(net::ip::tcp::no_delay(true), ignored);
}

}  // namespace

Awaitable<void> ServePlainConnection(net::ip::tcp::socket socket, SessionEnv& env) {
  SessionTracker::Registration registration(env.tracker, socket.get_executor());
  SetNoDelay(socket);
  std::string remote = RemoteAddress(socket);
  beast::tcp_stream stream(std::move(socket));
  registration.control().close = [&stream] { stream.cancel(); };
  Session<beast::tcp_stream> session(stream, env, registration.control(), std::move(remote),
                                     /*secure=*/false);
  co_await session.Serve();
  beast::error_code ignored;
  if (session.orderly()) stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream.close();
}

Awaitable<void> ServeTlsConnection(net::ip::tcp::socket socket, net::ssl::context& context,
                                   SessionEnv& env) {
  SessionTracker::Registration registration(env.tracker, socket.get_executor());
  SetNoDelay(socket);
  std::string remote = RemoteAddress(socket);
  TlsStream stream(std::move(socket), context);
  auto& lowest = beast::get_lowest_layer(stream);
  registration.control().close = [&lowest] { lowest.cancel(); };
  registration.control().idle = true;
  if (env.tracker.stopping()) co_return;
  // A client that connects and says nothing holds a descriptor: it gets no
  // longer than a handshake takes.
  lowest.expires_after(std::min(env.options.idle_timeout, env.options.handshake_timeout));
  beast::error_code ec;
  co_await stream.async_handshake(net::ssl::stream_base::server,
                                  net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", remote, ec.message());
    co_return;
  }
  Session<TlsStream> session(stream, env, registration.control(), std::move(remote),
                             /*secure=*/true);
  co_await session.Serve();
  if (!session.orderly()) co_return;
  lowest.expires_after(kTlsShutdownTime);
  co_await stream.async_shutdown(net::redirect_error(net::use_awaitable, ec));
}

}  // namespace tessera::http
