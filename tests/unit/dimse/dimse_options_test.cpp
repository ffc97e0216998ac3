#include "dimse/dimse_options.h"

#include <gtest/gtest.h>

namespace tessera::dimse {
namespace {

TEST(DimseOptionsTest, OperationNamesRoundTrip) {
  for (const Operation operation :
       {Operation::kEcho, Operation::kStore, Operation::kFind, Operation::kMove, Operation::kGet}) {
    EXPECT_EQ(ParseOperation(OperationName(operation)), operation);
  }
  EXPECT_EQ(ParseOperation("FIND"), Operation::kFind);
  EXPECT_EQ(ParseOperation("delete"), std::nullopt);
}

TEST(DimseOptionsTest, DefaultsFollowTheIssue) {
  const DimseOptions options;
  EXPECT_EQ(options.port, 4242);
  EXPECT_EQ(options.ae_title, "TESSERA");
  EXPECT_EQ(options.unknown_callers_allow,
            (std::set<Operation>{Operation::kEcho, Operation::kStore}));
}

}  // namespace
}  // namespace tessera::dimse
