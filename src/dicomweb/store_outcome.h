#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive.h"
#include "base/result.h"

namespace tessera::dicomweb {

// The result of storing one received object, as the STOW and upload responses report it.
struct StoreOutcome {
  explicit StoreOutcome(std::string label,
                        Result<archive::StoredInstance> result = Fail(ErrorCode::kInternal,
                                                                      "not stored"))
      : label(std::move(label)), result(std::move(result)) {}

  std::string label;  // "part 3" or a zip entry name, for messages
  Result<archive::StoredInstance> result;
  // Known for refused objects that parsed (PS3.18 wants them in FailedSOPSequence).
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// PS3.18 Table 10.5.3-1 FailureReason for a failed store.
std::uint16_t FailureReason(ErrorCode code);

// The STOW-RS response body (PS3.18 10.5.3): ReferencedSOPSequence with a
// RetrieveURL per stored instance, FailedSOPSequence with FailureReason, and the
// study's RetrieveURL when every instance belongs to one study.
std::string StowResponseJson(const std::vector<StoreOutcome>& outcomes, std::string_view root);

// 200 when everything was stored, 202 when some failed, 409 when none was stored.
int StowStatus(const std::vector<StoreOutcome>& outcomes);

}  // namespace tessera::dicomweb
