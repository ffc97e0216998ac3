// Feeds the Content-Type and Accept parsers (http/media_type.h) and DICOMweb
// content negotiation (dicomweb/media_types.h). Input: the first line is the
// header value, the second an `accept=` query value, the third a stored transfer
// syntax UID. Checks what the headers promise: type and subtype lower-case
// tokens; parameter names lower-case; ranges sorted by quality, specificity and
// position, qualities within 0..1; negotiated results are one of the documented values.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "dicomweb/media_types.h"
#include "fuzz/fuzz_support.h"
#include "http/media_type.h"
#include "http/multipart.h"
#include "http/request.h"

namespace {

namespace http = tessera::http;
namespace dicomweb = tessera::dicomweb;

class NoBody final : public http::BodyReader {
 public:
  http::Awaitable<tessera::Result<std::size_t>> Read(std::span<char>) override { co_return 0; }
  std::optional<std::uint64_t> content_length() const override { return 0; }
};

bool IsLower(std::string_view s) { return tessera::ToLowerAscii(s) == s; }

void CheckMediaType(const http::MediaType& type) {
  FUZZ_CHECK(!type.type.empty() && !type.subtype.empty());
  FUZZ_CHECK(IsLower(type.type) && IsLower(type.subtype));
  for (const auto& [name, value] : type.parameters) FUZZ_CHECK(!name.empty() && IsLower(name));
  FUZZ_CHECK(type.Is(type.type, type.subtype));
  FUZZ_CHECK(type.Essence() == type.type + "/" + type.subtype);
}

void CheckRanges(const std::vector<http::MediaRange>& ranges) {
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    CheckMediaType(ranges[i].media_type);
    FUZZ_CHECK(ranges[i].quality >= 0 && ranges[i].quality <= 1);
    FUZZ_CHECK(ranges[i].Covers(ranges[i].media_type) || ranges[i].media_type.type == "*" ||
               ranges[i].media_type.subtype == "*");
    if (i == 0) continue;
    const auto& a = ranges[i - 1];
    const auto& b = ranges[i];
    FUZZ_CHECK(a.quality >= b.quality);
    if (a.quality == b.quality) {
      FUZZ_CHECK(a.Specificity() >= b.Specificity());
      if (a.Specificity() == b.Specificity()) FUZZ_CHECK(a.position < b.position);
    }
  }
}

bool Always(std::string_view, std::string_view) { return true; }
bool Never(std::string_view, std::string_view) { return false; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const std::string_view header = input.Line();
  const std::string_view accept_param = input.Line();
  const std::string stored(input.Line());

  if (auto type = http::ParseMediaType(header)) CheckMediaType(*type);
  for (const auto& [name, value] : http::ParseParameters(header)) {
    FUZZ_CHECK(!name.empty() && IsLower(name));
  }
  CheckRanges(http::ParseAccept(header));
  (void)http::BoundaryFromContentType(header);

  // The same header through a request, as the DICOMweb handlers see it.
  http::Fields fields;
  // Beast refuses CR, LF and NUL in field values.
  if (header.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) return 0;
  fields.set("Accept", header);
  std::string target = "/x";
  if (!accept_param.empty()) target += "?accept=" + tessera::PercentEncode(accept_param);
  NoBody body;
  http::Request request(http::Verb::get, "GET", target, fields, "127.0.0.1", true, body);
  if (!request.ParseTarget()) return 0;

  CheckRanges(dicomweb::AcceptedRanges(request));
  (void)dicomweb::AcceptsDicomJson(request);
  for (const bool single : {false, true}) {
    auto instances = dicomweb::NegotiateInstances(request, single);
    if (!instances) continue;
    const auto& syntax = instances->syntax;
    // `transfer-syntax=` (empty) yields an empty preference; Choose then refuses it
    // (CanTranscode knows no "" syntax), so the request is answered 406: not checked.
    if (auto chosen = syntax.Choose(stored, Always)) {
      // The stored syntax or one the client named.
      FUZZ_CHECK(*chosen == stored || std::find(syntax.preferred.begin(), syntax.preferred.end(),
                                                *chosen) != syntax.preferred.end());
    }
    if (auto chosen = syntax.Choose(stored, Never)) {
      // Without conversions only the stored syntax can be sent.
      FUZZ_CHECK(*chosen == stored);
    }
  }
  (void)dicomweb::NegotiateFrames(request, stored);
  (void)dicomweb::NegotiateBulkData(request);
  if (auto rendered = dicomweb::NegotiateRendered(request)) {
    FUZZ_CHECK(*rendered == "image/jpeg" || *rendered == "image/png");
  }
  FUZZ_CHECK(!dicomweb::MediaTypeOfSyntax(stored).empty());
  (void)dicomweb::IsEncapsulated(stored);
  return 0;
}
