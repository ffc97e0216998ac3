#include "dimse/dimse_status.h"

#include <gtest/gtest.h>

namespace tessera::dimse {
namespace {

TEST(DimseStatusTest, StoreFailuresAreNeverSuccess) {
  for (int code = 0; code <= static_cast<int>(ErrorCode::kInternal); ++code) {
    const std::uint16_t value = ToDimseStatus(Service::kStore, static_cast<ErrorCode>(code));
    EXPECT_FALSE(IsSuccessOrWarning(value)) << code;
  }
}

TEST(DimseStatusTest, MapsStoreErrorsToTheirStatus) {
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kInvalidArgument), 0xC000);
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kIo), 0xA700);
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kPermissionDenied), 0x0124);
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kConflict), 0xC409);
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kInternal), 0x0110);
}

TEST(DimseStatusTest, MapsQueryErrorsToTheirStatus) {
  EXPECT_EQ(ToDimseStatus(Service::kFind, ErrorCode::kInvalidArgument), 0xA900);
  EXPECT_EQ(ToDimseStatus(Service::kFind, ErrorCode::kIo), 0xC000);
  EXPECT_EQ(ToDimseStatus(Service::kFind, ErrorCode::kUnavailable), 0xA700);
  EXPECT_EQ(ToDimseStatus(Service::kRetrieve, ErrorCode::kUnavailable), 0xA702);
  EXPECT_EQ(ToDimseStatus(Service::kRetrieve, ErrorCode::kInvalidArgument), 0xA900);
}

TEST(DimseStatusTest, AFullDiskIsOutOfResources) {
  EXPECT_EQ(ToDimseStatus(Service::kStore, ErrorCode::kStorageFull), 0xA700);
  EXPECT_EQ(ToDimseStatus(Service::kFind, ErrorCode::kStorageFull), 0xA700);
  EXPECT_EQ(ToDimseStatus(Service::kRetrieve, ErrorCode::kStorageFull), 0xA702);
}

TEST(DimseStatusTest, CommentsDoNotNameServerFiles) {
  const std::string full = PublicComment(
      Error{ErrorCode::kStorageFull, "write /srv/pacs/incoming/58.part: No space left on device"});
  EXPECT_EQ(full.find("/srv"), std::string::npos) << full;
  EXPECT_NE(full.find("full"), std::string::npos) << full;
  const std::string io =
      PublicComment(Error{ErrorCode::kIo, "open /srv/pacs/blobs/0000/000/1.dcm: Input/output error"});
  EXPECT_EQ(io.find("/srv"), std::string::npos) << io;
  EXPECT_EQ(PublicComment(Error{ErrorCode::kInvalidArgument, "missing SOPInstanceUID"}),
            "missing SOPInstanceUID");
}

TEST(DimseStatusTest, TellsWarningsFromFailures) {
  EXPECT_TRUE(IsSuccessOrWarning(0x0000));
  EXPECT_TRUE(IsSuccessOrWarning(0xB000));
  EXPECT_TRUE(IsSuccessOrWarning(0xB007));
  EXPECT_FALSE(IsSuccessOrWarning(0xA700));
  EXPECT_FALSE(IsSuccessOrWarning(0xC000));
  EXPECT_FALSE(IsSuccessOrWarning(0xFF00));
}

}  // namespace
}  // namespace tessera::dimse
