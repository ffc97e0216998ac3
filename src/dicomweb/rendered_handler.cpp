#include "dicomweb/rendered_handler.h"

#include <array>
#include <span>

#include "base/strings.h"
#include "dicom/renderer.h"
#include "dicomweb/media_types.h"
#include "dicomweb/multipart_body.h"
#include "dicomweb/urls.h"
#include "http/error_status.h"

namespace tessera::dicomweb {
namespace {

constexpr int kThumbnailSize = 128;

Error BadParameter(std::string_view name, std::string_view message) {
  return Fail(ErrorCode::kInvalidArgument, std::string(name) + ": " + std::string(message));
}

// The sx,sy,sw,sh of a viewport (PS3.18 8.3.5.1.3), in whole pixels; an empty one
// is 0 (the corner, or as far as the image goes).
Result<dicom::RenderOptions::Region> ParseRegion(std::span<const std::string_view> parts) {
  constexpr std::int64_t kLargest = 1 << 20;
  std::array<long, 4> values{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string_view text = Trim(parts[i]);
    if (text.empty()) continue;
    const auto value = ParseInt(text);
    const bool corner = i < 2;
    if (!value || *value < (corner ? 0 : -kLargest) || *value > kLargest) {
      return BadParameter("viewport", corner
                                          ? "sx and sy must be whole numbers of pixels, 0 or more"
                                          : "sw and sh must be whole numbers of pixels");
    }
    values[i] = static_cast<long>(*value);
  }
  return dicom::RenderOptions::Region{values[0], values[1], values[2], values[3]};
}

// The query parameters of PS3.18 8.3.5.1: viewport, quality, window.
Result<dicom::RenderOptions> ParseRenderOptions(const http::Request& request,
                                                std::string_view media_type) {
  dicom::RenderOptions options;
  options.format =
      media_type == "image/png" ? dicom::RenderOptions::kPng : dicom::RenderOptions::kJpeg;
  if (const auto viewport = request.query().Get("viewport")) {
    const auto parts = Split(*viewport, ',');
    if (parts.size() != 2 && parts.size() != 6) {
      return BadParameter("viewport", "expected vw,vh or vw,vh,sx,sy,sw,sh");
    }
    const auto width = ParseUint(Trim(parts[0]));
    const auto height = ParseUint(Trim(parts[1]));
    if (!width || !height || *width == 0 || *height == 0 || *width > 8192 || *height > 8192) {
      return BadParameter("viewport", "expected width,height between 1 and 8192");
    }
    options.viewport = std::pair{static_cast<int>(*width), static_cast<int>(*height)};
    if (parts.size() == 6) {
      auto region = ParseRegion(std::span(parts).subspan(2));
      if (!region) return std::move(region).error();
      options.region = *region;
    }
  }
  if (const auto quality = request.query().Get("quality")) {
    const auto value = ParseUint(Trim(*quality));
    if (!value || *value < 1 || *value > 100) {
      return BadParameter("quality", "expected a whole number from 1 to 100");
    }
    options.quality = static_cast<int>(*value);
  }
  if (const auto window = request.query().Get("window")) {
    const auto parts = Split(*window, ',');
    char* end = nullptr;
    if (parts.size() < 2 || parts.size() > 3) {
      return BadParameter("window", "expected center,width[,function]");
    }
    const std::string center_text(Trim(parts[0]));
    const std::string width_text(Trim(parts[1]));
    const double center = std::strtod(center_text.c_str(), &end);
    if (center_text.empty() || *end != '\0')
      return BadParameter("window", "center is not a number");
    const double width = std::strtod(width_text.c_str(), &end);
    if (width_text.empty() || *end != '\0' || width <= 0) {
      return BadParameter("window", "width must be a positive number");
    }
    if (parts.size() == 3 && !IEquals(Trim(parts[2]), "linear")) {
      return BadParameter("window", "only the linear function is supported");
    }
    options.window = std::pair{center, width};
  }
  return options;
}

Result<std::uint32_t> FrameParameter(const http::Request& request) {
  const auto text = request.param("frames");
  if (text.empty()) return 1u;
  const auto number = ParseUint(text);
  if (!number || *number == 0 || *number > 0xffffffffu) {
    return Fail(ErrorCode::kInvalidArgument, "a rendered frame is one frame number from 1");
  }
  return static_cast<std::uint32_t>(*number);
}

// What every rendered or thumbnail request asks for.
struct RenderRequest {
  std::string media_type;
  PathUids uids;
  dicom::RenderOptions options;
};

Result<RenderRequest> ReadRenderRequest(const http::Request& request) {
  auto media_type = NegotiateRendered(request);
  if (!media_type) return std::move(media_type).error();
  auto uids = ReadPathUids(request);
  if (!uids) return std::move(uids).error();
  auto options = ParseRenderOptions(request, *media_type);
  if (!options) return std::move(options).error();
  auto frame = FrameParameter(request);
  if (!frame) return std::move(frame).error();
  options->frame = *frame;
  return RenderRequest{std::move(*media_type), std::move(*uids), std::move(*options)};
}

}  // namespace

http::Awaitable<http::Response> RenderedHandler::Rendered(http::Request& request) {
  auto parsed = ReadRenderRequest(request);
  if (!parsed) co_return http::ErrorResponse(parsed.error());
  auto& [media_type, uids, options] = *parsed;

  const archive::Scope scope{uids.study, uids.series, uids.instance};
  auto refs = co_await context_.pool.Run([&] { return context_.archive.Instances(scope); });
  if (!refs) co_return http::ErrorResponse(refs.error());

  if (!uids.instance.empty()) {
    auto image =
        co_await context_.pool.Run([&] { return dicom::Render(refs->front().path, options); });
    if (!image) co_return http::ErrorResponse(image.error());
    co_return http::Response::WithBody(http::HttpStatus::ok, std::move(*image), media_type);
  }

  // A series or study: each image instance's first frame; instances without
  // pixel data (SR, RT plans) are left out.
  MultipartBody body(media_type);
  const std::string root = DicomwebRoot(context_.options, request);
  for (const auto& ref : *refs) {
    if (ref.number_of_frames == 0) continue;
    auto image = co_await context_.pool.Run([&] { return dicom::Render(ref.path, options); });
    if (!image) continue;
    body.AddPart(
        media_type, std::move(*image),
        InstanceUrl(root, ref.study_uid, ref.series_uid, ref.sop_instance_uid) + "/rendered");
  }
  if (body.part_count() == 0) {
    co_return http::Response::Error(http::HttpStatus::not_found, "nothing in it can be rendered");
  }
  co_return body.TakeResponse();
}

http::Awaitable<http::Response> RenderedHandler::Thumbnail(http::Request& request) {
  auto parsed = ReadRenderRequest(request);
  if (!parsed) co_return http::ErrorResponse(parsed.error());
  auto& [media_type, uids, options] = *parsed;
  if (!options.viewport) options.viewport = std::pair{kThumbnailSize, kThumbnailSize};

  const archive::Scope scope{uids.study, uids.series, uids.instance};
  auto refs = co_await context_.pool.Run([&] { return context_.archive.Instances(scope); });
  if (!refs) co_return http::ErrorResponse(refs.error());

  // The representative image: the instance itself, or the middle image of the
  // (first) series, which shows anatomy more often than the first slice.
  std::vector<const archive::InstanceRef*> images;
  for (const auto& ref : *refs) {
    if (ref.number_of_frames == 0) continue;
    if (!images.empty() && ref.series_uid != images.front()->series_uid) break;
    images.push_back(&ref);
  }
  if (images.empty()) {
    co_return http::Response::Error(http::HttpStatus::not_found, "no image to make a thumbnail of");
  }
  const auto* chosen = images[images.size() / 2];
  auto image = co_await context_.pool.Run([&] { return dicom::Render(chosen->path, options); });
  if (!image) co_return http::ErrorResponse(image.error());
  auto response = http::Response::WithBody(http::HttpStatus::ok, std::move(*image), media_type);
  response.headers.set("Cache-Control", "private, max-age=3600");
  co_return response;
}

}  // namespace tessera::dicomweb
