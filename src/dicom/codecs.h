#pragma once

#include <span>
#include <string_view>

namespace tessera::dicom {

// Registers DCMTK's JPEG (IJG), JPEG-LS (CharLS) and RLE decoders and encoders,
// and our JPEG 2000 decoder (OpenJPEG, dicom/jpeg2000_codec.h), for the lifetime
// of the object; the transcoder, frame reader and renderer need them for
// compressed data. main() creates one before serving and keeps it until
// all work has stopped (DCMTK forbids deregistering while codecs are in use).
// Instances nest: registration happens when the first one is created and cleanup
// when the last one is destroyed. Construction and destruction are thread-safe.
// Codec settings: decoders convert YCbCr JPEG to RGB; encoders never assign a new
// SOP Instance UID (a transcoded WADO response must keep the requested UID).
class CodecRegistry {
 public:
  CodecRegistry();
  ~CodecRegistry();
  CodecRegistry(const CodecRegistry&) = delete;
  CodecRegistry& operator=(const CodecRegistry&) = delete;
};

struct TransferSyntaxInfo {
  std::string_view uid;
  std::string_view name;
  // Of its frames and bulk data in DICOMweb (PS3.18 Table 8.7.3-2):
  // "application/octet-stream" for the native syntaxes.
  std::string_view media_type;
  bool encapsulated;  // Pixel Data is a sequence of compressed fragments
  bool can_decode;    // we can produce native pixels from it (true for native syntaxes)
  bool can_encode;    // we can write it (true for native syntaxes)
};

// Every transfer syntax Tessera knows, native ones first.
std::span<const TransferSyntaxInfo> TransferSyntaxes();

// The entry for `uid`, or nullptr when the UID is not a transfer syntax we know.
const TransferSyntaxInfo* FindTransferSyntax(std::string_view uid);

namespace transfer_syntax {
inline constexpr std::string_view kImplicitVrLittleEndian = "1.2.840.10008.1.2";
inline constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
inline constexpr std::string_view kDeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
inline constexpr std::string_view kExplicitVrBigEndian = "1.2.840.10008.1.2.2";
inline constexpr std::string_view kJpegBaseline = "1.2.840.10008.1.2.4.50";
inline constexpr std::string_view kJpegExtended = "1.2.840.10008.1.2.4.51";
inline constexpr std::string_view kJpegLossless = "1.2.840.10008.1.2.4.57";
inline constexpr std::string_view kJpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
inline constexpr std::string_view kJpegLsLossless = "1.2.840.10008.1.2.4.80";
inline constexpr std::string_view kJpegLsNearLossless = "1.2.840.10008.1.2.4.81";
inline constexpr std::string_view kJpeg2000Lossless = "1.2.840.10008.1.2.4.90";
inline constexpr std::string_view kJpeg2000 = "1.2.840.10008.1.2.4.91";
inline constexpr std::string_view kRleLossless = "1.2.840.10008.1.2.5";
}  // namespace transfer_syntax

}  // namespace tessera::dicom
