#include "client/latency_recorder.h"

#include <algorithm>
#include <numeric>

namespace tessera::bench {
namespace {

double Milliseconds(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Nearest-rank percentile of sorted values.
std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

void LatencyRecorder::Record(std::chrono::nanoseconds latency, unsigned status,
                             std::uint64_t bytes_in, std::uint64_t bytes_out) {
  latencies_ns_.push_back(latency.count());
  ++statuses_[status];
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
}

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  latencies_ns_.insert(latencies_ns_.end(), other.latencies_ns_.begin(), other.latencies_ns_.end());
  for (const auto& [status, count] : other.statuses_) statuses_[status] += count;
  bytes_in_ += other.bytes_in_;
  bytes_out_ += other.bytes_out_;
  failures_ += other.failures_;
}

nlohmann::json LatencyRecorder::Summary(std::chrono::nanoseconds elapsed) const {
  std::vector<std::int64_t> sorted = latencies_ns_;
  std::sort(sorted.begin(), sorted.end());
  const double seconds = static_cast<double>(elapsed.count()) / 1e9;
  std::uint64_t ok = 0;
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [status, count] : statuses_) {
    statuses[std::to_string(status)] = count;
    if (status >= 200 && status < 300) ok += count;
  }
  const double mean =
      sorted.empty()
          ? 0.0
          : static_cast<double>(std::accumulate(sorted.begin(), sorted.end(), std::int64_t{0})) /
                static_cast<double>(sorted.size());
  return {
      {"requests", sorted.size()},
      {"ok", ok},
      {"errors", sorted.size() - ok + failures_},
      {"failures", failures_},
      {"statuses", statuses},
      {"seconds", seconds},
      {"rps", static_cast<double>(sorted.size()) / seconds},
      {"bytes_in", bytes_in_},
      {"bytes_out", bytes_out_},
      {"mbps_in", static_cast<double>(bytes_in_) / 1e6 / seconds},
      {"mbps_out", static_cast<double>(bytes_out_) / 1e6 / seconds},
      {"p50_ms", Milliseconds(Percentile(sorted, 50))},
      {"p95_ms", Milliseconds(Percentile(sorted, 95))},
      {"p99_ms", Milliseconds(Percentile(sorted, 99))},
      {"max_ms", Milliseconds(sorted.empty() ? 0 : sorted.back())},
      {"mean_ms", mean / 1e6},
  };
}

}  // namespace tessera::bench
