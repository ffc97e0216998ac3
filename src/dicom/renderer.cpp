#include "dicom/renderer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcxfer.h>
// The plugin headers need dcmimage.h's declarations first.
// clang-format off
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmimage/diregist.h>  // registers colour image support with DicomImage
#include <dcmtk/dcmimage/dipipng.h>
#include <dcmtk/dcmjpeg/dipijpeg.h>
// clang-format on

#include "dicom/codecs.h"
#include "dicom/decoder_preflight.h"
#include "dicom/dicom_file.h"

namespace tessera::dicom {
namespace {

// An in-memory FILE* (open_memstream) for DCMTK's plugin writers.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&data_, &size_)) {}
  ~MemoryFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  FILE* get() const { return file_; }

  // Closes the stream and returns everything written.
  Result<std::string> Finish() {
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) return Fail(ErrorCode::kInternal, "cannot finish in-memory image");
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  FILE* file_ = nullptr;
};

Status CheckOptions(const RenderOptions& options) {
  if (options.quality < 1 || options.quality > 100) {
    return Fail(ErrorCode::kInvalidArgument, "quality must be 1..100");
  }
  if (options.viewport) {
    const auto [width, height] = *options.viewport;
    if (width < 1 || height < 1 || width > kMaxViewportSide || height > kMaxViewportSide) {
      return Fail(ErrorCode::kInvalidArgument, "viewport out of range");
    }
  }
  if (options.window && !(options.window->second > 0 && std::isfinite(options.window->first))) {
    return Fail(ErrorCode::kInvalidArgument, "window width must be positive");
  }
  return Ok();
}

// Render has made sure there is pixel data to decode, so a missing attribute
// is the stored image's fault, as when DCMTK cannot decompress its first frame
// and so cannot tell its photometric interpretation: kCorrupt, not the caller's.
Error FromImageStatus(EI_Status status) {
  const std::string text = DicomImage::getString(status);
  switch (status) {
    case EIS_NotSupportedValue:
      return Fail(ErrorCode::kUnsupported, "cannot render: " + text);
    case EIS_MissingAttribute:
    case EIS_InvalidDocument:
    case EIS_InvalidValue:
    case EIS_InvalidImage:
      return Fail(ErrorCode::kCorrupt, "cannot render: the stored image cannot be decoded (" +
                                           text + "): it may be damaged");
    default:
      return Fail(ErrorCode::kInternal, "cannot render: " + text);
  }
}

// The explicit window, else the file's first window, else its first VOI LUT, else min-max.
void ApplyWindow(DicomImage& image, const RenderOptions& options) {
  if (!image.isMonochrome()) return;
  if (options.window) {
    image.setWindow(options.window->first, options.window->second);
    return;
  }
  if (image.getWindowCount() > 0 && image.setWindow(0)) return;
  if (image.getVoiLutCount() > 0 && image.setVoiLut(0)) return;
  image.setMinMaxWindow();
}

// Enlarging a small image adds no detail, only memory: DCMTK's scaled copy of a
// 100 x 100 image rendered at 8192 x 8192 took 1.4 GB. Enlarged images stop here.
constexpr double kMaxEnlargedPixels = 2048.0 * 2048.0;

// The largest size with the image's aspect ratio that fits the viewport, enlarged
// to no more than kMaxEnlargedPixels.
std::pair<unsigned long, unsigned long> FitInto(unsigned long width, unsigned long height,
                                                std::pair<int, int> viewport) {
  double scale = std::min(static_cast<double>(viewport.first) / width,
                          static_cast<double>(viewport.second) / height);
  const double pixels = static_cast<double>(width) * static_cast<double>(height);
  if (scale > 1 && pixels * scale * scale > kMaxEnlargedPixels) {
    scale = std::max(1.0, std::sqrt(kMaxEnlargedPixels / pixels));
  }
  const auto fit = [scale](unsigned long side) {
    return std::max(1UL, static_cast<unsigned long>(std::lround(side * scale)));
  };
  return {fit(width), fit(height)};
}

Result<std::string> Encode(DicomImage& image, const RenderOptions& options) {
  MemoryFile out;
  if (out.get() == nullptr) return Fail(ErrorCode::kInternal, "cannot open in-memory image");
  int written = 0;
  if (options.format == RenderOptions::kPng) {
    DiPNGPlugin png;
    png.setInterlaceType(E_pngInterlaceNone);
    png.setMetainfoType(E_pngNoMetainfo);
    written = image.writePluginFormat(&png, out.get());
  } else {
    DiJPEGPlugin jpeg;
    jpeg.setQuality(static_cast<unsigned int>(options.quality));
    jpeg.setSampling(ESS_444);
    written = image.writePluginFormat(&jpeg, out.get());
  }
  if (!written) return Fail(ErrorCode::kInternal, "cannot encode the rendered image");
  return out.Finish();
}

// The region of `image` a RenderOptions::Region names, mirrored as it asks.
Result<std::unique_ptr<DicomImage>> Crop(DicomImage& image, const RenderOptions::Region& region) {
  const long width = static_cast<long>(image.getWidth());
  const long height = static_cast<long>(image.getHeight());
  const auto span = [](long start, long size, long extent) {
    const long wanted = size == 0 ? extent - start : std::labs(size);
    return std::min(wanted, extent - start);
  };
  if (region.x < 0 || region.y < 0 || region.x >= width || region.y >= height) {
    return Fail(ErrorCode::kInvalidArgument, "viewport: the region starts outside the image (" +
                                                 std::to_string(width) + "x" +
                                                 std::to_string(height) + ")");
  }
  std::unique_ptr<DicomImage> part(image.createClippedImage(region.x, region.y,
                                                            span(region.x, region.width, width),
                                                            span(region.y, region.height, height)));
  if (!part || part->getStatus() != EIS_Normal) {
    return Fail(ErrorCode::kInternal, "cannot cut the region out of the image");
  }
  if ((region.width < 0 || region.height < 0) &&
      part->flipImage(region.width < 0 ? 1 : 0, region.height < 0 ? 1 : 0) == 0) {
    return Fail(ErrorCode::kInternal, "cannot mirror the image");
  }
  return part;
}

}  // namespace

