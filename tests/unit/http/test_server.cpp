#include "test_server.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/strings.h"
#include "http/request.h"

namespace tessera::http::testing {

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

Awaitable<void> Sleep(std::chrono::milliseconds duration) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(net::use_awaitable);
}

}  // namespace

std::uint32_t Crc32(std::string_view bytes) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

std::optional<Response> TokenGuard::Check(Request& request, Access access) {
  ++calls;
  if (access == Access::kPublic) return std::nullopt;
  if (request.header("Authorization") != "Bearer good") {
    return Response::Error(HttpStatus::unauthorized, "Authentication required");
  }
  request.set_principal(Principal{"alice", "Alice", true});
  return std::nullopt;
}

void AddTestRoutes(Router& router, RouteState& state) {
  router.Add(Verb::get, "/hello", Access::kPublic, [](Request&) -> Awaitable<Response> {
    co_return Response::WithBody(HttpStatus::ok, "hello", "text/plain");
  });
  router.Add(Verb::get, "/json/{n}", Access::kPublic, [](Request& request) -> Awaitable<Response> {
    const auto n = ParseUint(request.param("n")).value_or(0);
    std::string json = "[";
    for (std::uint64_t i = 0; i < n; ++i) {
      if (i > 0) json += ",";
      json += R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^John"}]},"index":)" +
              std::to_string(i) + "}";
    }
    co_return Response::Json(HttpStatus::ok, json + "]", "application/dicom+json");
  });
  router.Add(Verb::post, "/upload", Access::kPublic, [](Request& request) -> Awaitable<Response> {
    std::vector<char> buffer(256 * 1024);
    std::uint64_t total = 0;
    uLong crc = crc32(0, nullptr, 0);
    for (;;) {
      auto n = co_await request.body().Read(buffer);
      if (!n && n.error().code == ErrorCode::kTooLarge) {
        co_return Response::Error(HttpStatus::payload_too_large, n.error().message);
      }
      if (!n) co_return Response::Error(HttpStatus::bad_request, n.error().message);
      if (*n == 0) break;
      total += *n;
      crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(*n));
    }
    co_return Response::Json(HttpStatus::ok, "{\"bytes\": " + std::to_string(total) +
                                                 ", \"crc\": " + std::to_string(crc) + "}");
  });
  router.Add(Verb::post, "/ignore", Access::kPublic, [](Request&) -> Awaitable<Response> {
    co_return Response::WithBody(HttpStatus::ok, "ignored", "text/plain");
  });
  router.Add(Verb::get, "/file", Access::kPublic, [&state](Request&) -> Awaitable<Response> {
    Response response;
    response.headers.set("Content-Type", "application/octet-stream");
    response.body =
        Segments{std::string("<<"), FileRange{state.file, 1000, 500000}, std::string(">>")};
    co_return response;
  });
  router.Add(Verb::get, "/missing-file", Access::kPublic,
             [&state](Request&) -> Awaitable<Response> {
               Response response;
               response.headers.set("Content-Type", "application/octet-stream");
               response.body =
                   Segments{std::string("<<"), FileRange{state.file.string() + ".gone", 0, 100}};
               co_return response;
             });
  router.Add(Verb::get, "/stream", Access::kPublic, [](Request&) -> Awaitable<Response> {
    Response response;
    response.headers.set("Content-Type", "text/plain");
    response.body = StreamBody([](BodyWriter& writer) -> Awaitable<Status> {
      for (int i = 0; i < 100; ++i) {
        const std::string piece = "chunk-" + std::to_string(i) + "\n";
        if (auto status = co_await writer.Write(piece); !status) co_return status;
        if (auto status = co_await writer.Write({}); !status) co_return status;
      }
      co_return Ok();
    });
    co_return response;
  });
  router.Add(Verb::get, "/slow", Access::kPublic, [&state](Request&) -> Awaitable<Response> {
    state.slow_entered = true;
    while (!state.slow_release) co_await Sleep(std::chrono::milliseconds(10));
    co_return Response::WithBody(HttpStatus::ok, "done", "text/plain");
  });
  router.Add(Verb::get, "/private", Access::kRead, [](Request& request) -> Awaitable<Response> {
    co_return Response::WithBody(HttpStatus::ok, "secret for " + request.principal().subject,
                                 "text/plain");
  });
  router.Add(Verb::get, "/pool", Access::kPublic, [&state](Request&) -> Awaitable<Response> {
    const std::uint64_t sum = co_await state.pool.Run([] {
      std::uint64_t total = 0;
      for (std::uint64_t i = 1; i <= 1000; ++i) total += i;
      return total;
    });
    co_return Response::WithBody(HttpStatus::ok, std::to_string(sum), "text/plain");
  });
}

