#include "dimse/store_scu.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmnet/dul.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_io.h"
#include "base/unique_fd.h"
#include "dicom/codecs.h"
#include "dicom/file_meta.h"
#include "dicom/transcoder.h"
#include "dimse/command_encoder.h"

namespace tessera::dimse {
namespace {

// Enough for any File Meta Information we store.
constexpr std::size_t kHeadBytes = 64 * 1024;

Error Lost(std::string_view what, const OFCondition& condition) {
  return Fail(ErrorCode::kUnavailable, std::string(what) + ": " + condition.text());
}

Error FileError(std::string_view operation, const std::filesystem::path& path) {
  return Fail(ErrorCode::kIo,
              std::string(operation) + " " + path.string() + ": " + std::strerror(errno));
}

// The data set bytes to send: a byte range of a stored file, or of a transcoded
// copy in memory.
struct DataSetSource {
  UniqueFd fd;             // valid: read from the file
  std::string transcoded;  // otherwise: a complete Part 10 file in memory
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // what is sent, including the padding byte
  bool padded = false;       // the last byte sent is a NUL not in the file

  Status Read(std::uint64_t position, std::span<char> buffer) const {
    if (padded && position + buffer.size() == length) {
      buffer.back() = '\0';
      buffer = buffer.first(buffer.size() - 1);
    }
    if (!fd.valid()) {
      std::memcpy(buffer.data(), transcoded.data() + offset + position, buffer.size());
      return Ok();
    }
    if (ReadFullyAt(fd.get(), buffer, offset + position) != static_cast<ssize_t>(buffer.size())) {
      return Fail(ErrorCode::kIo, "the stored file ended early or failed to read");
    }
    return Ok();
  }
};

Result<std::size_t> OffsetIn(std::span<const char> head, std::uint64_t file_size) {
  auto meta = dicom::ReadFileMeta(head);
  if (!meta) return std::move(meta).error();
  if (meta->data_set_offset == head.size() && head.size() < file_size) {
    return Fail(ErrorCode::kInvalidArgument, "File Meta Information too large");
  }
  return meta->data_set_offset;
}

// PDV fragments must have even lengths, and so must a valid data set. A
// deflated one may end on an odd byte: PS3.5 A.5 pads it with a NUL.
Status FixLength(DataSetSource& source, std::string_view transfer_syntax) {
  if (source.length == 0) return Fail(ErrorCode::kInvalidArgument, "the stored data set is empty");
  if (source.length % 2 == 0) return Ok();
  if (transfer_syntax != dicom::transfer_syntax::kDeflatedExplicitVrLittleEndian) {
    return Fail(ErrorCode::kInvalidArgument, "odd data set length");
  }
  source.padded = true;
  ++source.length;
  return Ok();
}

Result<DataSetSource> OpenStored(const std::filesystem::path& path,
                                 std::string_view transfer_syntax) {
  DataSetSource source;
  source.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.fd.valid()) return FileError("open", path);
  struct stat info {};
  if (::fstat(source.fd.get(), &info) != 0) return FileError("stat", path);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  std::vector<char> head(static_cast<std::size_t>(std::min<std::uint64_t>(size, kHeadBytes)));
  if (ReadFullyAt(source.fd.get(), head, 0) != static_cast<ssize_t>(head.size())) {
    return FileError("read", path);
  }
  auto offset = OffsetIn(head, size);
  if (!offset) return std::move(offset).error();
  source.offset = *offset;
  source.length = size - *offset;
  if (auto ok = FixLength(source, transfer_syntax); !ok) return std::move(ok).error();
  return source;
}

Result<DataSetSource> Transcode(const std::filesystem::path& path, std::string_view syntax) {
  auto bytes = dicom::TranscodePart10(path, syntax);
  if (!bytes) return std::move(bytes).error();
  DataSetSource source;
  source.transcoded = std::move(*bytes);
  auto offset = OffsetIn(source.transcoded, source.transcoded.size());
  if (!offset) return std::move(offset).error();
  source.offset = *offset;
  source.length = source.transcoded.size() - *offset;
  if (auto ok = FixLength(source, syntax); !ok) return std::move(ok).error();
  return source;
}

// Sends `length` bytes as PDVs of one type; `read(position, buffer)` supplies them.
Status WritePdvs(T_ASC_Association& association, T_ASC_PresentationContextID id, DUL_DATAPDV type,
                 std::uint64_t length,
                 const std::function<Status(std::uint64_t, std::span<char>)>& read) {
  const std::size_t fragment = std::max<std::size_t>(association.sendPDVLength & ~1UL, 2);
  std::vector<char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(fragment, length)));
  std::uint64_t sent = 0;
  while (sent < length) {
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(fragment, length - sent));
    if (auto ok = read(sent, std::span<char>(buffer.data(), size)); !ok) {
      return Fail(ErrorCode::kUnavailable,
                  "reading the data set failed while sending it: " + ok.error().message);
    }
    DUL_PDV pdv{};
    pdv.fragmentLength = size;
    pdv.presentationContextID = id;
    pdv.pdvType = type;
    pdv.lastPDV = (sent + size == length) ? OFTrue : OFFalse;
    pdv.data = buffer.data();
    DUL_PDVLIST list{};
    list.count = 1;
    list.pdv = &pdv;
    const OFCondition written = DUL_WritePDVs(&association.DULassociation, &list);
    if (written.bad()) return Lost("sending P-DATA failed", written);
    sent += size;
  }
  return Ok();
}

