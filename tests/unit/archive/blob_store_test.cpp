#include "archive/blob_store.h"

#include <cerrno>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "archive/file_ops.h"
#include "archive_test_util.h"

namespace tessera::archive {
namespace {

using testing::TempDir;

TEST(BlobStoreTest, AFullDiskIsToldFromOtherFailures) {
  EXPECT_EQ(IoError("write", "/d/incoming/7a.part", ENOSPC).code, ErrorCode::kStorageFull);
  EXPECT_EQ(IoError("write", "/d/incoming/7a.part", EDQUOT).code, ErrorCode::kStorageFull);
  const Error other = IoError("write", "/d/incoming/7a.part", EIO);
  EXPECT_EQ(other.code, ErrorCode::kIo);
  EXPECT_EQ(other.message, "write /d/incoming/7a.part: Input/output error");
}

TEST(BlobStoreTest, NamesFanOutByNumber) {
  TempDir dir;
  auto store = BlobStore::Open(dir.path());
  ASSERT_TRUE(store) << store.error().message;
  const auto blobs = dir.path() / "blobs";
  EXPECT_EQ((*store)->BlobPath(1), blobs / "0000" / "000" / "1.dcm");
  EXPECT_EQ((*store)->BlobPath(0x1234567), blobs / "0001" / "234" / "1234567.dcm");
  EXPECT_EQ((*store)->BlobPath(0xfff), blobs / "0000" / "000" / "fff.dcm");
  EXPECT_EQ((*store)->BlobPath(0x1000), blobs / "0000" / "001" / "1000.dcm");
  EXPECT_EQ((*store)->IncomingPath(0x2a), dir.path() / "incoming" / "2a.part");
  EXPECT_EQ((*store)->AcceptedPath(0x2a), dir.path() / "incoming" / "2a.accepted");
}

TEST(BlobStoreTest, ParsesOnlyItsOwnIncomingNames) {
  const auto number = [](std::string_view name) -> std::optional<BlobNumber> {
    const auto parsed = BlobStore::ParseIncomingName(name);
    if (!parsed || parsed->accepted) return std::nullopt;
    return parsed->number;
  };
  EXPECT_EQ(number("2a.part"), 42);
  EXPECT_EQ(number("2A.part"), 42);
  const auto accepted = BlobStore::ParseIncomingName("2a.accepted");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->number, 42);
  EXPECT_TRUE(accepted->accepted);
  EXPECT_FALSE(BlobStore::ParseIncomingName("2a.dcm"));
  EXPECT_FALSE(BlobStore::ParseIncomingName(".accepted"));
  EXPECT_FALSE(BlobStore::ParseIncomingName(".part"));
  EXPECT_FALSE(BlobStore::ParseIncomingName("0.part"));
  EXPECT_FALSE(BlobStore::ParseIncomingName("xyz.part"));
  EXPECT_FALSE(BlobStore::ParseIncomingName("-1.part"));
  EXPECT_FALSE(BlobStore::ParseIncomingName("1234567890123456.part"));
}

TEST(BlobStoreTest, LinksIncomingFilesIntoNewFoldersAndRemovesThem) {
  TempDir dir;
  auto store = BlobStore::Open(dir.path());
  ASSERT_TRUE(store);
  (*store)->SetNextNumber(0x1fff);
  auto first = (*store)->NewIncoming();
  auto second = (*store)->NewIncoming();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->Write(std::string_view("one")));
  ASSERT_TRUE((*store)->Accept(0x1fff));
  ASSERT_TRUE((*store)->Accept(0x2000));
  EXPECT_FALSE(std::filesystem::exists(first->path()));
  first->Release();
  second->Release();
  DirectorySyncSet dirs;
  ASSERT_TRUE((*store)->LinkAccepted(0x1fff, dirs));
  ASSERT_TRUE((*store)->LinkAccepted(0x2000, dirs));  // a new folder
  EXPECT_TRUE(dirs.Sync());
  EXPECT_TRUE(std::filesystem::exists((*store)->BlobPath(0x1fff)));
  EXPECT_TRUE(std::filesystem::exists((*store)->BlobPath(0x2000)));
  EXPECT_EQ(std::filesystem::file_size((*store)->BlobPath(0x1fff)), 3u);
  EXPECT_NE((*store)->BlobPath(0x1fff).parent_path(), (*store)->BlobPath(0x2000).parent_path());

  const BlobNumber numbers[] = {0x1fff, 0x2000, 0x3000};  // the last was never linked
  DirectorySyncSet removed;
  ASSERT_TRUE((*store)->RemoveBlobs(numbers, removed));
  EXPECT_TRUE(removed.Sync());
  EXPECT_FALSE(std::filesystem::exists((*store)->BlobPath(0x1fff)));
  EXPECT_FALSE(std::filesystem::exists((*store)->BlobPath(0x2000)));
  EXPECT_TRUE(std::filesystem::exists((*store)->AcceptedPath(0x1fff)))
      << "incoming names are separate links";
}

TEST(BlobStoreTest, ASecondStoreOnTheSameFolderIsRefused) {
  TempDir dir;
  auto store = BlobStore::Open(dir.path());
  ASSERT_TRUE(store);
  auto second = BlobStore::Open(dir.path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  store->reset();
  EXPECT_TRUE(BlobStore::Open(dir.path()));
}

}  // namespace
}  // namespace tessera::archive
