#include "dimse/storage_batches.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "dicom/codecs.h"

namespace tessera::dimse {

std::vector<StorageBatch> StorageBatches(std::vector<archive::InstanceRef> instances) {
  std::map<std::string, std::set<std::string>> stored;  // SOP class -> stored syntaxes
  std::vector<std::string> order;
  for (const archive::InstanceRef& instance : instances) {
    auto [it, added] = stored.try_emplace(instance.sop_class_uid);
    if (added) order.push_back(instance.sop_class_uid);
    it->second.insert(instance.transfer_syntax_uid);
  }
  const std::vector<std::string> fallback = {
      std::string(dicom::transfer_syntax::kExplicitVrLittleEndian),
      std::string(dicom::transfer_syntax::kImplicitVrLittleEndian)};
  std::vector<StorageBatch> batches;
  std::map<std::string, std::size_t> batch_of;  // SOP class -> index in batches
  for (const std::string& sop_class : order) {
    // Only syntaxes Tessera accepts are stored, far fewer than a batch holds.
    const std::size_t needed = std::min(stored[sop_class].size(), kMaxPresentationContexts - 1) + 1;
    if (batches.empty() || batches.back().proposals.size() + needed > kMaxPresentationContexts) {
      batches.emplace_back();
    }
    std::vector<Proposal>& proposals = batches.back().proposals;
    for (const std::string& syntax : stored[sop_class]) {
      if (proposals.size() + 1 == kMaxPresentationContexts) break;
      proposals.push_back({sop_class, {syntax}});
    }
    proposals.push_back({sop_class, fallback});
    batch_of[sop_class] = batches.size() - 1;
  }
  for (archive::InstanceRef& instance : instances) {
    const std::size_t batch = batch_of[instance.sop_class_uid];
    batches[batch].instances.push_back(std::move(instance));
  }
  return batches;
}

}  // namespace tessera::dimse
