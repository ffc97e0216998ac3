#include "client/load_runner.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "client/latency_recorder.h"

namespace tessera::bench {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = ssl::stream<tcp::socket>;

// Big enough that reading a 100 MB series costs few system calls, small enough for
// 64 connections.
constexpr std::size_t kScratchBytes = 256 * 1024;

class FileDescriptor {
 public:
  explicit FileDescriptor(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), path.string());
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

tcp::socket& Socket(tcp::socket& stream) { return stream; }
tcp::socket& Socket(TlsStream& stream) { return stream.next_layer(); }

template <class Stream>
constexpr bool kIsPlain = std::is_same_v<Stream, tcp::socket>;

template <class Stream>
net::awaitable<std::unique_ptr<Stream>> Connect(const Endpoint& endpoint, ssl::context& tls) {
  auto executor = co_await net::this_coro::executor;
  std::unique_ptr<Stream> stream;
  if constexpr (kIsPlain<Stream>) {
    stream = std::make_unique<Stream>(executor);
  } else {
    stream = std::make_unique<Stream>(executor, tls);
  }
  const tcp::endpoint address(net::ip::make_address(endpoint.host), endpoint.port);
  co_await Socket(*stream).async_connect(address, net::use_awaitable);
  // Small writes (part headers) must not wait for delayed ACKs.
  Socket(*stream).set_option(tcp::no_delay(true));
  if constexpr (!kIsPlain<Stream>) {
    co_await stream->async_handshake(ssl::stream_base::client, net::use_awaitable);
  }
  co_return stream;
}

struct ResponseInfo {
  unsigned status = 0;
  std::uint64_t body_bytes = 0;
  bool keep_alive = true;
};

// Reads one response and discards its body. Bodies with a Content-Length are read
// straight from the socket into `scratch` (no parser copy); chunked ones go through
// Beast's parser.
template <class Stream>
net::awaitable<ResponseInfo> ReadResponse(Stream& stream, beast::flat_buffer& buffer,
                                          std::vector<char>& scratch) {
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(stream, buffer, parser, net::use_awaitable);
  ResponseInfo info;
  info.status = parser.get().result_int();
  info.keep_alive = parser.get().keep_alive();
  if (parser.is_done()) co_return info;

  if (const auto length = parser.content_length(); length) {
    std::uint64_t remaining = *length;
    const std::uint64_t buffered = std::min<std::uint64_t>(buffer.size(), remaining);
    buffer.consume(buffered);
    remaining -= buffered;
    while (remaining > 0) {
      const std::size_t want = std::min<std::uint64_t>(remaining, scratch.size());
      remaining -=
          co_await stream.async_read_some(net::buffer(scratch.data(), want), net::use_awaitable);
    }
    info.body_bytes = *length;
    co_return info;
  }

  while (!parser.is_done()) {
    parser.get().body().data = scratch.data();
    parser.get().body().size = scratch.size();
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw beast::system_error(ec);
    info.body_bytes += scratch.size() - parser.get().body().size;
  }
  co_return info;
}

// Streams a whole file: sendfile(2) on plain TCP (no copy through user space, like
// a modality's or gateway's sender would), read-and-write through TLS.
template <class Stream>
net::awaitable<void> SendFile(Stream& stream, const FileEntry& file, std::vector<char>& scratch) {
  const FileDescriptor fd(file.path);
  if constexpr (kIsPlain<Stream>) {
    stream.native_non_blocking(true);
    off_t offset = 0;
    while (static_cast<std::uint64_t>(offset) < file.size) {
      const ssize_t sent = ::sendfile(stream.native_handle(), fd.get(), &offset,
                                      file.size - static_cast<std::uint64_t>(offset));
      if (sent > 0) continue;
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno == EAGAIN) {
        co_await stream.async_wait(tcp::socket::wait_write, net::use_awaitable);
        continue;
      }
      if (sent == 0) throw std::runtime_error("file shrank while sending: " + file.path.string());
      throw std::system_error(errno, std::generic_category(), "sendfile");
    }
  } else {
    std::uint64_t offset = 0;
    while (offset < file.size) {
      const ssize_t got = ::pread(fd.get(), scratch.data(),
                                  std::min<std::uint64_t>(scratch.size(), file.size - offset),
                                  static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw std::system_error(errno, std::generic_category(), "pread");
      co_await net::async_write(stream, net::buffer(scratch.data(), static_cast<std::size_t>(got)),
                                net::use_awaitable);
      offset += static_cast<std::uint64_t>(got);
    }
  }
}

struct RunState {
  std::atomic<std::uint64_t> next{0};
  std::uint64_t limit = 0;
  std::optional<Clock::time_point> deadline;
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> instances{0};
};

std::string HeaderBlock(const LoadOptions& options) {
  std::string block =
      "Host: " + options.endpoint.host + ":" + std::to_string(options.endpoint.port) + "\r\n";
  for (const std::string& header : options.headers) block += header + "\r\n";
  return block;
}

// One keep-alive connection taking request numbers from the shared counter until
// the count or the deadline is reached. `send(stream, index, scratch)` writes request
// `index` and returns {body bytes sent, parts}; the response is read here.
template <class Stream, class Send>
net::awaitable<void> Worker(const Endpoint& endpoint, ssl::context& tls, RunState& state,
                            LatencyRecorder& recorder, Send send) {
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buffer;
  std::vector<char> scratch(kScratchBytes);
  for (;;) {
    if (state.deadline && Clock::now() >= *state.deadline) break;
    const std::uint64_t index = state.next.fetch_add(1);
    if (index >= state.limit) break;
    try {
      if (!stream) {
        buffer.clear();
        stream = co_await Connect<Stream>(endpoint, tls);
        ++state.connects;
      }
      const auto start = Clock::now();
      const auto [bytes_out, parts] = co_await send(*stream, index, scratch);
      const ResponseInfo response = co_await ReadResponse(*stream, buffer, scratch);
      recorder.Record(Clock::now() - start, response.status, response.body_bytes, bytes_out);
      if (response.status >= 200 && response.status < 300) state.instances += parts;
      if (!response.keep_alive) stream.reset();
    } catch (const std::exception&) {
      recorder.RecordFailure();
      stream.reset();
    }
  }
  if (!stream) co_return;
  beast::error_code ignored;
  Socket(*stream).shutdown(tcp::socket::shutdown_both, ignored);
}

template <class Stream, class Send>
nlohmann::json Run(const LoadOptions& options, RunState& state, Send send) {
  net::io_context ioc(static_cast<int>(options.threads));
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_none);
  std::vector<LatencyRecorder> recorders(options.connections);
  const auto start = Clock::now();
  if (options.duration) state.deadline = start + *options.duration;
  for (unsigned i = 0; i < options.connections; ++i) {
    net::co_spawn(ioc, Worker<Stream>(options.endpoint, tls, state, recorders[i], send),
                  net::detached);
  }
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& thread : threads) thread.join();
  const auto elapsed = Clock::now() - start;

  LatencyRecorder total;
  for (const auto& recorder : recorders) total.Merge(recorder);
  nlohmann::json summary = total.Summary(elapsed);
  summary["connects"] = state.connects.load();
  summary["connections"] = options.connections;
  return summary;
}

