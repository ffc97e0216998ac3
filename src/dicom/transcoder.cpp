#include "dicom/transcoder.h"

#include <cstdint>
#include <fstream>
#include <iterator>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcostrma.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "dicom/codecs.h"
#include "dicom/decoder_preflight.h"
#include "dicom/dicom_file.h"

namespace tessera::dicom {
namespace {

// DCMTK writes through a DcmConsumer; this one appends to a string.
class StringConsumer : public DcmConsumer {
 public:
  explicit StringConsumer(std::string& out) : out_(out) {}

  OFBool good() const override { return OFTrue; }
  OFCondition status() const override { return EC_Normal; }
  OFBool isFlushed() const override { return OFTrue; }
  // DCMTK writes at most avail() bytes per call; the string takes anything.
  offile_off_t avail() const override { return offile_off_t{1} << 30; }
  offile_off_t write(const void* buffer, offile_off_t length) override {
    out_.append(static_cast<const char*>(buffer), static_cast<std::size_t>(length));
    return length;
  }
  void flush() override {}

 private:
  std::string& out_;
};

// Base-from-member: the consumer must exist before DcmOutputStream's constructor.
struct StringConsumerHolder {
  explicit StringConsumerHolder(std::string& out) : consumer(out) {}
  StringConsumer consumer;
};

class StringOutputStream : private StringConsumerHolder, public DcmOutputStream {
 public:
  explicit StringOutputStream(std::string& out)
      : StringConsumerHolder(out), DcmOutputStream(&consumer) {}
};

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, "cannot open DICOM file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Fail(ErrorCode::kIo, "cannot read DICOM file");
  return bytes;
}

Error Unsupported(std::string_view from, std::string_view to, std::string_view why) {
  return Fail(ErrorCode::kUnsupported, "cannot transcode from " + std::string(from) + " to " +
                                           std::string(to) + ": " + std::string(why));
}

struct BitsLimit {
  std::string_view uid;
  std::uint16_t max_bits_stored;
};

// The sample precision each JPEG family encodes. DCMTK's lossy JPEG encoders
// would take more and rescale the values to fit (32-bit RT Dose to 0..223 under
// an unchanged Dose Grid Scaling): a different image, not a compressed one.
constexpr BitsLimit kBitsLimits[] = {
    {"1.2.840.10008.1.2.4.50", 8},  {"1.2.840.10008.1.2.4.51", 12}, {"1.2.840.10008.1.2.4.57", 16},
    {"1.2.840.10008.1.2.4.70", 16}, {"1.2.840.10008.1.2.4.80", 16}, {"1.2.840.10008.1.2.4.81", 16},
};

// Refuses pixel data whose Bits Stored exceed what `target` encodes.
Status CheckPrecision(DcmDataset& dataset, std::string_view source, std::string_view target) {
  Uint16 bits_stored = 0;
  if (!dataset.tagExists(DCM_PixelData) ||
      dataset.findAndGetUint16(DCM_BitsStored, bits_stored).bad()) {
    return Ok();
  }
  for (const BitsLimit& limit : kBitsLimits) {
    if (limit.uid == target && bits_stored > limit.max_bits_stored) {
      return Unsupported(source, target,
                         std::to_string(bits_stored) + "-bit pixel data does not fit its " +
                             std::to_string(limit.max_bits_stored) + " bits");
    }
  }
  return Ok();
}

}  // namespace

bool CanTranscode(std::string_view from_ts, std::string_view to_ts) {
  if (from_ts == to_ts) return FindTransferSyntax(from_ts) != nullptr;
  const TransferSyntaxInfo* from = FindTransferSyntax(from_ts);
  const TransferSyntaxInfo* to = FindTransferSyntax(to_ts);
  return from != nullptr && to != nullptr && from->can_decode && to->can_encode;
}

Status CheckTranscodable(const std::filesystem::path& file, std::string_view target_uid) {
  // Values past this stay on disk: the pixel data is not read.
  constexpr std::uint32_t kHeaderOnly = 256;
  auto loaded = LoadPart10File(file, kHeaderOnly);
  if (!loaded) return std::move(loaded).error();
  DcmDataset& dataset = *(*loaded)->getDataset();
  const std::string_view source_uid = DcmXfer(dataset.getOriginalXfer()).getXferID();
  if (source_uid == target_uid) return Ok();
  if (!CanTranscode(source_uid, target_uid)) return Unsupported(source_uid, target_uid, "no codec");
  if (DcmXfer(dataset.getOriginalXfer()).isEncapsulated()) {
    auto fits = CheckDecodedSize(dataset, FrameCount(dataset), kMaxDecodedBytes);
    if (!fits) return std::move(fits).error();
  }
  return CheckPrecision(dataset, source_uid, target_uid);
}

Result<std::string> TranscodePart10(const std::filesystem::path& file,
                                    std::string_view target_transfer_syntax_uid) {
  const TransferSyntaxInfo* target = FindTransferSyntax(target_transfer_syntax_uid);
  if (target == nullptr || !target->can_encode) {
    return Fail(ErrorCode::kUnsupported,
                "cannot encode transfer syntax " + std::string(target_transfer_syntax_uid));
  }
  const E_TransferSyntax target_xfer = DcmXfer(std::string(target->uid).c_str()).getXfer();
  if (target_xfer == EXS_Unknown) {
    return Fail(ErrorCode::kUnsupported, "DCMTK does not know " + std::string(target->uid));
  }

  auto loaded = LoadPart10File(file);
  if (!loaded) return std::move(loaded).error();
  DcmFileFormat& format = **loaded;
  DcmDataset& dataset = *format.getDataset();
  const DcmXfer source(dataset.getOriginalXfer());
  const std::string_view source_uid = source.getXferID();
  if (source.getXfer() == target_xfer) return ReadWholeFile(file);
  if (!CanTranscode(source_uid, target->uid)) {
    return Unsupported(source_uid, target->uid, "no codec");
  }
  if (auto fits = CheckPrecision(dataset, source_uid, target->uid); !fits) {
    return std::move(fits).error();
  }
  if (source.isEncapsulated()) {
    auto fits = CheckDecodedSize(dataset, FrameCount(dataset), kMaxDecodedBytes);
    if (!fits) return std::move(fits).error();
    if (auto safe = CheckBeforeDecoding(dataset); !safe) return std::move(safe).error();
  }

  if (const OFCondition chosen = dataset.chooseRepresentation(target_xfer, nullptr); chosen.bad()) {
    return Unsupported(source_uid, target->uid, chosen.text());
  }
  if (!dataset.canWriteXfer(target_xfer)) {
    return Unsupported(source_uid, target->uid, "pixel data cannot be written in the target");
  }

  std::string bytes;
  StringOutputStream stream(bytes);
  format.transferInit();
  const OFCondition written = format.write(stream, target_xfer, EET_UndefinedLength, nullptr,
                                           EGL_recalcGL, EPD_noChange, 0, 0, 0, EWM_updateMeta);
  format.transferEnd();
  if (written.good()) stream.flush();
  if (written.bad() || stream.status().bad()) {
    return Fail(ErrorCode::kInternal, std::string("cannot write DICOM: ") + written.text());
  }
  return bytes;
}

}  // namespace tessera::dicom
