#include "dicom/codecs.h"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include "dicom/jpeg2000_codec.h"

namespace tessera::dicom {
namespace {

constexpr std::string_view kOctetStream = "application/octet-stream";

// The media types are PS3.18 Table 8.7.3-2's, for frames and bulk data in each
// syntax; the retired JPEG processes 6 & 8 and 10 & 12 are JPEG too.
constexpr TransferSyntaxInfo kTransferSyntaxes[] = {
    // uid, name, media type, encapsulated, can_decode, can_encode
    {"1.2.840.10008.1.2", "Implicit VR Little Endian", kOctetStream, false, true, true},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", kOctetStream, false, true, true},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", kOctetStream, false, true,
     true},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", kOctetStream, false, true, true},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "image/jpeg", true, true, true},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", "image/jpeg", true, true, true},
    {"1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)",
     "image/jpeg", true, true, false},
    {"1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12)",
     "image/jpeg", true, true, false},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", "image/jpeg", true,
     true, true},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction",
     "image/jpeg", true, true, true},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", "image/jls", true, true, true},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", "image/jls", true, true, true},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", "image/jp2", true, true, false},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000", "image/jp2", true, true, false},
    {"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", "image/jpx",
     true, false, false},
    {"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", "image/jpx", true, false, false},
    {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", "video/mpeg", true, false,
     false},
    {"1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", "video/mpeg", true, false,
     false},
    {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", "video/mp4", true,
     false, false},
    {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
     "video/mp4", true, false, false},
    {"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile For 2D Video", "video/mp4", true,
     false, false},
    {"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile For 3D Video", "video/mp4", true,
     false, false},
    {"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile", "video/mp4", true, false,
     false},
    {"1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", "video/H265", true, false,
     false},
    {"1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", "video/H265", true, false,
     false},
    {"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", "image/jphc", true,
     false, false},
    {"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)",
     "image/jphc", true, false, false},
    {"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", "image/jphc", true, false, false},
    {"1.2.840.10008.1.2.5", "RLE Lossless", "image/dicom-rle", true, true, true},
};

// DCMTK keeps its codec list in process-wide state; count the live registries so
// that only the last one to go deregisters. Our own codec lives as long as it is
// registered.
struct RegistrationCount {
  std::mutex mutex;
  int count = 0;
  std::unique_ptr<Jpeg2000Decoder> jpeg2000;
  std::unique_ptr<Jpeg2000RepresentationParameter> jpeg2000_representation;
  std::unique_ptr<Jpeg2000CodecParameter> jpeg2000_parameter;
};

RegistrationCount& Registrations() {
  static RegistrationCount registrations;
  return registrations;
}

void RegisterAll(RegistrationCount& registrations) {
  DJDecoderRegistration::registerCodecs(EDC_never, EUC_never);
  DJEncoderRegistration::registerCodecs(ECC_lossyYCbCr, EUC_never);
  DJLSDecoderRegistration::registerCodecs(EJLSUC_never);
  DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFTrue, 0, OFTrue, EJLSUC_never);
  DcmRLEDecoderRegistration::registerCodecs();
  DcmRLEEncoderRegistration::registerCodecs();
  registrations.jpeg2000 = std::make_unique<Jpeg2000Decoder>();
  registrations.jpeg2000_representation = std::make_unique<Jpeg2000RepresentationParameter>();
  registrations.jpeg2000_parameter = std::make_unique<Jpeg2000CodecParameter>();
  DcmCodecList::registerCodec(registrations.jpeg2000.get(),
                              registrations.jpeg2000_representation.get(),
                              registrations.jpeg2000_parameter.get());
}

void CleanupAll(RegistrationCount& registrations) {
  DcmCodecList::deregisterCodec(registrations.jpeg2000.get());
  registrations.jpeg2000.reset();
  registrations.jpeg2000_representation.reset();
  registrations.jpeg2000_parameter.reset();
  DcmRLEEncoderRegistration::cleanup();
  DcmRLEDecoderRegistration::cleanup();
  DJLSEncoderRegistration::cleanup();
  DJLSDecoderRegistration::cleanup();
  DJEncoderRegistration::cleanup();
  DJDecoderRegistration::cleanup();
}

}  // namespace

CodecRegistry::CodecRegistry() {
  RegistrationCount& registrations = Registrations();
  std::lock_guard lock(registrations.mutex);
  if (registrations.count++ == 0) RegisterAll(registrations);
}

CodecRegistry::~CodecRegistry() {
  RegistrationCount& registrations = Registrations();
  std::lock_guard lock(registrations.mutex);
  if (--registrations.count == 0) CleanupAll(registrations);
}

std::span<const TransferSyntaxInfo> TransferSyntaxes() { return kTransferSyntaxes; }

const TransferSyntaxInfo* FindTransferSyntax(std::string_view uid) {
  const auto it = std::find_if(std::begin(kTransferSyntaxes), std::end(kTransferSyntaxes),
                               [uid](const TransferSyntaxInfo& info) { return info.uid == uid; });
  return it == std::end(kTransferSyntaxes) ? nullptr : &*it;
}

}  // namespace tessera::dicom
