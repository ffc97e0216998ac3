#include "dimse/retrieve.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

TEST(SubOperationTallyTest, CountsEachOutcome) {
  SubOperationTally tally(4);
  EXPECT_EQ(tally.remaining(), 4);
  tally.Record("1.1", 0x0000);
  tally.Record("1.2", 0xB007);
  tally.Record("1.3", 0xA700);
  tally.RecordFailure("1.4");
  EXPECT_EQ(tally.remaining(), 0);
  EXPECT_EQ(tally.completed(), 1);
  EXPECT_EQ(tally.warning(), 1);
  EXPECT_EQ(tally.failed(), 2);
}

TEST(SubOperationTallyTest, RecordsTheRestAsFailedWhenNoneWillBeTried) {
  std::vector<archive::InstanceRef> instances(3);
  for (std::size_t i = 0; i < instances.size(); ++i) {
    instances[i].sop_instance_uid = "1." + std::to_string(i);
  }
  SubOperationTally tally(3);
  tally.Record("1.0", 0x0000);
  tally.RecordFailures(std::span(instances).subspan(1));
  EXPECT_EQ(tally.remaining(), 0);
  EXPECT_EQ(tally.failed(), 2);
  EXPECT_EQ(tally.FinalStatus(false), 0xB000);
}

TEST(SubOperationTallyTest, FinalStatusFollowsTheOutcomes) {
  SubOperationTally clean(1);
  clean.Record("1", 0x0000);
  EXPECT_EQ(clean.FinalStatus(false), 0x0000);
  EXPECT_EQ(clean.FinalStatus(true), 0xFE00);
  EXPECT_EQ(clean.FailedInstancesIdentifier(), nullptr);

  SubOperationTally some(2);
  some.Record("1", 0x0000);
  some.Record("2", 0xC000);
  EXPECT_EQ(some.FinalStatus(false), 0xB000);

  SubOperationTally none(2);
  none.RecordFailure("1");
  none.RecordFailure("2");
  EXPECT_EQ(none.FinalStatus(false), 0xA702);

  SubOperationTally empty(0);
  EXPECT_EQ(empty.FinalStatus(false), 0x0000);
}

TEST(SubOperationTallyTest, ListsTheFailedInstances) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  SubOperationTally tally(3);
  tally.Record("1.2.1", 0x0000);
  tally.RecordFailure("1.2.2");
  tally.Record("1.2.3", 0xA700);
  const auto identifier = tally.FailedInstancesIdentifier();
  ASSERT_NE(identifier, nullptr);
  OFString list;
  ASSERT_TRUE(identifier->findAndGetOFStringArray(DCM_FailedSOPInstanceUIDList, list).good());
  EXPECT_EQ(list, "1.2.2\\1.2.3");
}

}  // namespace
}  // namespace tessera::dimse
