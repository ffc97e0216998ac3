#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmnet/assoc.h>

#include "base/result.h"

namespace tessera::dimse {

// Small pieces every service handler needs around DCMTK's DIMSE calls.

struct AcceptedContext {
  std::string abstract_syntax;
  std::string transfer_syntax;
};

// The accepted presentation context with this ID, or nullopt.
std::optional<AcceptedContext> FindAcceptedContext(T_ASC_Association& association,
                                                   T_ASC_PresentationContextID id);

// The largest data set ReceiveDataSet takes (an identifier, Action Information).
inline constexpr std::uint64_t kMaxDataSetBytes = 64ull << 20;

// Receives the data set that follows a request (a C-FIND, C-MOVE or C-GET
// identifier, storage commitment's Action Information): its bytes first, up to
// kMaxDataSetBytes, then the structure check of dicom/structure_check.h, then
// DCMTK's parse. Errors: kUnavailable when the association failed or the data
// set is too large; kInvalidArgument when it nests too deep, holds too many
// objects or cannot be parsed.
Result<std::unique_ptr<DcmDataset>> ReceiveDataSet(T_ASC_Association& association,
                                                   int timeout_seconds);

// Reads and drops the data set that follows a request we refuse.
// Errors: kUnavailable when the association failed.
Status SkipDataSet(T_ASC_Association& association, int timeout_seconds);

// A status detail holding Error Comment (0000,0902), cut to its 64 characters.
std::unique_ptr<DcmDataset> ErrorComment(std::string_view message);

// Turns a failed DCMTK send into the error that ends the association.
Status SendStatus(const OFCondition& condition, std::string_view what);

}  // namespace tessera::dimse
