#include "dicomweb/qido_handler.h"

#include <optional>
#include <string>

#include "base/allocator.h"
#include "base/json_text.h"
#include "dicomweb/media_types.h"
#include "dicomweb/qido_request.h"
#include "dicomweb/urls.h"
#include "http/error_status.h"

namespace tessera::dicomweb {
namespace {

constexpr archive::Tag kStudyUidTag = 0x0020000D;
constexpr archive::Tag kSeriesUidTag = 0x0020000E;
constexpr std::size_t kTrimAfterMatches = 10000;
// PS3.18 8.3.4.4: the text for an answer cut at the server's maximum.
constexpr std::string_view kTruncatedWarning =
    "299 tessera \"The number of results exceeded the maximum supported by the server. "
    "Additional results can be requested.\"";

std::string RetrieveUrl(const archive::MatchText& match, archive::QueryLevel level,
                        std::string_view root) {
  switch (level) {
    case archive::QueryLevel::kPatient:
    case archive::QueryLevel::kStudy:
      return StudyUrl(root, match.study_uid);
    case archive::QueryLevel::kSeries:
      return SeriesUrl(root, match.study_uid, match.series_uid);
    case archive::QueryLevel::kInstance:
      return InstanceUrl(root, match.study_uid, match.series_uid, match.sop_instance_uid);
  }
  return {};
}

// The match's object with RetrieveURL (00081190) added as its last attribute.
void AppendWithRetrieveUrl(std::string& body, const archive::MatchText& match,
                           std::string_view url) {
  std::string_view object = match.json;
  object.remove_suffix(1);  // the closing brace
  body += object;
  if (object.size() > 1) body += ',';
  body += "\"00081190\":{\"Value\":[";
  AppendJsonString(body, url);
  body += "],\"vr\":\"UR\"}}";
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

  // The body is written on the pool too: for thousands of matches it is real work.
  const std::string root = DicomwebRoot(context_.options, request);
  std::optional<std::uint64_t> total;
  bool truncated = false;
  std::uint64_t unindexed = 0;
  auto body = co_await context_.pool.Run([&]() -> Result<std::string> {
    std::string text;
    std::size_t matches = 0;
    {
      auto result = context_.archive.FindText(query);
      if (!result) return std::move(result).error();
      total = result->total;
      truncated = result->truncated;
      unindexed = result->unindexed;
      matches = result->matches.size();
      std::size_t size = 2;
      for (const auto& match : result->matches) size += match.json.size() + 160;
      text.reserve(size);
      text += '[';
      for (const auto& match : result->matches) {
        if (text.size() > 1) text += ',';
        AppendWithRetrieveUrl(text, match, RetrieveUrl(match, level, root));
      }
      text += ']';
    }
    // The matches were a great many small blocks: hand their memory back now
    // rather than leave it resident until the allocator gets round to it.
    if (matches >= kTrimAfterMatches) ReleaseFreedMemory();
    return text;
  });
  if (!body) co_return http::ErrorResponse(body.error());

  auto response =
      http::Response::Json(http::HttpStatus::ok, std::move(*body), "application/dicom+json");
  if (total) response.headers.set("X-Total-Count", std::to_string(*total));
  // Patients' names and IDs: not kept in browser or shared caches.
  response.headers.set("Cache-Control", "private, no-store");
  for (const auto& warning : parsed->warnings) {
    http::AddWarning(response.headers, warning);
  }
  if (truncated) response.headers.insert("Warning", kTruncatedWarning);
  if (unindexed != 0) {
    http::AddWarning(response.headers,
                     std::to_string(unindexed) +
                         " stored instance(s) cannot be found yet: the server cannot write its "
                         "index (details are in its log)");
  }
  co_return response;
}

}  // namespace tessera::dicomweb
