#include "dicomweb/qido_handler.h"

#include <string>

#include <nlohmann/json.hpp>

#include "dicomweb/media_types.h"
#include "dicomweb/qido_request.h"
#include "dicomweb/urls.h"
#include "http/error_status.h"

namespace tessera::dicomweb {
namespace {

constexpr std::string_view kStudyUidKey = "0020000D";
constexpr std::string_view kSeriesUidKey = "0020000E";
constexpr std::string_view kSopUidKey = "00080018";
constexpr std::string_view kRetrieveUrlKey = "00081190";
constexpr archive::Tag kStudyUidTag = 0x0020000D;
constexpr archive::Tag kSeriesUidTag = 0x0020000E;

std::string FirstString(const nlohmann::json& match, std::string_view key) {
  const auto attribute = match.find(key);
  if (attribute == match.end()) return {};
  const auto value = attribute->find("Value");
  if (value == attribute->end() || !value->is_array() || value->empty() ||
      !(*value)[0].is_string()) {
    return {};
  }
  return (*value)[0].get<std::string>();
}

std::string RetrieveUrl(const nlohmann::json& match, archive::QueryLevel level,
                        std::string_view root) {
  const auto study = FirstString(match, kStudyUidKey);
  switch (level) {
    case archive::QueryLevel::kPatient:
    case archive::QueryLevel::kStudy:
      return StudyUrl(root, study);
    case archive::QueryLevel::kSeries:
      return SeriesUrl(root, study, FirstString(match, kSeriesUidKey));
    case archive::QueryLevel::kInstance:
      return InstanceUrl(root, study, FirstString(match, kSeriesUidKey),
                         FirstString(match, kSopUidKey));
  }
  return {};
}

}  // namespace

http::Awaitable<http::Response> QidoHandler::Search(http::Request& request,
                                                    archive::QueryLevel level) {
  if (!AcceptsDicomJson(request)) {
    co_return http::Response::Error(http::HttpStatus::not_acceptable,
                                    "QIDO-RS answers application/dicom+json only");
  }
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  auto parsed = ParseQidoRequest(level, uids->study, uids->series, request.query());
  if (!parsed) co_return http::ErrorResponse(parsed.error());

  // RetrieveURLs need the UIDs of the levels above the match.
  auto& query = parsed->query;
  if (level == archive::QueryLevel::kSeries || level == archive::QueryLevel::kInstance) {
    query.include.push_back(kStudyUidTag);
  }
  if (level == archive::QueryLevel::kInstance) query.include.push_back(kSeriesUidTag);

  auto result = co_await context_.pool.Run([&] { return context_.archive.Find(query); });
  if (!result) co_return http::ErrorResponse(result.error());

  const std::string root = DicomwebRoot(context_.options, request);
  std::string body = "[";
  bool first = true;
  for (auto& match : result->matches) {
    match[std::string(kRetrieveUrlKey)] = {{"vr", "UR"},
                                           {"Value", {RetrieveUrl(match, level, root)}}};
    if (!first) body += ',';
    first = false;
    body += match.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  body += ']';

  auto response =
      http::Response::Json(http::HttpStatus::ok, std::move(body), "application/dicom+json");
  if (result->total) response.headers.set("X-Total-Count", std::to_string(*result->total));
  for (const auto& warning : parsed->warnings) {
    response.headers.insert("Warning", "299 tessera \"" + warning + "\"");
  }
  co_return response;
}

}  // namespace tessera::dicomweb
