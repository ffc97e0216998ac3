#pragma once

#include <vector>

#include "archive/archive.h"
#include "dimse/outbound_association.h"

namespace tessera::dimse {

// Instances for one association to a C-MOVE destination, and the presentation
// contexts it proposes for them.
struct StorageBatch {
  std::vector<Proposal> proposals;
  std::vector<archive::InstanceRef> instances;
};

// Splits `instances` into batches that each fit one association's
// kMaxPresentationContexts: for each SOP class one context per stored transfer
// syntax plus one with explicit and implicit little endian (the transcoding
// fallback), a SOP class's contexts all in one batch. Classes keep their order
// of first appearance, instances their order within a batch.
std::vector<StorageBatch> StorageBatches(std::vector<archive::InstanceRef> instances);

}  // namespace tessera::dimse