TestServer::TestServer(ServerOptions options, const Router& router, Guard& guard)
    : server_(
          [&] {
            options.address = "127.0.0.1";
            options.port = 0;
            return options;
          }(),
          router, guard),
      tls_(options.tls) {
  started_ = static_cast<bool>(server_.Start());
  if (started_) thread_ = std::thread([this] { server_.Run(); });
}

TestServer::~TestServer() {
  if (!thread_.joinable()) return;
  server_.Stop();
  thread_.join();
}

void TestServer::Join() {
  if (thread_.joinable()) thread_.join();
}

std::string TestServer::Url(std::string_view path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         std::string(path);
}

std::string CurlResult::Header(std::string_view name) const {
  for (std::string_view line : Split(headers, '\n')) {
    line = TrimRight(line);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (IEquals(Trim(line.substr(0, colon)), name))
      return std::string(Trim(line.substr(colon + 1)));
  }
  return "";
}

CurlResult Curl(const std::filesystem::path& dir, const std::string& args) {
  const auto header_file = dir / "curl-headers";
  const auto body_file = dir / "curl-body";
  std::filesystem::remove(header_file);
  std::filesystem::remove(body_file);
  CurlResult result;
  const std::string output =
      RunCommand("curl -sk --max-time 60 -D '" + header_file.string() + "' -o '" +
                     body_file.string() + "' -w '%{http_code}' " + args,
                 &result.exit_code);
  result.status = static_cast<int>(ParseInt(Trim(output)).value_or(0));
  const std::string headers = ReadFile(header_file);
  // Keep only the last block (curl also records "100 Continue").
  const auto last = headers.rfind("HTTP/", headers.size() >= 5 ? headers.size() - 5 : 0);
  result.headers = last == std::string::npos ? headers : headers.substr(last);
  result.all_headers = headers;
  result.body = ReadFile(body_file);
  return result;
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval timeout{20, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool RawConnection::Fill() {
  char chunk[65536];
  const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffered_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::string RawConnection::ReadUntil(std::string_view marker) {
  for (;;) {
    const auto found = buffered_.find(marker);
    if (found != std::string::npos) {
      std::string out = buffered_.substr(0, found + marker.size());
      buffered_.erase(0, found + marker.size());
      return out;
    }
    if (!Fill()) return "";
  }
}

std::string RawConnection::ReadExactly(std::size_t n) {
  while (buffered_.size() < n && Fill()) {
  }
  std::string out = buffered_.substr(0, n);
  buffered_.erase(0, out.size());
  return out;
}

std::string RawConnection::ReadResponse() {
  std::string head = ReadUntil("\r\n\r\n");
  if (head.empty()) return "";
  std::size_t length = 0;
  for (std::string_view line : Split(head, '\n')) {
    if (IStartsWith(line, "content-length:")) {
      length = ParseUint(Trim(line.substr(15))).value_or(0);
    }
  }
  return head + ReadExactly(length);
}

bool RawConnection::ReadUntilClose(std::string* rest) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) break;
    if (n < 0) return false;
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
  if (rest != nullptr) *rest = std::move(buffered_);
  buffered_.clear();
  return true;
}

}  // namespace tessera::http::testing