Result<std::string> Render(const std::filesystem::path& file, const RenderOptions& options) {
  if (auto valid = CheckOptions(options); !valid) return std::move(valid).error();
  auto loaded = LoadPart10File(file);
  if (!loaded) return std::move(loaded).error();
  DcmDataset& dataset = *(*loaded)->getDataset();
  DcmElement* pixels = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, pixels, OFFalse).bad() || pixels == nullptr ||
      !HasPixelValue(*pixels)) {
    return Fail(ErrorCode::kInvalidArgument, "no pixel data");
  }
  if (options.frame == 0 || options.frame > FrameCount(dataset)) {
    return Fail(ErrorCode::kNotFound, "frame " + std::to_string(options.frame) + " does not exist");
  }
  const DcmXfer stored(dataset.getOriginalXfer());
  const TransferSyntaxInfo* info = FindTransferSyntax(stored.getXferID());
  if (info == nullptr || !info->can_decode) {
    return Fail(ErrorCode::kUnsupported,
                "cannot decode transfer syntax " + std::string(stored.getXferID()));
  }

  if (auto fits = CheckDecodedSize(dataset, 1, kMaxDecodedFrameBytes); !fits) {
    return std::move(fits).error();
  }
  if (auto safe = CheckBeforeDecoding(dataset); !safe) return std::move(safe).error();
  // Partial access decodes only the requested frame of a multi-frame image.
  DicomImage image(&dataset, stored.getXfer(), CIF_UsePartialAccessToPixelData, options.frame - 1,
                   1);
  if (image.getStatus() != EIS_Normal) return FromImageStatus(image.getStatus());

  std::unique_ptr<DicomImage> cropped;
  if (options.region) {
    auto part = Crop(image, *options.region);
    if (!part) return std::move(part).error();
    cropped = std::move(*part);
  }
  DicomImage& source = cropped ? *cropped : image;
  std::unique_ptr<DicomImage> scaled;
  if (options.viewport) {
    const auto [width, height] = FitInto(source.getWidth(), source.getHeight(), *options.viewport);
    if (width != source.getWidth() || height != source.getHeight()) {
      scaled.reset(source.createScaledImage(width, height, /*interpolate=*/1, /*aspect=*/0));
      if (!scaled || scaled->getStatus() != EIS_Normal) {
        return Fail(ErrorCode::kInternal, "cannot scale the image");
      }
    }
  }
  DicomImage& output = scaled ? *scaled : source;
  ApplyWindow(output, options);
  return Encode(output, options);
}

}  // namespace tessera::dicom
