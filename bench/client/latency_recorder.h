#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::bench {

// What one connection saw: a latency per completed request, byte counts and the
// HTTP statuses. Each connection owns one; they are merged after the run, so no
// locking on the hot path. Not thread-safe.
class LatencyRecorder {
 public:
  void Record(std::chrono::nanoseconds latency, unsigned status, std::uint64_t bytes_in,
              std::uint64_t bytes_out);
  void RecordFailure() { ++failures_; }
  void Merge(const LatencyRecorder& other);

  // requests, ok (2xx), errors, statuses, seconds, rps, bytes, MB/s and latency
  // percentiles in ms (p50, p95, p99, max, mean).
  // REQUIRES: elapsed > 0.
  nlohmann::json Summary(std::chrono::nanoseconds elapsed) const;

 private:
  std::vector<std::int64_t> latencies_ns_;
  std::map<unsigned, std::uint64_t> statuses_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace tessera::bench
