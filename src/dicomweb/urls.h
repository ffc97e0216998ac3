#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "dicomweb/context.h"
#include "http/request.h"

namespace tessera::dicomweb {

// The absolute DICOMweb root for responses to `request`, e.g.
// "https://pacs.lan:8443/zhiva/pacs": the configured public URL when set, else
// the scheme and Host the client used.
std::string DicomwebRoot(const DicomwebOptions& options, const http::Request& request);

std::string StudyUrl(std::string_view root, std::string_view study);
std::string SeriesUrl(std::string_view root, std::string_view study, std::string_view series);
std::string InstanceUrl(std::string_view root, std::string_view study, std::string_view series,
                        std::string_view instance);

// kInvalidArgument "<what> '<uid>' is not a valid UID" unless `uid` is a valid UID.
// Path UIDs pass through this before anything else sees them.
Status CheckUid(std::string_view what, std::string_view uid);

// The path parameters "study", "series" and "instance" of `request`, each checked
// with CheckUid when present in the route.
struct PathUids {
  std::string study;
  std::string series;
  std::string instance;
};
Result<PathUids> ReadPathUids(const http::Request& request);

// Replaces every occurrence of `from` in `text` by `to`.
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to);

}  // namespace tessera::dicomweb
