#include "http/error_status.h"

#include <spdlog/spdlog.h>

#include "base/log_throttle.h"

namespace tessera::http {

HttpStatus ToHttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return HttpStatus::bad_request;
    case ErrorCode::kNotFound: return HttpStatus::not_found;
    case ErrorCode::kAlreadyExists: return HttpStatus::conflict;
    case ErrorCode::kConflict: return HttpStatus::conflict;
    case ErrorCode::kUnauthenticated: return HttpStatus::unauthorized;
    case ErrorCode::kExpired: return HttpStatus::unauthorized;
    case ErrorCode::kPermissionDenied: return HttpStatus::forbidden;
    case ErrorCode::kTooLarge: return HttpStatus::payload_too_large;
    case ErrorCode::kUnsupported: return HttpStatus::unsupported_media_type;
    case ErrorCode::kNotAcceptable: return HttpStatus::not_acceptable;
    case ErrorCode::kRateLimited: return HttpStatus::too_many_requests;
    case ErrorCode::kUnavailable: return HttpStatus::service_unavailable;
    case ErrorCode::kStorageFull: return HttpStatus::insufficient_storage;
    case ErrorCode::kIo:
    case ErrorCode::kCorrupt:
    case ErrorCode::kInternal: return HttpStatus::internal_server_error;
  }
  return HttpStatus::internal_server_error;
}

std::string PublicMessage(const Error& error) {
  if (error.code == ErrorCode::kStorageFull) {
    static LogThrottle throttle(std::chrono::minutes(1));
    if (const auto held_back = throttle.Allow()) {
      spdlog::error("storage full: {} ({} more such refusal(s) in the last minute not logged)",
                    error.message, *held_back);
    }
    return "the server's storage is full: nothing more can be stored until space is freed "
           "(details are in its log)";
  }
  if (error.code != ErrorCode::kIo) return error.message;
  spdlog::error("storage error: {}", error.message);
  return "the server could not read or write its storage (details are in its log)";
}

Response ErrorResponse(const Error& error) {
  return Response::Error(ToHttpStatus(error.code), PublicMessage(error));
}

}  // namespace tessera::http
