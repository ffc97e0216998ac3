#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "db/connection.h"

namespace tessera::db {

struct DatabaseOptions {
  std::size_t readers = 4;
  ConnectionOptions connection;
};

// An SQLite database in WAL mode shared by threads: one writer connection
// (writes are serialised, as SQLite requires) and a pool of reader connections
// that run in parallel with it. Thread-safe.
class Database {
 public:
  // Opens or creates `file` and applies `migrations`. Errors: kIo, kCorrupt.
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& file,
                                                std::span<const Migration> migrations,
                                                const DatabaseOptions& options = {});
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `fn(Connection&)` with the writer connection, holding the write lock.
  // `fn` opens its own Transaction when it needs one.
  template <class Fn>
  auto Write(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
    std::lock_guard lock(writer_mutex_);
    return fn(*writer_);
  }

  // Runs `fn(Connection&)` with a reader connection (waits for a free one).
  template <class Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
    ReaderLease lease(*this);
    return fn(*lease.connection);
  }

  const std::filesystem::path& file() const { return file_; }

 private:
  Database() = default;

  struct ReaderLease {
    explicit ReaderLease(Database& db);
    ~ReaderLease();
    Database& db;
    Connection* connection;
  };

  std::filesystem::path file_;
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mutex_;
  std::condition_variable reader_released_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::vector<Connection*> idle_readers_;
};

}  // namespace tessera::db
