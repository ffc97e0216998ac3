#include "dicomweb/wado_uri_handler.h"

#include "base/strings.h"
#include "dicom/codecs.h"
#include "dicom/renderer.h"
#include "dicom/transcoder.h"
#include "dicomweb/media_types.h"
#include "dicomweb/urls.h"
#include "http/error_status.h"

namespace tessera::dicomweb {
namespace {

Error Bad(std::string message) { return Fail(ErrorCode::kInvalidArgument, std::move(message)); }

// Parameters of PS3.18 that change what the object shows, which this server
// cannot honour: answering without them would pass off the plain object as the
// one asked for (anonymize=yes would hand out the patient's identity).
constexpr std::string_view kUnsupportedParameters[] = {"anonymize", "region", "presentationUID",
                                                       "presentationSeriesUID"};

// Every parameter of the request at most once, none of the unsupported ones.
Status CheckParameters(const http::QueryParams& query) {
  const auto& items = query.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].first;
    for (std::size_t j = 0; j < i; ++j) {
      if (items[j].first == name) return Bad(name + " is given more than once");
    }
    for (std::string_view unsupported : kUnsupportedParameters) {
      if (name == unsupported) return Bad(name + " is not supported by this server");
    }
  }
  return Ok();
}

Result<std::string> RequiredUid(const http::Request& request, std::string_view name) {
  const auto value = request.query().Get(name);
  if (!value || value->empty()) return Bad(std::string(name) + " is required");
  if (auto status = CheckUid(name, *value); !status) return std::move(status).error();
  return std::string(*value);
}

// The first supported type of a contentType list ("image/jpeg,application/dicom").
Result<std::string> ChooseContentType(std::string_view list) {
  for (auto item : Split(list, ',')) {
    auto type = http::ParseMediaType(Trim(item));
    if (!type) continue;
    if (type->Is("application", "dicom")) return std::string("application/dicom");
    if (type->Is("image", "jpeg") || type->Is("image", "*") || type->type == "*") {
      return std::string("image/jpeg");
    }
    if (type->Is("image", "png")) return std::string("image/png");
  }
  return Fail(ErrorCode::kNotAcceptable,
              "contentType must be application/dicom, image/jpeg or image/png");
}

Result<std::optional<double>> OptionalNumber(const http::Request& request, std::string_view name) {
  const auto value = request.query().Get(name);
  if (!value) return std::optional<double>();
  const std::string text(Trim(*value));
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') return Bad(std::string(name) + " must be a number");
  return std::optional<double>(number);
}

Result<dicom::RenderOptions> RenderOptionsOf(const http::Request& request,
                                             std::string_view content_type) {
  dicom::RenderOptions options;
  options.format =
      content_type == "image/png" ? dicom::RenderOptions::kPng : dicom::RenderOptions::kJpeg;
  auto frame = OptionalNumber(request, "frameNumber");
  auto rows = OptionalNumber(request, "rows");
  auto columns = OptionalNumber(request, "columns");
  auto center = OptionalNumber(request, "windowCenter");
  auto width = OptionalNumber(request, "windowWidth");
  auto quality = OptionalNumber(request, "imageQuality");
  for (const auto* number : {&frame, &rows, &columns, &center, &width, &quality}) {
    if (!*number) return number->error();
  }
  if (*frame) {
    if (**frame < 1 || **frame != static_cast<std::uint32_t>(**frame)) {
      return Bad("frameNumber must be a whole number from 1");
    }
    options.frame = static_cast<std::uint32_t>(**frame);
  }
  if (*rows || *columns) {
    const double r = rows->value_or(8192);
    const double c = columns->value_or(8192);
    if (r < 1 || c < 1 || r > 8192 || c > 8192) return Bad("rows and columns must be 1 to 8192");
    options.viewport = std::pair{static_cast<int>(c), static_cast<int>(r)};
  }
  if (center->has_value() != width->has_value()) {
    return Bad("windowCenter and windowWidth go together");
  }
  if (*center) {
    if (**width <= 0) return Bad("windowWidth must be positive");
    options.window = std::pair{**center, **width};
  }
  if (*quality) {
    if (**quality < 1 || **quality > 100) return Bad("imageQuality must be 1 to 100");
    options.quality = static_cast<int>(**quality);
  }
  return options;
}

}  // namespace

