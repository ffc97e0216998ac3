#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcostrma.h>

#include "archive/archive.h"
#include "base/result.h"

namespace tessera::dimse {

// DCMTK's consumer end of an output stream, writing into an archive
// IncomingFile through a buffer (DIMSE hands over one PDV at a time). After the
// first failed write it stays bad, so DCMTK stops and reports "out of resources".
class IncomingFileConsumer : public DcmConsumer {
 public:
  explicit IncomingFileConsumer(archive::IncomingFile& file);

  OFBool good() const override { return error_.empty(); }
  OFCondition status() const override;
  OFBool isFlushed() const override { return buffer_.empty(); }
  offile_off_t avail() const override;
  offile_off_t write(const void* buf, offile_off_t buflen) override;
  void flush() override;

  // Flushes; the first write error, if any.
  Status Finish();

 private:
  void Remember(const Error& error);

  archive::IncomingFile& file_;
  std::vector<char> buffer_;
  std::string error_;  // the first write's failure; empty while good
  ErrorCode error_code_ = ErrorCode::kIo;
};

// A DcmOutputStream over an IncomingFileConsumer; what DIMSE_receiveDataSetInFile
// and DcmMetaInfo::write need. Not thread-safe; `file` must outlive the stream.
class IncomingFileStream final : private IncomingFileConsumer, public DcmOutputStream {
 public:
  explicit IncomingFileStream(archive::IncomingFile& file);
  // Flushes; the first write error, if any.
  Status Finish() { return IncomingFileConsumer::Finish(); }
};

// The File Meta Information Tessera puts before a data set received by C-STORE,
// as storescp --bit-preserving does: preamble, "DICM", group length, version,
// SOP class and instance from the request, the presentation context's transfer
// syntax, DCMTK's implementation UID and name, and the caller's AE title.
// Errors: kInternal when DCMTK cannot encode it, kIo when the write fails.
Status WriteFileMeta(DcmOutputStream& stream, const std::string& sop_class_uid,
                     const std::string& sop_instance_uid, const std::string& transfer_syntax_uid,
                     const std::string& source_ae_title);

}  // namespace tessera::dimse
