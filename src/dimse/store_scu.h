#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/assoc.h>

#include "archive/archive.h"
#include "base/result.h"
#include "dicom/codecs.h"

namespace tessera::dimse {

// The transfer syntaxes StoreScu can send any stored instance in, most
// preferred first: the uncompressed ones, then lossless compression (a stored
// instance in another syntax is decoded and encoded again, adding no loss).
inline constexpr std::string_view kSendableSyntaxes[] = {
    dicom::transfer_syntax::kExplicitVrLittleEndian,
    dicom::transfer_syntax::kImplicitVrLittleEndian,
    dicom::transfer_syntax::kExplicitVrBigEndian,
    dicom::transfer_syntax::kJpegLosslessSv1,
    dicom::transfer_syntax::kJpegLossless,
    dicom::transfer_syntax::kJpegLsLossless,
    dicom::transfer_syntax::kRleLossless,
};

struct StoreScuOptions {
  std::chrono::seconds dimse_timeout{60};
  // C-GET: the association was requested by the peer, which acts as storage SCP
  // on contexts it proposed with the SCP role. C-MOVE: we requested it.
  bool peer_is_requestor = false;
  // C-MOVE sub-operations name the C-MOVE requestor and its message ID.
  std::string move_originator_ae_title;
  std::optional<std::uint16_t> move_originator_message_id;
  // C-GET: the message ID of the C-GET request; a C-CANCEL-RQ for it that
  // arrives while waiting for a C-STORE response is reported, not an error.
  std::optional<std::uint16_t> cancel_message_id;
};

struct StoreOutcome {
  std::uint16_t status = 0;  // the peer's C-STORE response status
  bool cancel_requested = false;
};

// Sends stored instances as C-STORE sub-operations over an established
// association. An instance goes out exactly as stored (its data set bytes,
// streamed from the file) when the peer accepted a presentation context with
// the file's transfer syntax; otherwise it is transcoded to one of
// kSendableSyntaxes the peer accepted (dicom::TranscodePart10). Not thread-safe; the
// association must outlive this object.
class StoreScu {
 public:
  StoreScu(T_ASC_Association& association, StoreScuOptions options);
  StoreScu(const StoreScu&) = delete;
  StoreScu& operator=(const StoreScu&) = delete;

  // Sends one instance and waits for its response. Errors: kUnavailable when
  // the association failed (stop using it); kUnsupported when no accepted
  // presentation context fits the instance; kIo, kInvalidArgument, kCorrupt for
  // an unreadable or malformed stored file (the association stays usable).
  Result<StoreOutcome> Send(const archive::InstanceRef& instance);

 private:
  struct Context {
    T_ASC_PresentationContextID id = 0;
    std::string transfer_syntax;
  };
  std::optional<Context> ChooseContext(const archive::InstanceRef& instance) const;
  Status SendCommand(T_ASC_PresentationContextID id, const archive::InstanceRef& instance,
                     std::uint16_t message_id);
  Result<StoreOutcome> AwaitResponse(std::uint16_t message_id);

  T_ASC_Association& association_;
  StoreScuOptions options_;
};

}  // namespace tessera::dimse
