#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/media_type.h"
#include "http/request.h"

namespace tessera::dicomweb {

// Content negotiation for DICOMweb (PS3.18 8.7), lenient the way real viewers send
// Accept: quoted or bare `type`, `transfer-syntax=*`, several ranges with q.
// The `accept` query parameter, when present, replaces the Accept header.

// The media ranges the client accepts, most preferred first (from the `accept`
// query parameter or the Accept header; "*/*" when neither says anything; none
// when every range it names has q=0). A q=0 range also refuses what it names
// where a wider range would admit it: the negotiators below weigh each type by
// its most specific range (RFC 9110 12.5.1), so "*/*, image/png;q=0" is JPEG.
std::vector<http::MediaRange> AcceptedRanges(const http::Request& request);

// True when the client accepts application/dicom+json (or application/json).
bool AcceptsDicomJson(const http::Request& request);

// Which transfer syntaxes a client accepts for a representation: a preference
// list, or anything ("*"). `defaulted` marks that the client named none, so
// PS3.18's default (Explicit VR Little Endian) applies but the stored syntax is
// an acceptable fallback when it can't be produced.
struct SyntaxChoice {
  bool any = false;
  bool defaulted = false;
  // UIDs, most preferred first; "*" where a range accepted any syntax, so that a
  // syntax preferred over "*" is still produced when possible.
  std::vector<std::string> preferred;

  // The syntax to send an object stored as `stored`, given which conversions
  // are possible; nullopt when none is acceptable.
  std::optional<std::string> Choose(
      std::string_view stored,
      const std::function<bool(std::string_view from, std::string_view to)>& can_convert) const;
};

// How to answer a study/series/instance retrieval (WADO-RS 10.4).
struct InstancesRepresentation {
  enum class Kind { kMultipartDicom, kSingleDicom, kZip } kind = Kind::kMultipartDicom;
  SyntaxChoice syntax;
};
// Errors: kNotAcceptable when no acceptable range can be served.
// `single_allowed`: the target is one instance, so plain application/dicom is allowed.
Result<InstancesRepresentation> NegotiateInstances(const http::Request& request,
                                                   bool single_allowed);

// How to answer a frames retrieval: uncompressed octet-stream or the stored
// bitstream, multipart (the norm) or a single body (one frame, `application/
// octet-stream` or an image type asked for directly).
struct FramesRepresentation {
  bool multipart = true;
  bool as_stored = false;  // send the stored (compressed) bitstream
  bool defaulted = false;  // no preference: uncompressed if possible, else as stored
};
// `stored_syntax` decides whether an image/* range can be served as stored.
// Errors: kNotAcceptable.
Result<FramesRepresentation> NegotiateFrames(const http::Request& request,
                                             std::string_view stored_syntax);

// How to answer a bulk data retrieval: multipart/related (the norm) or a single
// application/octet-stream body.
struct BulkDataRepresentation {
  bool multipart = true;
};
// Errors: kNotAcceptable when the request accepts neither.
Result<BulkDataRepresentation> NegotiateBulkData(const http::Request& request);

// The image format of a rendered resource: "image/jpeg" (default) or "image/png".
// Errors: kNotAcceptable.
Result<std::string> NegotiateRendered(const http::Request& request);

// The media type of a frame or bulk item in `transfer_syntax_uid` (PS3.18 Table
// 8.7.3-2, kept in dicom::TransferSyntaxInfo): "image/jpeg" for JPEG,
// "image/jls", "image/jp2", "image/jpx", "image/jphc", "image/dicom-rle",
// "video/mpeg", "video/mp4", "video/H265", or "application/octet-stream" for
// native and unknown syntaxes.
std::string_view MediaTypeOfSyntax(std::string_view transfer_syntax_uid);

// True when `transfer_syntax_uid` stores pixel data encapsulated (compressed).
bool IsEncapsulated(std::string_view transfer_syntax_uid);

}  // namespace tessera::dicomweb
