#include "dimse/association_acceptor.h"

#include <array>
#include <optional>
#include <span>

#include <dcmtk/dcmdata/dcuid.h>

#include "dicom/codecs.h"
#include "dimse/query_from_identifier.h"
#include "dimse/store_scu.h"

namespace tessera::dimse {
namespace {

namespace ts = dicom::transfer_syntax;

constexpr std::string_view kStorageSyntaxes[] = {
    ts::kExplicitVrLittleEndian,
    ts::kImplicitVrLittleEndian,
    ts::kExplicitVrBigEndian,
    ts::kDeflatedExplicitVrLittleEndian,
    ts::kJpegBaseline,
    ts::kJpegExtended,
    ts::kJpegLossless,
    ts::kJpegLosslessSv1,
    ts::kJpegLsLossless,
    ts::kJpegLsNearLossless,
    ts::kJpeg2000Lossless,
    ts::kJpeg2000,
    ts::kRleLossless,
};

constexpr std::string_view kCommandSyntaxes[] = {
    ts::kExplicitVrLittleEndian,
    ts::kImplicitVrLittleEndian,
    ts::kExplicitVrBigEndian,
};

enum class ContextVerdict { kAccept, kNotAllowed, kUnsupported };

struct ContextDecision {
  ContextVerdict verdict = ContextVerdict::kUnsupported;
  std::string transfer_syntax;
  T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
};

bool Allows(const AccessDecision& access, Operation operation) {
  return access.allowed.count(operation) != 0;
}

bool RequestorIsScu(T_ASC_SC_ROLE role) {
  return role == ASC_SC_ROLE_DEFAULT || role == ASC_SC_ROLE_SCU || role == ASC_SC_ROLE_SCUSCP;
}

bool RequestorIsScp(T_ASC_SC_ROLE role) {
  return role == ASC_SC_ROLE_SCP || role == ASC_SC_ROLE_SCUSCP;
}

// The first proposed syntax in `ours` (storage: the requestor's order).
std::optional<std::string> RequestorsChoice(const T_ASC_PresentationContext& pc,
                                            std::span<const std::string_view> ours) {
  for (int i = 0; i < pc.transferSyntaxCount; ++i) {
    const std::string_view proposed = pc.proposedTransferSyntaxes[i];
    for (const std::string_view accepted : ours) {
      if (proposed == accepted) return std::string(proposed);
    }
  }
  return std::nullopt;
}

// The first of `ours` that was proposed (our order).
std::optional<std::string> OurChoice(const T_ASC_PresentationContext& pc,
                                     std::span<const std::string_view> ours) {
  for (const std::string_view accepted : ours) {
    for (int i = 0; i < pc.transferSyntaxCount; ++i) {
      if (accepted == pc.proposedTransferSyntaxes[i]) return std::string(accepted);
    }
  }
  return std::nullopt;
}

std::optional<Operation> QueryRetrieveOperation(std::string_view sop_class) {
  if (sop_class == UID_FINDPatientRootQueryRetrieveInformationModel ||
      sop_class == UID_FINDStudyRootQueryRetrieveInformationModel) {
    return Operation::kFind;
  }
  if (sop_class == UID_MOVEPatientRootQueryRetrieveInformationModel ||
      sop_class == UID_MOVEStudyRootQueryRetrieveInformationModel) {
    return Operation::kMove;
  }
  if (sop_class == UID_GETPatientRootQueryRetrieveInformationModel ||
      sop_class == UID_GETStudyRootQueryRetrieveInformationModel) {
    return Operation::kGet;
  }
  return std::nullopt;
}

ContextDecision Decide(const T_ASC_PresentationContext& pc, const AccessDecision& access) {
  ContextDecision decision;
  const std::string_view sop_class = pc.abstractSyntax;
  std::optional<Operation> operation;
  if (sop_class == UID_VerificationSOPClass) operation = Operation::kEcho;
  // Storage commitment is asked by those who store (PS3.4 J.3).
  if (sop_class == UID_StorageCommitmentPushModelSOPClass) operation = Operation::kStore;
  if (!operation) operation = QueryRetrieveOperation(sop_class);
  if (operation) {
    if (!Allows(access, *operation)) {
      decision.verdict = ContextVerdict::kNotAllowed;
      return decision;
    }
    auto syntax = OurChoice(pc, kCommandSyntaxes);
    if (!syntax) return decision;
    decision = {ContextVerdict::kAccept, std::move(*syntax), ASC_SC_ROLE_DEFAULT};
    return decision;
  }
  if (!IsStorageSopClass(sop_class)) return decision;

  const bool may_store = Allows(access, Operation::kStore) && RequestorIsScu(pc.proposedRole);
  const bool may_get = Allows(access, Operation::kGet) && RequestorIsScp(pc.proposedRole);
  if (!may_store && !may_get) {
    decision.verdict = ContextVerdict::kNotAllowed;
    return decision;
  }
  // A C-GET peer is sent whatever is stored: the peer's first choice that any
  // instance can be sent in (StoreScu transcodes), rather than one only the
  // instances stored in it could go in (e.g. JPEG Baseline before Explicit VR
  // Little Endian, where the stored images are uncompressed).
  // A peer that may also store on this context (SCU/SCP) keeps its own first
  // choice: it may send in it.
  std::optional<std::string> syntax;
  if (may_get && !may_store) syntax = RequestorsChoice(pc, kSendableSyntaxes);
  if (!syntax) syntax = RequestorsChoice(pc, kStorageSyntaxes);
  if (!syntax) return decision;
  // Accept the proposed role; narrow a proposed SCU/SCP pair to what is allowed.
  T_ASC_SC_ROLE role = pc.proposedRole;
  if (role == ASC_SC_ROLE_SCUSCP && !may_get) role = ASC_SC_ROLE_SCU;
  if (role == ASC_SC_ROLE_SCUSCP && !may_store) role = ASC_SC_ROLE_SCP;
  decision = {ContextVerdict::kAccept, std::move(*syntax), role};
  return decision;
}

Error Reject(T_ASC_Association& association, T_ASC_RejectParametersReason reason, std::string why) {
  T_ASC_RejectParameters parameters{ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER, reason};
  const OFCondition sent = ASC_rejectAssociation(&association, &parameters);
  if (sent.bad()) why += std::string(" (sending the reject failed: ") + sent.text() + ")";
  return Fail(ErrorCode::kPermissionDenied, std::move(why));
}

}  // namespace

bool IsStorageSopClass(std::string_view sop_class_uid) {
  for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i) {
    if (sop_class_uid == dcmAllStorageSOPClassUIDs[i]) return true;
  }
  return false;
}

