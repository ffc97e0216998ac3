#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace tessera::dimse {

// DIMSE status codes Tessera sends (PS3.4 annexes B and C, PS3.7 annex C).
namespace status {
inline constexpr std::uint16_t kSuccess = 0x0000;
inline constexpr std::uint16_t kPending = 0xFF00;
inline constexpr std::uint16_t kCancel = 0xFE00;
inline constexpr std::uint16_t kWarningSubOperationsFailed = 0xB000;
inline constexpr std::uint16_t kProcessingFailure = 0x0110;
inline constexpr std::uint16_t kSopClassNotSupported = 0x0122;
inline constexpr std::uint16_t kNotAuthorized = 0x0124;
inline constexpr std::uint16_t kOutOfResources = 0xA700;
inline constexpr std::uint16_t kOutOfResourcesSubOperations = 0xA702;
inline constexpr std::uint16_t kMoveDestinationUnknown = 0xA801;
inline constexpr std::uint16_t kIdentifierDoesNotMatchSopClass = 0xA900;  // queries
inline constexpr std::uint16_t kDataSetDoesNotMatchSopClass = 0xA900;     // C-STORE
inline constexpr std::uint16_t kCannotUnderstand = 0xC000;  // C-STORE
inline constexpr std::uint16_t kUnableToProcess = 0xC000;   // C-FIND, C-MOVE, C-GET
// C-STORE: a UID already filed elsewhere (a series under another study, a study
// under another patient); dcm4chee's code for it, also STOW's FailureReason.
inline constexpr std::uint16_t kFiledElsewhere = 0xC409;
}  // namespace status

enum class Service { kStore, kFind, kRetrieve };

// The failure status a response of `service` carries for an error of `code`:
// malformed data or identifiers are "cannot understand" (store) or "identifier
// does not match SOP class" (queries); exhausted disk or capacity is "out of
// resources"; a store that would refile a series or study (kConflict) is
// kFiledElsewhere; everything else is a processing failure / unable to process.
std::uint16_t ToDimseStatus(Service service, ErrorCode code);

// What a response may tell the peer of `error` (its Error Comment): the message,
// except for storage failures, whose messages name the server's files: those are
// logged here and told in general terms.
std::string PublicComment(const Error& error);

// The refusal of a query whose answer the archive cut at its maximum
// (QueryResult::truncated): DIMSE has no way to say "only the first ones", so
// C-FIND, C-MOVE and C-GET refuse rather than answer in part. kTooLarge.
Error TooManyMatches();

// True for statuses that end an operation successfully or with a warning.
inline bool IsSuccessOrWarning(std::uint16_t code) {
  return code == status::kSuccess || (code & 0xF000) == 0xB000 || code == 0x0107 || code == 0x0116;
}

}  // namespace tessera::dimse
