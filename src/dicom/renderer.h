#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "base/result.h"

namespace tessera::dicom {

struct RenderOptions {
  std::uint32_t frame = 1;  // 1-based
  enum Format { kJpeg, kPng } format = kJpeg;
  int quality = 90;  // JPEG quality, 1..100
  // Maximum (width, height): the image is scaled up or down to the largest size
  // that fits while keeping its aspect ratio. Each side 1..kMaxViewportSide.
  std::optional<std::pair<int, int>> viewport;
  // (center, width) VOI window for monochrome images; width must be > 0.
  std::optional<std::pair<double, double>> window;
  // The part of the frame to render (the sx,sy,sw,sh of PS3.18's viewport), in
  // source pixels from the top left corner, cut to the frame; a width or height
  // of 0 reaches the frame's edge, a negative one mirrors the rendered image in
  // that direction. The viewport then fits this part.
  struct Region {
    long x = 0;
    long y = 0;
    long width = 0;
    long height = 0;
  };
  std::optional<Region> region;
};

// Largest viewport side we render, to bound memory per request.
constexpr int kMaxViewportSide = 8192;

// Renders one frame of the Part 10 file at `file` as an 8-bit JPEG or PNG with
// DCMTK's DicomImage. Monochrome images use the requested window, else the file's
// first VOI window, else its first VOI LUT, else the pixel value range; MONOCHROME1
// is shown inverted as intended. RGB, YBR and palette colour images render in colour.
// Errors: kInvalidArgument for bad options, a region outside the frame, or "no
// pixel data" (e.g. an SR);
// kNotFound "frame N does not exist"; kUnsupported when the pixels cannot be
// decoded (video, JPEG 2000 Part 2, HTJ2K) or DCMTK does not support the image's attributes;
// kCorrupt for image attributes DCMTK rejects; the errors of LoadPart10File.
// REQUIRES: a CodecRegistry is alive for compressed files. Thread-safe.
Result<std::string> Render(const std::filesystem::path& file, const RenderOptions& options);

}  // namespace tessera::dicom
