#include "dimse/storage_batches.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dicom/codecs.h"

namespace tessera::dimse {
namespace {

archive::InstanceRef Instance(int number, int sop_class, std::string_view syntax) {
  archive::InstanceRef instance;
  instance.sop_instance_uid = "1.2.3." + std::to_string(number);
  instance.sop_class_uid = "1.2.826.0.1.3680043.10.1." + std::to_string(sop_class);
  instance.transfer_syntax_uid = std::string(syntax);
  return instance;
}

TEST(StorageBatchesTest, OneClassFitsOneBatch) {
  const auto batches =
      StorageBatches({Instance(1, 0, dicom::transfer_syntax::kRleLossless),
                      Instance(2, 0, dicom::transfer_syntax::kExplicitVrLittleEndian)});
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].proposals.size(), 3u);  // both stored syntaxes and the fallback
  EXPECT_EQ(batches[0].proposals.back().syntaxes.size(), 2u);
  ASSERT_EQ(batches[0].instances.size(), 2u);
  EXPECT_EQ(batches[0].instances[0].sop_instance_uid, "1.2.3.1");
}

TEST(StorageBatchesTest, EachBatchFitsOneAssociationAndKeepsAClassTogether) {
  // 70 SOP classes, one in two stored in two syntaxes: 70 * 2.5 = 175 contexts.
  std::vector<archive::InstanceRef> instances;
  for (int i = 0; i < 140; ++i) {
    const bool second_syntax = i % 70 % 2 == 0 && i >= 70;
    instances.push_back(Instance(i, i % 70,
                                 second_syntax ? dicom::transfer_syntax::kRleLossless
                                               : dicom::transfer_syntax::kExplicitVrLittleEndian));
  }
  const std::vector<StorageBatch> batches = StorageBatches(instances);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].proposals.size() + batches[1].proposals.size(), 175u);
  std::set<std::string> sent;
  std::map<std::string, std::size_t> batch_of;  // SOP class -> batch
  for (std::size_t b = 0; b < batches.size(); ++b) {
    EXPECT_LE(batches[b].proposals.size(), kMaxPresentationContexts);
    std::set<std::string> proposed;
    for (const Proposal& proposal : batches[b].proposals) proposed.insert(proposal.sop_class);
    int previous = -1;
    for (const archive::InstanceRef& instance : batches[b].instances) {
      EXPECT_TRUE(proposed.contains(instance.sop_class_uid)) << instance.sop_instance_uid;
      EXPECT_TRUE(sent.insert(instance.sop_instance_uid).second) << "twice";
      const auto [it, added] = batch_of.try_emplace(instance.sop_class_uid, b);
      EXPECT_EQ(it->second, b) << "a class split over batches";
      // Within a batch, instances keep their order (numbers ascend here).
      const int number = std::stoi(instance.sop_instance_uid.substr(6));
      EXPECT_GT(number, previous);
      previous = number;
    }
  }
  EXPECT_EQ(sent.size(), instances.size());
  // Classes in order of first appearance: the first batch starts with class 0.
  EXPECT_EQ(batches[0].proposals.front().sop_class, instances[0].sop_class_uid);
}

}  // namespace
}  // namespace tessera::dimse
