#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "archive/archive.h"
#include "archive/blob_store.h"

namespace tessera::archive {

// The last step of an ingest, off the request path (ingester.cpp has the
// protocol): once a batch is committed, its instances' blob names need to
// become durable and their incoming names can then go. Until then the incoming
// name, durable since before the commit, is what start-up recovery relinks the
// blob from. A background thread does this at most every kDelay, so that the
// commits of that interval share one fsync per blob folder instead of putting
// one on each acknowledgement's path. Thread-safe.
class Settler {
 public:
  static constexpr std::chrono::milliseconds kDelay{50};

  // `on_error` (optional) hears of each failed round; it must not block.
  Settler(const BlobStore& blobs, std::function<void(const DeferredFileError&)> on_error);
  // Settles everything handed over, then stops the thread.
  ~Settler();
  Settler(const Settler&) = delete;
  Settler& operator=(const Settler&) = delete;

  // Takes over committed instances: `folders` holds their blob names' folders
  // (and new folders' parents), `numbers` their numbers. REQUIRES: their index
  // rows are committed.
  void Add(const DirectorySyncSet& folders, std::span<const BlobNumber> numbers);

  // Returns once everything handed over before the call is settled (or left
  // for the start-up recovery after an fsync error).
  void SettleNow();

 private:
  void Run();

  const BlobStore& blobs_;
  const std::function<void(const DeferredFileError&)> on_error_;
  std::mutex mutex_;
  std::condition_variable work_;     // something to do, or hurry, or stop
  std::condition_variable settled_;  // settled_count_ moved
  DirectorySyncSet folders_;
  std::vector<BlobNumber> numbers_;
  std::uint64_t added_count_ = 0;    // Add calls so far
  std::uint64_t settled_count_ = 0;  // of which this many are settled
  bool hurry_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace tessera::archive
