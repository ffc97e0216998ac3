// Feeds the text of a kept storage commitment file (<data>/commitments/*.json,
// read back at start-up) to dimse::ParseCommitmentFile (dimse/commitment_store.h).
// Checks: what it accepts is written back by CommitmentFileText into a file that
// parses to the same AE title, Transaction UID and items.

#include <cstddef>
#include <cstdint>

#include "dimse/commitment_store.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  auto kept = tessera::dimse::ParseCommitmentFile(tessera::fuzz::AsText(data, size));
  if (!kept) return 0;
  const std::string text = tessera::dimse::CommitmentFileText(kept->ae_title, kept->request);
  auto again = tessera::dimse::ParseCommitmentFile(text);
  if (!again) {
    std::fprintf(stderr, "ParseCommitmentFile: %s\n", again.error().message.c_str());
    FUZZ_CHECK(false && "a commitment file Tessera wrote reads back");
  }
  FUZZ_CHECK(again->ae_title == kept->ae_title);
  FUZZ_CHECK(again->request.transaction_uid == kept->request.transaction_uid);
  FUZZ_CHECK(again->request.items.size() == kept->request.items.size());
  for (std::size_t i = 0; i < kept->request.items.size(); ++i) {
    FUZZ_CHECK(again->request.items[i].sop_class_uid == kept->request.items[i].sop_class_uid);
    FUZZ_CHECK(again->request.items[i].sop_instance_uid == kept->request.items[i].sop_instance_uid);
  }
  return 0;
}