http::Awaitable<http::Response> WadoUriHandler::Get(http::Request& request) {
  if (auto checked = CheckParameters(request.query()); !checked) {
    co_return http::ErrorResponse(checked.error());
  }
  const auto request_type = request.query().Get("requestType");
  if (!request_type || *request_type != "WADO") {
    co_return http::Response::Error(http::HttpStatus::bad_request, "requestType must be WADO");
  }
  auto study = RequiredUid(request, "studyUID");
  if (!study) co_return http::ErrorResponse(study.error());
  auto series = RequiredUid(request, "seriesUID");
  if (!series) co_return http::ErrorResponse(series.error());
  auto object = RequiredUid(request, "objectUID");
  if (!object) co_return http::ErrorResponse(object.error());
  const auto asked = request.query().Get("contentType");
  auto content_type = ChooseContentType(asked ? *asked : "image/jpeg");
  if (!content_type) co_return http::ErrorResponse(content_type.error());

  const archive::Scope scope{*study, *series, *object};
  auto refs = co_await context_.pool.Run([&] { return context_.archive.Instances(scope); });
  if (!refs) co_return http::ErrorResponse(refs.error());
  const auto& ref = refs->front();

  // Objects without pixels can't be rendered: without an explicit contentType,
  // PS3.18 9.1.2.1 has the server send them as application/dicom.
  if (*content_type != "application/dicom" && ref.number_of_frames == 0 && !asked) {
    *content_type = "application/dicom";
  }

  if (*content_type == "application/dicom") {
    const auto asked_syntax = request.query().Get("transferSyntax");
    SyntaxChoice choice;
    if (asked_syntax && !asked_syntax->empty()) {
      choice.preferred = {std::string(Trim(*asked_syntax))};
      choice.any = Trim(*asked_syntax) == "*";
    } else {
      choice.defaulted = true;
      choice.preferred = {std::string(dicom::transfer_syntax::kExplicitVrLittleEndian)};
    }
    const auto syntax = choice.Choose(
        ref.transfer_syntax_uid, [](auto from, auto to) { return dicom::CanTranscode(from, to); });
    if (!syntax) {
      co_return http::Response::Error(
          http::HttpStatus::not_acceptable,
          "the object is stored as " + ref.transfer_syntax_uid +
              " and cannot be converted to the transferSyntax asked for");
    }
    http::Response response;
    response.headers.set("Content-Type", "application/dicom");
    response.headers.set("Content-Disposition",
                         "attachment; filename=\"" + ref.sop_instance_uid + ".dcm\"");
    if (*syntax == ref.transfer_syntax_uid) {
      response.body = http::Segments{http::FileRange{ref.path, 0, ref.size}};
      co_return response;
    }
    auto bytes =
        co_await context_.pool.Run([&] { return dicom::TranscodePart10(ref.path, *syntax); });
    if (!bytes && choice.defaulted) {
      // No syntax was named: as with WADO-RS, the stored form will do.
      response.body = http::Segments{http::FileRange{ref.path, 0, ref.size}};
      co_return response;
    }
    if (!bytes) {
      co_return http::Response::Error(http::HttpStatus::not_acceptable,
                                      "the object cannot be converted to " + *syntax + ": " +
                                          bytes.error().message);
    }
    response.body = std::move(*bytes);
    co_return response;
  }

  auto options = RenderOptionsOf(request, *content_type);
  if (!options) co_return http::ErrorResponse(options.error());
  auto image = co_await context_.pool.Run([&] { return dicom::Render(ref.path, *options); });
  if (!image) co_return http::ErrorResponse(image.error());
  co_return http::Response::WithBody(http::HttpStatus::ok, std::move(*image), *content_type);
}

}  // namespace tessera::dicomweb
