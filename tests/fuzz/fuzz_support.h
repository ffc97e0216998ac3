#pragma once

// Helpers shared by the fuzz harnesses (tests/fuzz/*_fuzz.cpp). Header-only so
// that each harness stays one translation unit plus replay_main.cpp.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/oflog/oflog.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "dicom/structure_check.h"

namespace tessera::fuzz {

// Aborts with a message when an invariant the code under test promises does not
// hold. Unlike assert() it stays on in release (RelWithDebInfo, -DNDEBUG) builds.
[[noreturn]] inline void InvariantFailed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  std::abort();
}
#define FUZZ_CHECK(condition)         \
  ((condition) ? static_cast<void>(0) \
               : ::tessera::fuzz::InvariantFailed(#condition, __FILE__, __LINE__))

// Silences DCMTK's and spdlog's logging, which would flood the fuzzer's output.
// Returns true so that a harness can run it once: `static const bool quiet = QuietLogs();`.
inline bool QuietLogs() {
  OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
  spdlog::set_level(spdlog::level::off);
  return true;
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Takes bytes and small numbers off the front of the input, zeros when it runs out.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  std::uint8_t Byte() {
    if (data_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(data_.front());
    data_.remove_prefix(1);
    return b;
  }
  // Up to the next '\n' (not included), or the rest.
  std::string_view Line() {
    const auto newline = data_.find('\n');
    const std::string_view line = data_.substr(0, newline);
    data_.remove_prefix(newline == std::string_view::npos ? data_.size() : newline + 1);
    return line;
  }
  std::string_view Rest() const { return data_; }

 private:
  std::string_view data_;
};

// An anonymous in-memory file holding `bytes`, reachable by path as
// /proc/self/fd/N, as the DIMSE service keeps received data sets.
class MemoryFile {
 public:
  explicit MemoryFile(std::string_view bytes) : fd_(::memfd_create("tessera-fuzz", MFD_CLOEXEC)) {
    if (!fd_.valid()) std::abort();
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_.get());
  }
  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  UniqueFd fd_;
  std::string path_;
};

// Parses `bytes` as a bare data set in `syntax` the way dimse::ReceiveDataSet does
// (dimse/message_io.cpp): structure check first, then every value read. nullptr
// when either refuses it.
inline std::unique_ptr<DcmDataset> DataSetFromBytes(std::string_view bytes,
                                                    E_TransferSyntax syntax) {
  const MemoryFile file(bytes);
  if (!dicom::CheckStructure(file.fd(), 0, syntax)) return nullptr;
  DcmInputFileStream input(file.path().c_str());
  auto dataset = std::make_unique<DcmDataset>();
  dataset->transferInit();
  const OFCondition parsed = dataset->read(input, syntax, EGL_noChange, DCM_UndefinedLength);
  dataset->transferEnd();
  if (parsed.bad()) return nullptr;
  return dataset;
}

}  // namespace tessera::fuzz
