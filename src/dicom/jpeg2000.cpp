#include "dicom/jpeg2000.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include <openjpeg.h>

#include "dicom/jpeg2000_size.h"

namespace tessera::dicom {
namespace {

static_assert(std::endian::native == std::endian::little,
              "decoded samples are written in host order, which must be little endian");

struct CodecCloser {
  void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct StreamCloser {
  void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct ImageCloser {
  void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};
using Codec = std::unique_ptr<opj_codec_t, CodecCloser>;
using Stream = std::unique_ptr<opj_stream_t, StreamCloser>;
using Image = std::unique_ptr<opj_image_t, ImageCloser>;

// OpenJPEG reads through callbacks; this feeds it from memory.
struct MemoryReader {
  std::string_view data;
  std::size_t position = 0;
};

OPJ_SIZE_T Read(void* buffer, OPJ_SIZE_T count, void* user) {
  auto* reader = static_cast<MemoryReader*>(user);
  const std::size_t left = reader->data.size() - reader->position;
  if (left == 0) return static_cast<OPJ_SIZE_T>(-1);
  const std::size_t n = std::min<std::size_t>(count, left);
  std::memcpy(buffer, reader->data.data() + reader->position, n);
  reader->position += n;
  return n;
}

OPJ_OFF_T Skip(OPJ_OFF_T count, void* user) {
  auto* reader = static_cast<MemoryReader*>(user);
  if (count < 0) return -1;
  const std::size_t left = reader->data.size() - reader->position;
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(count), left);
  reader->position += n;
  return static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL Seek(OPJ_OFF_T position, void* user) {
  auto* reader = static_cast<MemoryReader*>(user);
  if (position < 0 || static_cast<std::size_t>(position) > reader->data.size()) return OPJ_FALSE;
  reader->position = static_cast<std::size_t>(position);
  return OPJ_TRUE;
}

// OpenJPEG reports through callbacks; failures surface as return values anyway.
void Quiet(const char*, void*) {}

// JP2 files start with a signature box; bare codestreams with SOC (FF4F).
bool IsJp2File(std::string_view bitstream) {
  static constexpr std::string_view kSignature("\0\0\0\x0CjP  ", 8);
  return bitstream.starts_with(kSignature);
}

Error Corrupt(std::string_view why) {
  return Fail(ErrorCode::kCorrupt, "JPEG 2000: " + std::string(why));
}

template <class Sample>
void Interleave(const opj_image_t& image, std::uint32_t samples, std::size_t pixels, char* out) {
  Sample* target = reinterpret_cast<Sample*>(out);
  for (std::uint32_t c = 0; c < samples; ++c) {
    const OPJ_INT32* source = image.comps[c].data;
    for (std::size_t p = 0; p < pixels; ++p) {
      // Keep the low bits: two's complement for signed components.
      target[p * samples + c] = static_cast<Sample>(static_cast<std::uint32_t>(source[p]));
    }
  }
}

// A DICOM image has at most four samples per pixel (the retired ARGB and CMYK).
constexpr std::uint32_t kMaxComponents = 4;
// OpenJPEG keeps some 10 KB of coding parameters per tile and component: this
// bounds them to tens of megabytes, and a frame (DICOM tiles large images
// itself, a frame each) rarely has more than a few.
constexpr std::uint64_t kMaxTiles = 4096;

Status CheckDeclaredSize(const Jpeg2000Size& size, const FrameGeometry& geometry) {
  if (size.width != geometry.columns || size.height != geometry.rows) {
    return Corrupt("image size differs from Rows and Columns");
  }
  if (size.components < geometry.samples) return Corrupt("fewer components than samples");
  if (size.components > kMaxComponents) return Corrupt("more components than an image has");
  if (size.tiles > kMaxTiles) {
    return Fail(ErrorCode::kUnsupported, "JPEG 2000 with more than 4096 tiles in a frame");
  }
  return Ok();
}

Status CheckComponents(const opj_image_t& image, const FrameGeometry& geometry) {
  for (std::uint32_t c = 0; c < image.numcomps; ++c) {
    const opj_image_comp_t& component = image.comps[c];
    if (component.dx != 1 || component.dy != 1) {
      return Fail(ErrorCode::kUnsupported, "JPEG 2000 with subsampled components");
    }
    if (component.w != geometry.columns || component.h != geometry.rows) {
      return Corrupt("image size differs from Rows and Columns");
    }
  }
  return Ok();
}

}  // namespace

Status DecodeJpeg2000(std::string_view bitstream, const FrameGeometry& geometry,
                      std::span<char> out) {
  const std::uint32_t bytes_per_sample = geometry.bits_allocated / 8;
  if (geometry.bits_allocated != 8 && geometry.bits_allocated != 16 &&
      geometry.bits_allocated != 32) {
    return Fail(ErrorCode::kUnsupported, "JPEG 2000 with this Bits Allocated");
  }
  const std::size_t pixels = static_cast<std::size_t>(geometry.rows) * geometry.columns;
  if (out.size() != pixels * geometry.samples * bytes_per_sample) {
    return Fail(ErrorCode::kInvalidArgument, "JPEG 2000 output buffer has the wrong size");
  }

  // OpenJPEG allocates what the codestream declares as it reads the header and
  // decodes (coding parameters per tile, then the image): checked against the
  // data set first, or a few bytes could claim gigabytes (found by fuzzing).
  const auto declared = ReadJpeg2000Size(bitstream);
  if (!declared) return declared.error();
  if (auto status = CheckDeclaredSize(*declared, geometry); !status) return status;

  Codec codec(opj_create_decompress(IsJp2File(bitstream) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) return Fail(ErrorCode::kInternal, "cannot create OpenJPEG decoder");
  opj_set_error_handler(codec.get(), Quiet, nullptr);
  opj_set_warning_handler(codec.get(), Quiet, nullptr);
  opj_set_info_handler(codec.get(), Quiet, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) return Corrupt("decoder setup failed");

  MemoryReader reader{bitstream};
  Stream stream(opj_stream_create(bitstream.size(), OPJ_TRUE));
  if (!stream) return Fail(ErrorCode::kInternal, "cannot create OpenJPEG stream");
  opj_stream_set_read_function(stream.get(), Read);
  opj_stream_set_skip_function(stream.get(), Skip);
  opj_stream_set_seek_function(stream.get(), Seek);
  opj_stream_set_user_data(stream.get(), &reader, nullptr);
  opj_stream_set_user_data_length(stream.get(), bitstream.size());

  opj_image_t* raw_image = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw_image);
  Image image(raw_image);
  if (!header || !image) return Corrupt("unreadable header");
  if (auto status = CheckComponents(*image, geometry); !status) return status;
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get())) {
    return Corrupt("undecodable bitstream");
  }
  for (std::uint32_t c = 0; c < geometry.samples; ++c) {
    if (image->comps[c].data == nullptr) return Corrupt("a component did not decode");
  }
  switch (bytes_per_sample) {
    case 1:
      Interleave<std::uint8_t>(*image, geometry.samples, pixels, out.data());
      break;
    case 2:
      Interleave<std::uint16_t>(*image, geometry.samples, pixels, out.data());
      break;
    default:
      Interleave<std::uint32_t>(*image, geometry.samples, pixels, out.data());
  }
  return Ok();
}

}  // namespace tessera::dicom
