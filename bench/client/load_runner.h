#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/stow_body.h"

namespace tessera::bench {

// Where requests go: http://host:port or https://host:port (certificate not checked:
// the servers under test use self-signed ones on loopback).
struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;

  // Parses "http://127.0.0.1:8042" or "https://...". Throws std::invalid_argument.
  static Endpoint Parse(const std::string& url);
};

struct LoadOptions {
  Endpoint endpoint;
  unsigned connections = 1;          // keep-alive connections, each one request at a time
  unsigned threads = 1;              // threads running the connections' event loop
  std::vector<std::string> headers;  // "Name: value" lines added to every request
  // GET runs: stop after this many requests in all, or at the deadline, whichever first.
  std::uint64_t requests = 0;  // 0: no count limit (needs a duration)
  std::optional<std::chrono::milliseconds> duration;
};

// Sends GET requests for `paths` (request i asks for paths[i % size]) over
// `connections` keep-alive connections, reading and discarding every body.
// Returns LatencyRecorder::Summary plus "connects". Throws on set-up errors
// (e.g. connection refused at start); per-request failures are counted.
nlohmann::json RunGets(const LoadOptions& options, const std::vector<std::string>& paths);

// POSTs each body once to `path`, `connections` at a time, streaming file parts
// from disk. Returns LatencyRecorder::Summary plus "instances" (parts acknowledged
// with a 2xx status) and "connects".
nlohmann::json RunPosts(const LoadOptions& options, const std::string& path,
                        const std::vector<MultipartBody>& bodies);

}  // namespace tessera::bench
