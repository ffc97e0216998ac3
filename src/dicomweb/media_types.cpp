#include "dicomweb/media_types.h"

#include <algorithm>
#include <span>

#include "base/strings.h"
#include "dicom/codecs.h"

namespace tessera::dicomweb {
namespace {

bool IsDicomType(const http::MediaType& type) { return type.Is("application", "dicom"); }

// The `type` parameter of a multipart/related range, defaulting to `fallback`.
std::string RelatedType(const http::MediaType& range, std::string_view fallback) {
  const auto type = range.Parameter("type");
  return type ? ToLowerAscii(Trim(*type)) : std::string(fallback);
}

SyntaxChoice SyntaxOf(const http::MediaType& range) {
  SyntaxChoice choice;
  const auto syntax = range.Parameter("transfer-syntax");
  if (!syntax) {
    choice.defaulted = true;
    choice.preferred = {std::string(dicom::transfer_syntax::kExplicitVrLittleEndian)};
    return choice;
  }
  if (Trim(*syntax) == "*") {
    choice.any = true;
    choice.preferred = {"*"};
    return choice;
  }
  choice.preferred = {std::string(Trim(*syntax))};
  return choice;
}

// Merges a lower-preference range's syntaxes into `into`.
void Merge(SyntaxChoice& into, const SyntaxChoice& other) {
  if (other.any) into.any = true;
  if (other.defaulted) into.defaulted = true;
  for (const auto& uid : other.preferred) {
    if (std::find(into.preferred.begin(), into.preferred.end(), uid) == into.preferred.end()) {
      into.preferred.push_back(uid);
    }
  }
}

Error NotAcceptable(std::string message) {
  return Fail(ErrorCode::kNotAcceptable, std::move(message));
}

http::MediaType Concrete(std::string type, std::string subtype, std::string related_type = {}) {
  http::MediaType media_type;
  media_type.type = std::move(type);
  media_type.subtype = std::move(subtype);
  if (!related_type.empty()) media_type.parameters.emplace_back("type", std::move(related_type));
  return media_type;
}

// Every range of the request, q=0 ones too; "*/*" when it names none.
std::vector<http::MediaRange> AllRanges(const http::Request& request) {
  const auto query_accept = request.query().Get("accept");
  auto ranges = http::ParseAccept(query_accept ? *query_accept : request.header("Accept"));
  return ranges.empty() ? http::ParseAccept("*/*") : ranges;
}

// The range covers `type` by type and subtype, and each of its parameters is on
// `type` with the same value. "charset=utf-8" is always met: every text answer is
// UTF-8 (DICOM JSON is by definition), and many HTTP clients send it on any Accept.
bool CoversWithParameters(const http::MediaRange& range, const http::MediaType& type) {
  if (!range.Covers(type)) return false;
  for (const auto& [name, value] : range.media_type.parameters) {
    if (IEquals(name, "charset") && IEquals(Trim(value), "utf-8")) continue;
    const auto own = type.Parameter(name);
    if (!own || !IEquals(Trim(*own), Trim(value))) return false;
  }
  return true;
}

// The range whose quality the client gives `type` (RFC 9110 12.5.1): the most
// specific one that covers it, so that "*/*, image/png;q=0" refuses PNG alone.
const http::MediaRange* RangeFor(std::span<const http::MediaRange> ranges,
                                 const http::MediaType& type) {
  const http::MediaRange* best = nullptr;
  for (const auto& range : ranges) {
    if (!CoversWithParameters(range, type)) continue;
    if (best == nullptr || range.Specificity() > best->Specificity()) best = &range;
  }
  return best;
}

// The quality the client gives `type`; 0 when no range covers it.
double QualityOf(std::span<const http::MediaRange> ranges, const http::MediaType& type) {
  const auto* range = RangeFor(ranges, type);
  return range == nullptr ? 0.0 : range->quality;
}

// Named with q=0 by its most specific range. A type no range covers is not
// refused: ranges with parameters the type lacks (a transfer-syntax) admit it.
bool Refuses(std::span<const http::MediaRange> ranges, const http::MediaType& type) {
  const auto* range = RangeFor(ranges, type);
  return range != nullptr && range->quality <= 0.0;
}

}  // namespace

std::vector<http::MediaRange> AcceptedRanges(const http::Request& request) {
  auto ranges = AllRanges(request);
  // q=0 refuses; a header that refuses everything it names accepts nothing.
  std::erase_if(ranges, [](const http::MediaRange& r) { return r.quality <= 0.0; });
  return ranges;
}

bool AcceptsDicomJson(const http::Request& request) {
  const auto ranges = AllRanges(request);
  if (QualityOf(ranges, Concrete("application", "dicom+json")) > 0.0) return true;
  // Some clients name plain JSON; they get DICOM JSON all the same, but a
  // wildcard does not stand in for a refused application/dicom+json.
  const auto* json = RangeFor(ranges, Concrete("application", "json"));
  return json != nullptr && json->quality > 0.0 && json->media_type.Is("application", "json");
}

std::optional<std::string> SyntaxChoice::Choose(
    std::string_view stored,
    const std::function<bool(std::string_view, std::string_view)>& can_convert) const {
  for (const auto& uid : preferred) {
    // "*" at this preference: the stored syntax, as it is.
    if (uid == "*" || uid == stored) return std::string(stored);
    if (can_convert(stored, uid)) return uid;
  }
  if (any || defaulted) return std::string(stored);
  return std::nullopt;
}

Result<InstancesRepresentation> NegotiateInstances(const http::Request& request,
                                                   bool single_allowed) {
  using Kind = InstancesRepresentation::Kind;
  const auto all = AllRanges(request);
  const auto refused = [&](Kind kind) {
    switch (kind) {
      case Kind::kMultipartDicom:
        return Refuses(all, Concrete("multipart", "related", "application/dicom"));
      case Kind::kSingleDicom:
        return Refuses(all, Concrete("application", "dicom"));
      case Kind::kZip:
        return Refuses(all, Concrete("application", "zip"));
    }
    return true;
  };
  std::optional<InstancesRepresentation> chosen;
  for (const auto& range : AcceptedRanges(request)) {
    const auto& type = range.media_type;
    InstancesRepresentation candidate;
    if (type.type == "*") {
      // Anything: multipart unless refused, else the other form the target has.
      candidate.kind = Kind::kMultipartDicom;
      if (refused(candidate.kind)) {
        candidate.kind = single_allowed ? Kind::kSingleDicom : Kind::kZip;
      }
      if (refused(candidate.kind)) continue;
      candidate.syntax = SyntaxOf(type);
      if (candidate.kind == Kind::kZip) candidate.syntax.any = true;
    } else if (type.Is("multipart", "*")) {
      if (refused(Kind::kMultipartDicom)) continue;
      candidate.syntax = SyntaxOf(type);
    } else if (type.Is("multipart", "related")) {
      const auto related = RelatedType(type, "application/dicom");
      if (related != "application/dicom" && related != "*/*" && related != "application/*") {
        continue;
      }
      if (refused(Kind::kMultipartDicom)) continue;
      candidate.syntax = SyntaxOf(type);
    } else if (IsDicomType(type) && single_allowed) {
      candidate.kind = Kind::kSingleDicom;
      candidate.syntax = SyntaxOf(type);
    } else if (type.Is("application", "zip") && !single_allowed) {
      candidate.kind = Kind::kZip;
      candidate.syntax.any = true;
    } else {
      continue;
    }
    if (!chosen) {
      chosen = std::move(candidate);
      continue;
    }
    // Later ranges of the same kind widen the acceptable syntaxes.
    if (candidate.kind == chosen->kind) Merge(chosen->syntax, candidate.syntax);
  }
  if (!chosen) {
    return NotAcceptable(
        "acceptable: multipart/related; type=\"application/dicom\" (with an optional "
        "transfer-syntax)" +
        std::string(single_allowed ? ", application/dicom" : ", application/zip"));
  }
  return *chosen;
}

Result<FramesRepresentation> NegotiateFrames(const http::Request& request,
                                             std::string_view stored_syntax) {
  const std::string_view stored_media = MediaTypeOfSyntax(stored_syntax);
  const bool encapsulated = IsEncapsulated(stored_syntax);
  const auto all = AllRanges(request);
  for (const auto& range : AcceptedRanges(request)) {
    const auto& type = range.media_type;
    FramesRepresentation rep;
    if (type.type == "*") {
      if (Refuses(all, Concrete("multipart", "related", "application/octet-stream"))) continue;
      rep.defaulted = true;
      return rep;
    }
    // The parts' media type: the `type` parameter of multipart/related, or the
    // range itself for a single-part answer. transfer-syntax sits on the range.
    http::MediaType inner = type;
    if (type.Is("multipart", "related")) {
      auto parsed = http::ParseMediaType(RelatedType(type, "application/octet-stream"));
      if (!parsed) continue;
      inner = std::move(*parsed);
    } else {
      rep.multipart = false;
    }
    const auto requested = type.Parameter("transfer-syntax");
    const std::string_view syntax = requested ? Trim(*requested) : std::string_view();
    if (inner.Is("application", "octet-stream") || inner.type == "*") {
      if (!requested) {
        rep.defaulted = true;
        return rep;
      }
      if (syntax == "*") {
        rep.as_stored = true;
        return rep;
      }
      if (syntax == dicom::transfer_syntax::kExplicitVrLittleEndian ||
          syntax == dicom::transfer_syntax::kImplicitVrLittleEndian)
        return rep;
      if (encapsulated && syntax == stored_syntax) {
        rep.as_stored = true;
        return rep;
      }
      continue;
    }
    // An image or video type: only the stored bitstream can be served (no re-encoding).
    const bool covers_stored =
        inner.subtype == "*" ? IEquals(inner.type, stored_media.substr(0, stored_media.find('/')))
                             : IEquals(inner.Essence(), stored_media);
    if (!encapsulated || !covers_stored) continue;
    if (requested && syntax != "*" && syntax != stored_syntax) continue;
    rep.as_stored = true;
    return rep;
  }
  return NotAcceptable("frames are available as application/octet-stream (uncompressed) or as " +
                       std::string(stored_media) +
                       "; transfer-syntax=" + std::string(stored_syntax));
}

Result<BulkDataRepresentation> NegotiateBulkData(const http::Request& request) {
  const auto all = AllRanges(request);
  const BulkDataRepresentation multipart{true};
  const BulkDataRepresentation single{false};
  for (const auto& range : AcceptedRanges(request)) {
    const auto& type = range.media_type;
    if (type.Is("application", "octet-stream")) return single;
    if (type.Is("multipart", "related") || type.Is("multipart", "*")) {
      const auto related = RelatedType(type, "application/octet-stream");
      if (related == "application/octet-stream" || related == "*/*" || related == "application/*") {
        return multipart;
      }
      continue;
    }
    if (type.type == "*" &&
        !Refuses(all, Concrete("multipart", "related", "application/octet-stream"))) {
      return multipart;
    }
    if ((type.type == "*" || type.Is("application", "*")) &&
        !Refuses(all, Concrete("application", "octet-stream"))) {
      return single;
    }
  }
  return NotAcceptable(
      "bulk data is available as multipart/related; type=\"application/octet-stream\" or "
      "application/octet-stream");
}

Result<std::string> NegotiateRendered(const http::Request& request) {
  const auto all = AllRanges(request);
  const double jpeg = QualityOf(all, Concrete("image", "jpeg"));
  const double png = QualityOf(all, Concrete("image", "png"));
  if (jpeg <= 0.0 && png <= 0.0) {
    return NotAcceptable("rendered images are available as image/jpeg or image/png");
  }
  return std::string(png > jpeg ? "image/png" : "image/jpeg");  // JPEG on a tie
}

std::string_view MediaTypeOfSyntax(std::string_view transfer_syntax_uid) {
  const dicom::TransferSyntaxInfo* info = dicom::FindTransferSyntax(transfer_syntax_uid);
  return info ? info->media_type : "application/octet-stream";
}

bool IsEncapsulated(std::string_view transfer_syntax_uid) {
  const dicom::TransferSyntaxInfo* info = dicom::FindTransferSyntax(transfer_syntax_uid);
  return info && info->encapsulated;
}

}  // namespace tessera::dicomweb
