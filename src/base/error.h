#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace tessera {

// The failure classes every layer speaks. Handlers map them to protocol statuses
// (HTTP in dicomweb/auth, DIMSE in dimse); lower layers never know about either.
enum class ErrorCode {
  kInvalidArgument,   // the input is malformed or violates a rule
  kNotFound,          // the addressed object does not exist
  kAlreadyExists,     // the object exists and the operation refuses to replace it
  kConflict,          // the input contradicts stored state (e.g. UID mismatch)
  kUnauthenticated,   // no valid credentials
  kExpired,           // credentials were valid once but no longer are
  kPermissionDenied,  // valid credentials, operation not allowed
  kTooLarge,          // over a configured size limit
  kUnsupported,       // understood but not supported (media type, transfer syntax, ...)
  kNotAcceptable,     // no representation the client accepts can be produced
  kRateLimited,       // too many attempts; try again later
  kUnavailable,       // temporarily unable (shutting down, busy)
  kIo,                // file system or network failure
  kStorageFull,       // the file system holding the data is full (or over its quota)
  kCorrupt,           // stored data failed a consistency check
  kInternal,          // a bug or an unexpected library failure
};

// A short stable name for logs and tests, e.g. "not_found".
std::string_view ErrorCodeName(ErrorCode code);

// An error value: a code to act on and a message for a human. Messages never
// contain secrets (tokens, passwords) or patient data beyond UIDs.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

// A failed file-system call as an Error: "<operation> <path>: <strerror>",
// kStorageFull for a full disk or quota (ENOSPC, EDQUOT), kIo otherwise.
Error FileError(std::string_view operation, const std::filesystem::path& path, int error_number);

}  // namespace tessera
