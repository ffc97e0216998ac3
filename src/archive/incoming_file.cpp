#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/file_ops.h"
#include "archive/free_space.h"

namespace tessera::archive {

IncomingFile::IncomingFile(IncomingFile&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      fd_(std::move(other.fd_)),
      size_(std::exchange(other.size_, 0)),
      written_back_(std::exchange(other.written_back_, 0)),
      floor_(other.floor_),
      declared_sop_class_uid_(std::move(other.declared_sop_class_uid_)),
      declared_sop_instance_uid_(std::move(other.declared_sop_instance_uid_)),
      keep_existing_(other.keep_existing_) {}

IncomingFile& IncomingFile::operator=(IncomingFile&& other) noexcept {
  if (this == &other) return *this;
  Discard();
  path_ = std::exchange(other.path_, {});
  fd_ = std::move(other.fd_);
  size_ = std::exchange(other.size_, 0);
  written_back_ = std::exchange(other.written_back_, 0);
  floor_ = other.floor_;
  declared_sop_class_uid_ = std::move(other.declared_sop_class_uid_);
  declared_sop_instance_uid_ = std::move(other.declared_sop_instance_uid_);
  keep_existing_ = other.keep_existing_;
  return *this;
}

IncomingFile::~IncomingFile() { Discard(); }

void IncomingFile::Discard() {
  fd_.Reset();
  if (path_.empty()) return;
  (void)RemoveFile(path_);  // best effort: a leftover is removed at the next Open
  path_.clear();
}

void IncomingFile::StartWriteback() {
  // The store syncs the file before acknowledging it. Handing the kernel each
  // full chunk while the rest is still arriving leaves that sync only the tail
  // to wait for, and keeps a huge upload from piling up dirty pages. Advisory:
  // a failure here is left for the sync to report.
  constexpr std::uint64_t kChunk = 128 * 1024;
  if (size_ - written_back_ < kChunk) return;
  const std::uint64_t end = size_ - size_ % kChunk;
  (void)::sync_file_range(fd_.get(), static_cast<off_t>(written_back_),
                          static_cast<off_t>(end - written_back_), SYNC_FILE_RANGE_WRITE);
  written_back_ = end;
}

void IncomingFile::StartWritebackOfAll() {
  if (written_back_ == size_) return;
  (void)::sync_file_range(fd_.get(), static_cast<off_t>(written_back_), 0, SYNC_FILE_RANGE_WRITE);
  written_back_ = size_;
}

Status IncomingFile::Reopen() {
  if (fd_.valid()) return Ok();
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError("open", path_, errno);
  fd_.Reset(fd);
  return Ok();
}

Status IncomingFile::Write(std::span<const char> bytes) {
  // Each 64 MiB a file grows into must fit above the floor.
  constexpr std::uint64_t kFloorCheckEvery = std::uint64_t{64} << 20;
  if (floor_ != nullptr && (size_ + bytes.size()) / kFloorCheckEvery > size_ / kFloorCheckEvery) {
    if (auto room = floor_->Check(kFloorCheckEvery); !room) return room;
  }
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_.get(), bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return FileError("write", path_, errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
  StartWriteback();
  return Ok();
}

}  // namespace tessera::archive
