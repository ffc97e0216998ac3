#include "dicom/dicom_file.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcerror.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_io.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/file_meta.h"
#include "dicom/structure_check.h"

namespace tessera::dicom {
namespace {

constexpr std::size_t kPreambleLength = 128;
constexpr std::string_view kMagic = "DICM";

Error NotPart10() { return Fail(ErrorCode::kInvalidArgument, "not a DICOM Part 10 file"); }
Error Truncated() { return Fail(ErrorCode::kInvalidArgument, "truncated DICOM file"); }

// A file stream that stops a deflated data set at kMaxInflatedBytes. DCMTK holds
// an inflated data set's values in memory (a compressed stream cannot be read
// again later), so a few megabytes of deflated zeros would otherwise take
// gigabytes, at every parse of the stored file. Past the limit it reports the
// end of the stream and exceeded() says why.
class BoundedInputFileStream : public DcmInputFileStream {
 public:
  explicit BoundedInputFileStream(const char* path) : DcmInputFileStream(path) {}

  bool exceeded() const { return exceeded_; }

  OFCondition installCompressionFilter(E_StreamCompression type) override {
    const OFCondition installed = DcmInputFileStream::installCompressionFilter(type);
    if (installed.good()) end_ = tell() + static_cast<offile_off_t>(kMaxInflatedBytes);
    return installed;
  }
  OFBool eos() override { return exceeded_ || DcmInputFileStream::eos(); }
  offile_off_t avail() override { return Allowed(DcmInputFileStream::avail()); }
  offile_off_t read(void* buffer, offile_off_t length) override {
    return DcmInputFileStream::read(buffer, Allowed(length));
  }
  offile_off_t skip(offile_off_t length) override {
    return DcmInputFileStream::skip(Allowed(length));
  }

 private:
  // How much of `wanted` stays within the limit; marks the stream exceeded when
  // that is not all of it.
  offile_off_t Allowed(offile_off_t wanted) {
    if (end_ < 0) return wanted;
    const offile_off_t left = std::max<offile_off_t>(0, end_ - tell());
    if (wanted > left) exceeded_ = true;
    return std::min(wanted, left);
  }

