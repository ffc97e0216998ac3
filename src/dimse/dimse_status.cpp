#include "dimse/dimse_status.h"

#include <spdlog/spdlog.h>

#include "base/log_throttle.h"
#include "base/result.h"

namespace tessera::dimse {
namespace {

std::uint16_t StoreStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnsupported:
      return status::kCannotUnderstand;
    case ErrorCode::kIo:
    case ErrorCode::kStorageFull:
    case ErrorCode::kTooLarge:
    case ErrorCode::kUnavailable:
    case ErrorCode::kRateLimited:
      return status::kOutOfResources;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kExpired:
      return status::kNotAuthorized;
    case ErrorCode::kConflict:
      return status::kFiledElsewhere;
    default:
      return status::kProcessingFailure;
  }
}

std::uint16_t QueryStatus(Service service, ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return status::kIdentifierDoesNotMatchSopClass;
    case ErrorCode::kUnavailable:
    case ErrorCode::kRateLimited:
    case ErrorCode::kTooLarge:
    case ErrorCode::kStorageFull:
      return service == Service::kFind ? status::kOutOfResources
                                       : status::kOutOfResourcesSubOperations;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kExpired:
      return status::kNotAuthorized;
    default:
      return status::kUnableToProcess;
  }
}

}  // namespace

Error TooManyMatches() {
  // An Error Comment holds 64 characters.
  return Fail(ErrorCode::kTooLarge,
              "too many matches; narrow the query (archive.max_query_results)");
}

std::uint16_t ToDimseStatus(Service service, ErrorCode code) {
  if (service == Service::kStore) return StoreStatus(code);
  return QueryStatus(service, code);
}

std::string PublicComment(const Error& error) {
  switch (error.code) {
    case ErrorCode::kStorageFull: {
      static LogThrottle throttle(std::chrono::minutes(1));
      if (const auto held_back = throttle.Allow()) {
        spdlog::error("storage full: {} ({} more such refusal(s) in the last minute not logged)",
                      error.message, *held_back);
      }
      return "the archive's storage is full";
    }
    case ErrorCode::kIo:
      spdlog::error("storage error: {}", error.message);
      return "the archive could not read or write its storage";
    default:
      return error.message;
  }
}

}  // namespace tessera::dimse
