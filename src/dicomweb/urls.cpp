#include "dicomweb/urls.h"

#include "base/strings.h"
#include "dicom/attribute_dictionary.h"

namespace tessera::dicomweb {

std::string DicomwebRoot(const DicomwebOptions& options, const http::Request& request) {
  const std::string base = options.public_url.empty()
                               ? request.Origin()
                               : std::string(TrimRight(options.public_url, "/"));
  return base + options.dicomweb_path;
}

std::string StudyUrl(std::string_view root, std::string_view study) {
  std::string url(root);
  url += "/studies/";
  url += study;
  return url;
}

std::string SeriesUrl(std::string_view root, std::string_view study, std::string_view series) {
  std::string url = StudyUrl(root, study);
  url += "/series/";
  url += series;
  return url;
}

std::string InstanceUrl(std::string_view root, std::string_view study, std::string_view series,
                        std::string_view instance) {
  std::string url = SeriesUrl(root, study, series);
  url += "/instances/";
  url += instance;
  return url;
}

Status CheckUid(std::string_view what, std::string_view uid) {
  if (dicom::IsValidUid(uid)) return Ok();
  // Never echo long or binary junk back.
  const std::string shown = uid.size() > 80 || !IsValidUtf8(uid) ? "(malformed)" : std::string(uid);
  return Fail(ErrorCode::kInvalidArgument,
              std::string(what) + " '" + shown + "' is not a valid UID");
}

Result<PathUids> ReadPathUids(const http::Request& request) {
  PathUids uids{std::string(request.param("study")), std::string(request.param("series")),
                std::string(request.param("instance"))};
  const std::pair<std::string_view, const std::string*> checks[] = {
      {"Study Instance UID", &uids.study},
      {"Series Instance UID", &uids.series},
      {"SOP Instance UID", &uids.instance}};
  for (const auto& [what, uid] : checks) {
    if (uid->empty()) continue;
    if (auto status = CheckUid(what, *uid); !status) return std::move(status).error();
  }
  return uids;
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (true) {
    const auto pos = text.find(from, start);
    if (pos == std::string_view::npos) break;
    out.append(text.substr(start, pos - start));
    out.append(to);
    start = pos + from.size();
  }
  out.append(text.substr(start));
  return out;
}

}  // namespace tessera::dicomweb
