#pragma once

// A real Server on 127.0.0.1 with the routes the server tests talk to, run in
// a thread, plus curl and raw-socket clients.

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "http/blocking_pool.h"
#include "http/guard.h"
#include "http/router.h"
#include "http/server.h"
#include "test_support.h"

namespace tessera::http::testing {

// Lets requests through when they carry "Authorization: Bearer good" (or the
// route is public) and counts its calls.
class TokenGuard final : public Guard {
 public:
  std::optional<Response> Check(Request& request, Access access) override;
  std::atomic<int> calls{0};
};

// State the routes share with the tests.
struct RouteState {
  std::filesystem::path file;  // served by /file
  std::string file_bytes;      // its contents
  std::atomic<bool> slow_entered{false};
  std::atomic<bool> slow_release{false};
  BlockingPool pool{2};
};

// Routes:
//   GET  /hello               "hello" (text/plain)
//   GET  /json/{n}            a JSON array of n objects
//   POST /upload              reads the body, answers {"bytes": N, "crc": C}; 413 on kTooLarge
//   POST /ignore              answers without reading the body
//   GET  /file                Segments: "<<", file[1000, 1000+500000), ">>"
//   GET  /missing-file        Segments with a file that does not exist
//   GET  /stream              StreamBody: "chunk-0\n" .. "chunk-99\n"
//   GET  /slow                waits for RouteState::slow_release, then "done"
//   GET  /private             Access::kRead "secret"
//   GET  /pool                computes on the BlockingPool
void AddTestRoutes(Router& router, RouteState& state);

class TestServer {
 public:
  // Starts the server on 127.0.0.1, port 0, in a thread. Check ok() after.
  TestServer(ServerOptions options, const Router& router, Guard& guard);
  ~TestServer();

  bool ok() const { return started_; }
  std::uint16_t port() const { return server_.port(); }
  std::string Url(std::string_view path) const;
  void Stop() { server_.Stop(); }
  // Waits for Run() to return.
  void Join();

 private:
  Server server_;
  bool tls_;
  bool started_ = false;
  std::thread thread_;
};

struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string headers;      // the last header block
  std::string all_headers;  // every header block, e.g. with "100 Continue" first
  std::string body;
  // The value of header `name` in the last block (case-insensitive), empty if absent.
  std::string Header(std::string_view name) const;
};

// Runs `curl -sk <args>` saving headers and body under `dir`.
CurlResult Curl(const std::filesystem::path& dir, const std::string& args);

// A blocking TCP connection to 127.0.0.1:port with a 20 s receive timeout.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  bool connected() const { return fd_ >= 0; }
  void Send(std::string_view bytes);
  // Reads until `marker` has been received (returning everything read so far
  // up to and including it, keeping the rest buffered), or "" on close/timeout.
  std::string ReadUntil(std::string_view marker);
  // Reads exactly n bytes (fewer on close/timeout).
  std::string ReadExactly(std::size_t n);
  // Reads one response with a Content-Length body: "header\r\n\r\nbody".
  std::string ReadResponse();
  // Reads until the server closes; true if it closed (false on timeout).
  bool ReadUntilClose(std::string* rest = nullptr);

 private:
  bool Fill();
  int fd_ = -1;
  std::string buffered_;
};

std::uint32_t Crc32(std::string_view bytes);

}  // namespace tessera::http::testing