template <class Stream>
nlohmann::json RunGetsOn(const LoadOptions& options, const std::vector<std::string>& paths) {
  const std::string headers = HeaderBlock(options);
  std::vector<std::string> requests;
  requests.reserve(paths.size());
  for (const std::string& path : paths) {
    requests.push_back("GET " + path + " HTTP/1.1\r\n" + headers + "\r\n");
  }
  RunState state;
  state.limit = options.requests ? options.requests : std::numeric_limits<std::uint64_t>::max();
  auto send = [&requests](Stream& stream, std::uint64_t index,
                          std::vector<char>&) -> net::awaitable<std::pair<std::uint64_t, int>> {
    co_await net::async_write(stream, net::buffer(requests[index % requests.size()]),
                              net::use_awaitable);
    co_return std::pair<std::uint64_t, int>{0, 0};
  };
  return Run<Stream>(options, state, send);
}

template <class Stream>
nlohmann::json RunPostsOn(const LoadOptions& options, const std::string& path,
                          const std::vector<MultipartBody>& bodies) {
  const std::string headers = HeaderBlock(options);
  RunState state;
  state.limit = bodies.size();
  auto send = [&](Stream& stream, std::uint64_t index,
                  std::vector<char>& scratch) -> net::awaitable<std::pair<std::uint64_t, int>> {
    const MultipartBody& body = bodies[index];
    const std::string head = "POST " + path + " HTTP/1.1\r\n" + headers +
                             "Content-Type: " + body.content_type() + "\r\n" +
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    co_await net::async_write(stream, net::buffer(head), net::use_awaitable);
    for (const BodyPiece& piece : body.pieces()) {
      if (piece.file) {
        co_await SendFile(stream, *piece.file, scratch);
        continue;
      }
      co_await net::async_write(stream, net::buffer(piece.literal), net::use_awaitable);
    }
    co_return std::pair<std::uint64_t, int>{body.size(), static_cast<int>(body.part_count())};
  };
  nlohmann::json summary = Run<Stream>(options, state, send);
  summary["instances"] = state.instances.load();
  summary["instances_per_s"] =
      static_cast<double>(state.instances.load()) / summary["seconds"].get<double>();
  return summary;
}

}  // namespace

Endpoint Endpoint::Parse(const std::string& url) {
  Endpoint endpoint;
  std::string rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    endpoint.tls = true;
    rest = url.substr(8);
  } else {
    throw std::invalid_argument("URL must start with http:// or https://: " + url);
  }
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("URL needs a port: " + url);
  endpoint.host = rest.substr(0, colon);
  endpoint.port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
  return endpoint;
}

nlohmann::json RunGets(const LoadOptions& options, const std::vector<std::string>& paths) {
  if (paths.empty()) throw std::invalid_argument("no paths to GET");
  if (!options.requests && !options.duration) {
    throw std::invalid_argument("a GET run needs a request count or a duration");
  }
  if (options.endpoint.tls) return RunGetsOn<TlsStream>(options, paths);
  return RunGetsOn<tcp::socket>(options, paths);
}

nlohmann::json RunPosts(const LoadOptions& options, const std::string& path,
                        const std::vector<MultipartBody>& bodies) {
  if (options.endpoint.tls) return RunPostsOn<TlsStream>(options, path, bodies);
  return RunPostsOn<tcp::socket>(options, path, bodies);
}

}  // namespace tessera::bench
