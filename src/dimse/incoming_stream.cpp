#include "dimse/incoming_stream.h"

#include <algorithm>
#include <cstring>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "dicom/implementation.h"

namespace tessera::dimse {
namespace {

// Pieces this large (a PDV's data: up to the PDU size) go to the file as they
// are; copying them into the buffer first cost ~9 % of a C-STORE's CPU. Smaller
// ones (the File Meta's elements, the tail of a data set) are gathered into
// writes of up to kBufferBytes.
constexpr std::size_t kDirectBytes = 16 * 1024;
constexpr std::size_t kBufferBytes = 64 * 1024;

}  // namespace

IncomingFileConsumer::IncomingFileConsumer(archive::IncomingFile& file) : file_(file) {
  buffer_.reserve(kBufferBytes);
}

OFCondition IncomingFileConsumer::status() const {
  if (error_.empty()) return EC_Normal;
  return makeOFCondition(OFM_dcmdata, 18, OF_error, error_.c_str());
}

offile_off_t IncomingFileConsumer::avail() const {
  // The file grows as needed; DCMTK only uses this to size its writes.
  return good() ? static_cast<offile_off_t>(kBufferBytes) : 0;
}

offile_off_t IncomingFileConsumer::write(const void* buf, offile_off_t buflen) {
  if (!good() || buflen <= 0) return 0;
  const auto* bytes = static_cast<const char*>(buf);
  const auto length = static_cast<std::size_t>(buflen);
  if (length >= kDirectBytes || buffer_.size() + length > kBufferBytes) flush();
  if (!good()) return 0;
  if (length >= kDirectBytes) {
    if (auto written = file_.Write(std::span<const char>(bytes, length)); !written) {
      Remember(written.error());
      return 0;
    }
    return buflen;
  }
  buffer_.insert(buffer_.end(), bytes, bytes + length);
  return buflen;
}

void IncomingFileConsumer::Remember(const Error& error) {
  error_ = error.message;
  error_code_ = error.code;  // a full disk stays one for the status the sender gets
}

void IncomingFileConsumer::flush() {
  if (buffer_.empty() || !good()) return;
  if (auto written = file_.Write(buffer_); !written) Remember(written.error());
  buffer_.clear();
}

Status IncomingFileConsumer::Finish() {
  flush();
  if (!good()) return Fail(error_code_, error_);
  return Ok();
}

IncomingFileStream::IncomingFileStream(archive::IncomingFile& file)
    : IncomingFileConsumer(file), DcmOutputStream(static_cast<IncomingFileConsumer*>(this)) {}

Status WriteFileMeta(DcmOutputStream& stream, const std::string& sop_class_uid,
                     const std::string& sop_instance_uid, const std::string& transfer_syntax_uid,
                     const std::string& source_ae_title) {
  DcmMetaInfo meta;
  const Uint8 version[2] = {0, 1};
  OFCondition result = meta.putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
  if (result.good())
    result = meta.putAndInsertString(DCM_MediaStorageSOPClassUID, sop_class_uid.c_str());
  if (result.good()) {
    result = meta.putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop_instance_uid.c_str());
  }
  if (result.good())
    result = meta.putAndInsertString(DCM_TransferSyntaxUID, transfer_syntax_uid.c_str());
  if (result.good()) {
    result = meta.putAndInsertString(DCM_ImplementationClassUID, dicom::kImplementationClassUid);
  }
  if (result.good()) {
    result =
        meta.putAndInsertString(DCM_ImplementationVersionName, dicom::kImplementationVersionName);
  }
  if (result.good() && !source_ae_title.empty()) {
    result = meta.putAndInsertString(DCM_SourceApplicationEntityTitle, source_ae_title.c_str());
  }
  if (result.good()) {
    result = meta.computeGroupLengthAndPadding(
        EGL_withGL, EPD_noChange, META_HEADER_DEFAULT_TRANSFERSYNTAX, EET_UndefinedLength);
  }
  if (result.bad()) return Fail(ErrorCode::kInternal, std::string("File Meta: ") + result.text());
  meta.transferInit();
  result = meta.write(stream, META_HEADER_DEFAULT_TRANSFERSYNTAX, EET_ExplicitLength, nullptr);
  meta.transferEnd();
  if (result.bad())
    return Fail(ErrorCode::kIo, std::string("writing the File Meta: ") + result.text());
  return Ok();
}

}  // namespace tessera::dimse
