#include "dicomweb/store_outcome.h"

#include <nlohmann/json.hpp>

#include "dicomweb/urls.h"

namespace tessera::dicomweb {
namespace {

nlohmann::json Attribute(std::string_view vr, nlohmann::json value) {
  return {{"vr", vr}, {"Value", nlohmann::json::array({std::move(value)})}};
}

}  // namespace

std::uint16_t FailureReason(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 0xC000;  // Error: cannot understand
    case ErrorCode::kConflict:
      return 0xC409;  // a UID filed elsewhere: not the URL's study, or refiling (as dcm4chee)
    case ErrorCode::kUnsupported:
      return 0x0122;  // SOP class not supported
    case ErrorCode::kPermissionDenied:
      return 0x0124;  // not authorized
    case ErrorCode::kTooLarge:
    case ErrorCode::kIo:
    case ErrorCode::kStorageFull:
    case ErrorCode::kUnavailable:
      return 0xA700;  // Refused: out of resources
    default:
      return 0x0110;  // Processing failure
  }
}

std::string StowResponseJson(const std::vector<StoreOutcome>& outcomes, std::string_view root) {
  auto referenced = nlohmann::json::array();
  auto failed = nlohmann::json::array();
  std::string study;
  bool one_study = true;
  for (const auto& outcome : outcomes) {
    if (!outcome.result) {
      nlohmann::json item = nlohmann::json::object();
      if (!outcome.sop_class_uid.empty()) {
        item["00081150"] = Attribute("UI", outcome.sop_class_uid);
      }
      if (!outcome.sop_instance_uid.empty()) {
        item["00081155"] = Attribute("UI", outcome.sop_instance_uid);
      }
      item["00081197"] = Attribute("US", FailureReason(outcome.result.error().code));
      failed.push_back(std::move(item));
      continue;
    }
    const auto& stored = *outcome.result;
    if (study.empty()) study = stored.study_uid;
    one_study = one_study && stored.study_uid == study;
    referenced.push_back(
        {{"00081150", Attribute("UI", stored.sop_class_uid)},
         {"00081155", Attribute("UI", stored.sop_instance_uid)},
         {"00081190", Attribute("UR", InstanceUrl(root, stored.study_uid, stored.series_uid,
                                                  stored.sop_instance_uid))}});
  }
  nlohmann::json body = nlohmann::json::object();
  if (!study.empty() && one_study) body["00081190"] = Attribute("UR", StudyUrl(root, study));
  body["00081198"] = failed.empty() ? nlohmann::json{{"vr", "SQ"}}
                                    : nlohmann::json{{"vr", "SQ"}, {"Value", failed}};
  body["00081199"] = referenced.empty() ? nlohmann::json{{"vr", "SQ"}}
                                        : nlohmann::json{{"vr", "SQ"}, {"Value", referenced}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int StowStatus(const std::vector<StoreOutcome>& outcomes) {
  std::size_t stored = 0;
  for (const auto& outcome : outcomes) stored += outcome.result.has_value() ? 1 : 0;
  if (stored == outcomes.size()) return 200;
  return stored == 0 ? 409 : 202;
}

}  // namespace tessera::dicomweb
