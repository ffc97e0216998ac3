#include <cerrno>
#include <utility>

#include <unistd.h>

#include "archive/archive.h"
#include "archive/file_ops.h"

namespace tessera::archive {

IncomingFile::IncomingFile(IncomingFile&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      fd_(std::move(other.fd_)),
      size_(std::exchange(other.size_, 0)) {}

IncomingFile& IncomingFile::operator=(IncomingFile&& other) noexcept {
  if (this == &other) return *this;
  Discard();
  path_ = std::exchange(other.path_, {});
  fd_ = std::move(other.fd_);
  size_ = std::exchange(other.size_, 0);
  return *this;
}

IncomingFile::~IncomingFile() { Discard(); }

void IncomingFile::Discard() {
  fd_.Reset();
  if (path_.empty()) return;
  (void)RemoveFile(path_);  // best effort: a leftover is removed at the next Open
  path_.clear();
}

Status IncomingFile::Write(std::span<const char> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_.get(), bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path_, errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
  return Ok();
}

}  // namespace tessera::archive
