// Feeds a storage commitment N-ACTION's Action Information data set (its
// encoding picked by the first byte: implicit or explicit VR little endian),
// parsed as dimse::ReceiveDataSet does (structure check, then DCMTK), to
// dimse::ParseCommitmentRequest (dimse/storage_commitment.h). Checks: an
// accepted request has a Transaction UID and 1..kMaxCommitmentItems items with
// both UIDs; and it survives the commitment file round trip of
// dimse/commitment_store.h (CommitmentFileText, then ParseCommitmentFile).

#include <cstddef>
#include <cstdint>

#include "dimse/commitment_store.h"
#include "dimse/storage_commitment.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  const E_TransferSyntax syntax =
      input.Byte() % 2 == 0 ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit;
  auto dataset = tessera::fuzz::DataSetFromBytes(input.Rest(), syntax);
  if (!dataset) return 0;
  auto request = tessera::dimse::ParseCommitmentRequest(*dataset);
  if (!request) return 0;
  FUZZ_CHECK(!request->transaction_uid.empty());
  FUZZ_CHECK(!request->items.empty() &&
             request->items.size() <= tessera::dimse::kMaxCommitmentItems);
  for (const auto& item : request->items) {
    FUZZ_CHECK(!item.sop_class_uid.empty() && !item.sop_instance_uid.empty());
  }
  const std::string text = tessera::dimse::CommitmentFileText("MODALITY", *request);
  auto kept = tessera::dimse::ParseCommitmentFile(text);
  if (!kept) {
    std::fprintf(stderr, "ParseCommitmentFile: %s\n", kept.error().message.c_str());
    FUZZ_CHECK(false && "a commitment file Tessera wrote reads back");
  }
  FUZZ_CHECK(kept->ae_title == "MODALITY");
  FUZZ_CHECK(kept->request.transaction_uid == request->transaction_uid);
  FUZZ_CHECK(kept->request.items.size() == request->items.size());
  for (std::size_t i = 0; i < request->items.size(); ++i) {
    FUZZ_CHECK(kept->request.items[i].sop_class_uid == request->items[i].sop_class_uid);
    FUZZ_CHECK(kept->request.items[i].sop_instance_uid == request->items[i].sop_instance_uid);
  }
  return 0;
}
