#include "archive/blob_store.h"

#include <cerrno>
#include <fstream>
#include <optional>

#include <fcntl.h>
#include <gtest/gtest.h>

#include "archive/file_ops.h"
#include "archive_test_util.h"

namespace tessera::archive {
namespace {

using testing::TempDir;

TEST(BlobStoreTest, AFullDiskIsToldFromOtherFailures) {
  EXPECT_EQ(FileError("write", "/d/incoming/7a.part", ENOSPC).code, ErrorCode::kStorageFull);
  EXPECT_EQ(FileError("write", "/d/incoming/7a.part", EDQUOT).code, ErrorCode::kStorageFull);
  const Error other = FileError("write", "/d/incoming/7a.part", EIO);
  EXPECT_EQ(other.code, ErrorCode::kIo);
  EXPECT_EQ(other.message, "write /d/incoming/7a.part: Input/output error");
}

TEST(BlobStoreTest, NewFilesKeepTheFreeSpaceFloor) {
  TempDir dir;
  auto unbounded = BlobStore::Open(dir.path() / "a", 0);
  ASSERT_TRUE(unbounded) << unbounded.error().message;
  auto available = (*unbounded)->floor().Available();
  ASSERT_TRUE(available) << available.error().message;
  EXPECT_GT(*available, 0u);
  EXPECT_TRUE((*unbounded)->NewIncoming());

  // No disk here has an exbibyte free.
  auto bounded = BlobStore::Open(dir.path() / "b", 1ull << 60);
  ASSERT_TRUE(bounded) << bounded.error().message;
  auto refused = (*bounded)->NewIncoming();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kStorageFull);
  EXPECT_NE(refused.error().message.find("below the 1024 PiB kept free (archive.min_free_mib)"),
            std::string::npos)
      << refused.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "b" / "incoming"));
  EXPECT_EQ((*bounded)->floor().Check().error().code, ErrorCode::kStorageFull);
}

TEST(BlobStoreTest, AGrowingFileIsCheckedAgainstTheFloorEvery64MiB) {
  TempDir dir;
  auto store = BlobStore::Open(dir.path(), 0);
  ASSERT_TRUE(store) << store.error().message;
  auto file = (*store)->NewIncoming();
  ASSERT_TRUE(file);
  // The same file checked against a floor no disk can keep: the writes below
  // 64 MiB are never checked, the one that reaches it is refused.
  const UniqueFd dir_fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const FreeSpaceFloor unreachable(dir_fd.get(), dir.path(), 1ull << 60);
  IncomingFile checked(file->path(), UniqueFd(::open(file->path().c_str(), O_WRONLY | O_CLOEXEC)),
                       &unreachable);
  file->Release();
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 63; ++i) ASSERT_TRUE(checked.Write(chunk)) << i;
  auto refused = checked.Write(chunk);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kStorageFull);
}

TEST(BlobStoreTest, TheFirstOpenGivesTheFolderAnArchiveIdForGood) {
  TempDir dir;
  EXPECT_EQ(BlobStore::ArchiveId(dir.path()).error().code, ErrorCode::kNotFound);
  std::string first;
  {
    auto store = BlobStore::Open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    auto id = BlobStore::ArchiveId(dir.path());
    ASSERT_TRUE(id) << id.error().message;
    EXPECT_EQ(id->size(), 32u);
    first = *id;
  }
  auto again = BlobStore::Open(dir.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(BlobStore::ArchiveId(dir.path()).value_or(""), first);

  TempDir other;
  ASSERT_TRUE(BlobStore::Open(other.path()));
  EXPECT_NE(BlobStore::ArchiveId(other.path()).value_or(first), first);
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

  // Removed already (by a call whose folder fsync may have failed): the folder
  // that exists is synced again; the one never made is no error.
  DirectorySyncSet again;
  ASSERT_TRUE((*store)->RemoveBlobs(numbers, again));
  EXPECT_FALSE(again.empty());
  EXPECT_TRUE(again.Sync());
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