bool PeerActsAsScp(T_ASC_SC_ROLE role) {
  return role == ASC_SC_ROLE_SCP || role == ASC_SC_ROLE_SCUSCP;
}

}  // namespace

StoreScu::StoreScu(T_ASC_Association& association, StoreScuOptions options)
    : association_(association), options_(std::move(options)) {}

std::optional<StoreScu::Context> StoreScu::ChooseContext(
    const archive::InstanceRef& instance) const {
  std::vector<Context> candidates;
  const int count = ASC_countPresentationContexts(association_.params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(association_.params, i, &pc).bad()) continue;
    if (pc.resultReason != ASC_P_ACCEPTANCE) continue;
    if (instance.sop_class_uid != pc.abstractSyntax) continue;
    if (options_.peer_is_requestor && !PeerActsAsScp(pc.proposedRole)) continue;
    if (instance.transfer_syntax_uid == pc.acceptedTransferSyntax) {
      return Context{pc.presentationContextID, pc.acceptedTransferSyntax};
    }
    candidates.push_back(Context{pc.presentationContextID, pc.acceptedTransferSyntax});
  }
  for (const std::string_view syntax : kSendableSyntaxes) {
    for (const Context& candidate : candidates) {
      if (candidate.transfer_syntax != syntax) continue;
      if (!dicom::CanTranscode(instance.transfer_syntax_uid, syntax)) continue;
      return candidate;
    }
  }
  return std::nullopt;
}

Result<StoreOutcome> StoreScu::Send(const archive::InstanceRef& instance) {
  const auto context = ChooseContext(instance);
  if (!context) {
    return Fail(ErrorCode::kUnsupported,
                "the peer accepted no presentation context for " + instance.sop_class_uid + " in " +
                    instance.transfer_syntax_uid + " or a syntax it can be transcoded to");
  }
  // Everything that can fail without harming the association happens first.
  auto source = context->transfer_syntax == instance.transfer_syntax_uid
                    ? OpenStored(instance.path, instance.transfer_syntax_uid)
                    : Transcode(instance.path, context->transfer_syntax);
  if (!source) return std::move(source).error();

  const std::uint16_t message_id = association_.nextMsgID++;
  if (auto sent = SendCommand(context->id, instance, message_id); !sent) {
    return std::move(sent).error();
  }
  const DataSetSource& data = *source;
  auto sent = WritePdvs(association_, context->id, DUL_DATASETPDV, data.length,
                        [&data](std::uint64_t position, std::span<char> buffer) {
                          return data.Read(position, buffer);
                        });
  if (!sent) return std::move(sent).error();
  return AwaitResponse(message_id);
}

Status StoreScu::SendCommand(T_ASC_PresentationContextID id, const archive::InstanceRef& instance,
                             std::uint16_t message_id) {
  StoreRequestCommand command;
  command.sop_class_uid = instance.sop_class_uid;
  command.sop_instance_uid = instance.sop_instance_uid;
  command.message_id = message_id;
  command.move_originator_ae_title = options_.move_originator_ae_title;
  command.move_originator_message_id = options_.move_originator_message_id;
  const std::string encoded = EncodeStoreRequest(command);
  return WritePdvs(association_, id, DUL_COMMANDPDV, encoded.size(),
                   [&encoded](std::uint64_t position, std::span<char> buffer) {
                     std::memcpy(buffer.data(), encoded.data() + position, buffer.size());
                     return Ok();
                   });
}

Result<StoreOutcome> StoreScu::AwaitResponse(std::uint16_t message_id) {
  StoreOutcome outcome;
  const int timeout = static_cast<int>(options_.dimse_timeout.count());
  while (true) {
    T_DIMSE_Message message{};
    T_ASC_PresentationContextID id = 0;
    DcmDataset* detail = nullptr;
    const OFCondition received =
        DIMSE_receiveCommand(&association_, DIMSE_NONBLOCKING, timeout, &id, &message, &detail);
    const std::unique_ptr<DcmDataset> owned_detail(detail);
    if (received.bad()) return Lost("waiting for the C-STORE response failed", received);
    if (message.CommandField == DIMSE_C_CANCEL_RQ) {
      // A C-CANCEL for no operation in progress has nothing to stop (PS3.7
      // 9.3.2.3 has no response to it): ignored rather than ending the association.
      if (options_.cancel_message_id &&
          message.msg.CCancelRQ.MessageIDBeingRespondedTo == *options_.cancel_message_id) {
        outcome.cancel_requested = true;
      }
      continue;
    }
    if (message.CommandField != DIMSE_C_STORE_RSP ||
        message.msg.CStoreRSP.MessageIDBeingRespondedTo != message_id) {
      return Fail(ErrorCode::kUnavailable,
                  "unexpected DIMSE command while waiting for a C-STORE response");
    }
    outcome.status = message.msg.CStoreRSP.DimseStatus;
    return outcome;
  }
}

}  // namespace tessera::dimse
