#include "db/database.h"

namespace tessera::db {

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& file,
                                                 std::span<const Migration> migrations,
                                                 const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database());
  db->file_ = file;

  auto writer = Connection::Open(file, options.connection);
  if (!writer) return std::move(writer).error();
  if (auto status = Migrate(**writer, migrations); !status) return std::move(status).error();
  db->writer_ = std::move(*writer);

  ConnectionOptions reader_options = options.connection;
  reader_options.read_only = true;
  for (std::size_t i = 0; i < std::max<std::size_t>(options.readers, 1); ++i) {
    auto reader = Connection::Open(file, reader_options);
    if (!reader) return std::move(reader).error();
    db->idle_readers_.push_back(reader->get());
    db->readers_.push_back(std::move(*reader));
  }
  return db;
}

Database::ReaderLease::ReaderLease(Database& database) : db(database) {
  std::unique_lock lock(db.readers_mutex_);
  db.reader_released_.wait(lock, [&] { return !db.idle_readers_.empty(); });
  connection = db.idle_readers_.back();
  db.idle_readers_.pop_back();
}

Database::ReaderLease::~ReaderLease() {
  {
    std::lock_guard lock(db.readers_mutex_);
    db.idle_readers_.push_back(connection);
  }
  db.reader_released_.notify_one();
}

}  // namespace tessera::db