Result<AcceptedAssociationInfo> AcceptAssociation(T_ASC_Association& association,
                                                  const AccessPolicy& policy,
                                                  std::string_view peer_address) {
  T_ASC_Parameters* params = association.params;
  std::array<char, 65> context_name{};
  ASC_getApplicationContextName(params, context_name.data(), context_name.size());
  if (context_name[0] == '\0') {
    // DCMTK answers another PDU sent in place of the A-ASSOCIATE-RQ with an
    // A-ABORT, and still hands over the association, empty: nothing to reject.
    return Fail(ErrorCode::kInvalidArgument,
                "no association request: the peer sent another PDU first (aborted)");
  }
  if (std::string_view(context_name.data()) != UID_StandardApplicationContext) {
    return Reject(association, ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED,
                  "unsupported application context");
  }
  std::array<char, 65> calling{};
  std::array<char, 65> called{};
  std::array<char, 65> responding{};
  ASC_getAPTitles(params, calling.data(), calling.size(), called.data(), called.size(),
                  responding.data(), responding.size());
  AcceptedAssociationInfo info{calling.data(), called.data(), {}};
  const std::string who = info.calling_ae + " -> " + info.called_ae + ": ";
  info.access = policy.Decide(info.calling_ae, info.called_ae, peer_address);
  if (info.access.refusal == Refusal::kCalledAeTitle) {
    return Reject(association, ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED,
                  who + "the called AE title is not ours");
  }
  if (info.access.refusal == Refusal::kCallingAeTitle) {
    // Also for a configured AE title from another host: the answer must not
    // tell which AE titles are configured.
    return Reject(association, ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED,
                  who + "the calling AE title is not allowed from this host, or allowed nothing");
  }

  int accepted = 0;
  int not_allowed = 0;
  const int count = ASC_countPresentationContexts(params);
  for (int i = 0; i < count; ++i) {
    T_ASC_PresentationContext pc;
    if (ASC_getPresentationContext(params, i, &pc).bad()) continue;
    const ContextDecision decision = Decide(pc, info.access);
    if (decision.verdict == ContextVerdict::kAccept) {
      const OFCondition done = ASC_acceptPresentationContext(
          params, pc.presentationContextID, decision.transfer_syntax.c_str(), decision.role);
      if (done.good()) {
        ++accepted;
        continue;
      }
    }
    if (decision.verdict == ContextVerdict::kNotAllowed) ++not_allowed;
    const bool syntax_problem =
        decision.verdict == ContextVerdict::kUnsupported &&
        (pc.abstractSyntax == std::string_view(UID_VerificationSOPClass) ||
         IsStorageSopClass(pc.abstractSyntax) || ModelOfSopClass(pc.abstractSyntax).has_value());
    const T_ASC_P_ResultReason reason = decision.verdict == ContextVerdict::kNotAllowed
                                            ? ASC_P_USERREJECTION
                                        : syntax_problem ? ASC_P_TRANSFERSYNTAXESNOTSUPPORTED
                                                         : ASC_P_ABSTRACTSYNTAXNOTSUPPORTED;
    ASC_refusePresentationContext(params, pc.presentationContextID, reason);
  }
  if (accepted == 0 && not_allowed > 0) {
    // A configured peer (from its host: others were refused above) is
    // recognised: it is the services it lacks rights for.
    return Reject(
        association,
        info.access.known ? ASC_REASON_SU_NOREASON : ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED,
        who + "the caller may not use any of the proposed services");
  }
  if (accepted == 0) {
    return Reject(association, ASC_REASON_SU_NOREASON, who + "no acceptable presentation context");
  }
  // The A-ASSOCIATE-AC echoes the called AE title as received.
  ASC_setAPTitles(params, nullptr, nullptr, info.called_ae.c_str());
  const OFCondition acknowledged = ASC_acknowledgeAssociation(&association);
  if (acknowledged.bad()) {
    return Fail(ErrorCode::kUnavailable,
                std::string("sending the association acknowledgement: ") + acknowledged.text());
  }
  return info;
}

}  // namespace tessera::dimse
