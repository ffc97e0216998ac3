#include "dimse/message_io.h"

#include <cerrno>
#include <string>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/dimse.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "dicom/structure_check.h"

namespace tessera::dimse {

std::optional<AcceptedContext> FindAcceptedContext(T_ASC_Association& association,
                                                   T_ASC_PresentationContextID id) {
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(association.params, id, &pc).bad()) return std::nullopt;
  return AcceptedContext{pc.abstractSyntax, pc.acceptedTransferSyntax};
}

namespace {

// Where a received data set's bytes wait to be checked and parsed: an
// anonymous in-memory file, up to kMaxDataSetBytes.
class MemoryFileConsumer : public DcmConsumer {
 public:
  explicit MemoryFileConsumer(int fd) : fd_(fd) {}
  OFBool good() const override { return good_; }
  OFCondition status() const override {
    return good_ ? EC_Normal : makeOFCondition(OFM_dcmdata, 18, OF_error, "data set too large");
  }
  OFBool isFlushed() const override { return OFTrue; }
  offile_off_t avail() const override { return good_ ? 64 * 1024 : 0; }
  offile_off_t write(const void* buffer, offile_off_t length) override {
    if (!good_ || length <= 0) return 0;
    if (written_ + static_cast<std::uint64_t>(length) > kMaxDataSetBytes) {
      good_ = false;
      return 0;
    }
    const auto* bytes = static_cast<const char*>(buffer);
    for (offile_off_t done = 0; done < length;) {
      const ssize_t n = ::pwrite(fd_, bytes + done, static_cast<std::size_t>(length - done),
                                 static_cast<off_t>(written_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        good_ = false;
        return 0;
      }
      done += n;
      written_ += static_cast<std::uint64_t>(n);
    }
    return length;
  }
  void flush() override {}

 private:
  int fd_;
  std::uint64_t written_ = 0;
  bool good_ = true;
};

class MemoryFileStream : private MemoryFileConsumer, public DcmOutputStream {
 public:
  explicit MemoryFileStream(int fd)
      : MemoryFileConsumer(fd), DcmOutputStream(static_cast<MemoryFileConsumer*>(this)) {}
};

}  // namespace

Result<std::unique_ptr<DcmDataset>> ReceiveDataSet(T_ASC_Association& association,
                                                   int timeout_seconds) {
  const UniqueFd memory(::memfd_create("tessera-data-set", MFD_CLOEXEC));
  if (!memory.valid()) return FileError("memfd_create", "a received data set", errno);
  T_ASC_PresentationContextID id = 0;
  {
    MemoryFileStream stream(memory.get());
    const OFCondition received = DIMSE_receiveDataSetInFile(
        &association, DIMSE_NONBLOCKING, timeout_seconds, &id, &stream, nullptr, nullptr);
    if (received.bad()) {
      return Fail(ErrorCode::kUnavailable, std::string("receiving a data set: ") + received.text());
    }
  }
  const auto context = FindAcceptedContext(association, id);
  if (!context) return Fail(ErrorCode::kUnavailable, "a data set on an unknown context");
  const E_TransferSyntax syntax = DcmXfer(context->transfer_syntax.c_str()).getXfer();
  // DCMTK parses nested sequences recursively: the structure is checked first.
  if (auto bounded = dicom::CheckStructure(memory.get(), 0, syntax); !bounded) {
    return std::move(bounded).error();
  }
  const std::string path = "/proc/self/fd/" + std::to_string(memory.get());
  DcmInputFileStream input(path.c_str());
  auto dataset = std::make_unique<DcmDataset>();
  dataset->transferInit();
  // Every value is read now (DCMTK defers values over 4 KiB to the file, which
  // closes on return: a 5 KB UID list would read as empty, matching everything).
  // The memory file bounds them (kMaxDataSetBytes).
  const OFCondition parsed = dataset->read(input, syntax, EGL_noChange, DCM_UndefinedLength);
  dataset->transferEnd();
  if (parsed.bad()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("a malformed data set: ") + parsed.text());
  }
  return dataset;
}

Status SkipDataSet(T_ASC_Association& association, int timeout_seconds) {
  DIC_UL bytes = 0;
  DIC_UL pdvs = 0;
  const OFCondition skipped =
      DIMSE_ignoreDataSet(&association, DIMSE_NONBLOCKING, timeout_seconds, &bytes, &pdvs);
  if (skipped.bad()) {
    return Fail(ErrorCode::kUnavailable, std::string("skipping a data set: ") + skipped.text());
  }
  return Ok();
}

std::unique_ptr<DcmDataset> ErrorComment(std::string_view message) {
  auto detail = std::make_unique<DcmDataset>();
  // LO: printable ASCII without backslashes, at most 64 characters.
  std::string comment;
  for (const char c : message.substr(0, 64)) {
    comment.push_back(c >= 0x20 && c < 0x7F && c != '\\' ? c : '?');
  }
  detail->putAndInsertString(DCM_ErrorComment, comment.c_str());
  return detail;
}

Status SendStatus(const OFCondition& condition, std::string_view what) {
  if (condition.good()) return Ok();
  return Fail(ErrorCode::kUnavailable, "sending " + std::string(what) + ": " + condition.text());
}

}  // namespace tessera::dimse