  offile_off_t end_ = -1;  // tell() at the limit, once inflating
  bool exceeded_ = false;
};

// What LoadPart10File checks before DCMTK reads the file.
struct FileHead {
  std::uintmax_t size = 0;
  bool part10 = false;     // 128-byte preamble, "DICM", then the File Meta group
  UniqueFd fd;             // still open, for the structure check
  std::vector<char> head;  // the file's first bytes, up to 64 KiB: the File Meta
};

// One descriptor and one read for the size, the magic and the File Meta: this runs
// for every received instance, and an ifstream's buffer and a separate stat cost
// more than the read.
Result<FileHead> ReadHead(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Fail(ErrorCode::kIo, "cannot open DICOM file");
  struct stat file_stat {};
  if (::fstat(fd.get(), &file_stat) != 0) {
    return Fail(ErrorCode::kIo,
                "cannot stat DICOM file: " + std::generic_category().message(errno));
  }
  std::vector<char> head(64 * 1024);
  const ssize_t filled = ReadFullyAt(fd.get(), head, 0);
  if (filled < 0) return Fail(ErrorCode::kIo, "cannot read DICOM file");
  head.resize(static_cast<std::size_t>(filled));
  const bool part10 = head.size() >= kPreambleLength + kMagic.size() &&
                      std::memcmp(head.data() + kPreambleLength, kMagic.data(), kMagic.size()) == 0;
  return FileHead{static_cast<std::uintmax_t>(file_stat.st_size), part10, std::move(fd),
                  std::move(head)};
}

// Where the data set starts and how it is encoded, from the File Meta in `head`
// (the file's first bytes). Without a Transfer Syntax UID there, the data's first
// element tells explicit from implicit VR, as DCMTK guesses. nullopt when the
// File Meta cannot be read: DCMTK's parse then reports it.
std::optional<std::pair<std::uint64_t, E_TransferSyntax>> DataSetLayout(
    std::span<const char> head) {
  const auto meta = ReadFileMeta(head);
  if (!meta) return std::nullopt;
  const std::uint64_t offset = meta->data_set_offset;
  if (!meta->transfer_syntax_uid.empty()) {
    const E_TransferSyntax syntax = DcmXfer(meta->transfer_syntax_uid.c_str()).getXfer();
    if (syntax != EXS_Unknown) return std::pair{offset, syntax};
  }
  const bool looks_explicit = offset + 6 <= head.size() &&
                              std::isupper(static_cast<unsigned char>(head[offset + 4])) &&
                              std::isupper(static_cast<unsigned char>(head[offset + 5]));
  return std::pair{offset, looks_explicit ? EXS_LittleEndianExplicit : EXS_LittleEndianImplicit};
}

}  // namespace

Result<std::unique_ptr<DcmFileFormat>> LoadPart10File(const std::filesystem::path& path,
                                                      std::uint32_t max_read_length) {
  if (auto dictionary = EnsureDataDictionary(); !dictionary) return std::move(dictionary).error();
  auto head = ReadHead(path);
  if (!head) return std::move(head).error();
  if (!head->part10) return NotPart10();
  if (const auto layout = DataSetLayout(head->head)) {
    if (auto bounded = CheckStructure(head->fd.get(), layout->first, layout->second); !bounded) {
      return std::move(bounded).error();
    }
  }

  BoundedInputFileStream stream(path.c_str());
  if (stream.status().bad()) return Fail(ErrorCode::kIo, "cannot open DICOM file");
  auto file = std::make_unique<DcmFileFormat>();
  file->transferInit();
  const OFCondition read = file->read(stream, EXS_Unknown, EGL_noChange, max_read_length);
  file->transferEnd();

  if (stream.exceeded()) return InflatesTooFar();
  // DCMTK reports values running past the end as a suspended or invalid stream
  // once all input is consumed; anything else is a genuine parse error.
  if (read.bad() && stream.eos()) return Truncated();
  if (read.bad())
    return Fail(ErrorCode::kInvalidArgument, std::string("invalid DICOM data: ") + read.text());
  if (file->getMetaInfo() == nullptr || file->getMetaInfo()->card() == 0) return NotPart10();

  // A skipped value is only seeked over; a declared length beyond the end of the
  // file leaves the stream position past the file size. Deflated data sets count
  // inflated bytes, so the comparison only holds for the others.
  const bool deflated = file->getDataset()->getOriginalXfer() == EXS_DeflatedLittleEndianExplicit;
  if (!deflated && static_cast<std::uintmax_t>(stream.tell()) > head->size) return Truncated();
  return file;
}

Error InflatesTooFar() {
  return Fail(ErrorCode::kInvalidArgument, "the deflated data set inflates to more than " +
                                               std::to_string(kMaxInflatedBytes >> 20) +
                                               " MiB, the most this archive reads");
}

Status CheckDecodedSize(DcmItem& dataset, std::uint64_t frames, std::uint64_t limit) {
  Uint16 rows = 0, columns = 0, samples = 1, bits = 0;
  dataset.findAndGetUint16(DCM_Rows, rows);
  dataset.findAndGetUint16(DCM_Columns, columns);
  dataset.findAndGetUint16(DCM_SamplesPerPixel, samples);
  dataset.findAndGetUint16(DCM_BitsAllocated, bits);
  const std::uint64_t frame_bytes = std::uint64_t{rows} * columns * std::max<Uint16>(samples, 1) *
                                    ((std::uint64_t{bits} + 7) / 8);
  // frame_bytes < 2^50; frames may be anything, so compare by division.
  if (frame_bytes == 0 || frames <= limit / frame_bytes) return Ok();
  const std::uint64_t bytes = frames > UINT64_MAX / frame_bytes ? UINT64_MAX : frame_bytes * frames;
  return Fail(ErrorCode::kUnsupported,
              "the image is too large to decode here: " + std::to_string(bytes >> 20) +
                  " MiB decoded, at most " + std::to_string(limit >> 20) +
                  " MiB (ask for it as stored)");
}

std::uint32_t FrameCount(DcmItem& dataset) {
  OFString frames;
  if (dataset.findAndGetOFString(DCM_NumberOfFrames, frames).bad()) return 1;
  const auto parsed = ParseUint(Trim(std::string_view(frames.data(), frames.size())));
  if (!parsed || *parsed == 0 || *parsed > UINT32_MAX) return 1;
  return static_cast<std::uint32_t>(*parsed);
}

bool IsEncapsulatedPixelData(DcmElement& element) {
  if (element.ident() != EVR_PixelData) return false;
  E_TransferSyntax representation = EXS_Unknown;
  const DcmRepresentationParameter* parameter = nullptr;
  static_cast<DcmPixelData&>(element).getOriginalRepresentationKey(representation, parameter);
  return DcmXfer(representation).isEncapsulated();
}

bool HasPixelValue(DcmElement& element) {
  return element.getLength() != 0 || IsEncapsulatedPixelData(element);
}

}  // namespace tessera::dicom
