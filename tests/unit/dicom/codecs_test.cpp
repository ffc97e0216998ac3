#include "dicom/codecs.h"

#include <set>

#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"
#include "dicom/frames.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::TestFile;

TEST(CodecsTest, TableDescribesNativeAndCompressedSyntaxes) {
  const TransferSyntaxInfo* explicit_le = FindTransferSyntax("1.2.840.10008.1.2.1");
  ASSERT_NE(explicit_le, nullptr);
  EXPECT_FALSE(explicit_le->encapsulated);
  EXPECT_TRUE(explicit_le->can_decode);
  EXPECT_TRUE(explicit_le->can_encode);

  const TransferSyntaxInfo* rle = FindTransferSyntax(transfer_syntax::kRleLossless);
  ASSERT_NE(rle, nullptr);
  EXPECT_TRUE(rle->encapsulated);
  EXPECT_TRUE(rle->can_decode);
  EXPECT_TRUE(rle->can_encode);

  const TransferSyntaxInfo* j2k = FindTransferSyntax(transfer_syntax::kJpeg2000);
  ASSERT_NE(j2k, nullptr);
  EXPECT_TRUE(j2k->encapsulated);
  EXPECT_TRUE(j2k->can_decode);  // with OpenJPEG
  EXPECT_FALSE(j2k->can_encode);

  const TransferSyntaxInfo* video = FindTransferSyntax("1.2.840.10008.1.2.4.102");
  ASSERT_NE(video, nullptr);
  EXPECT_FALSE(video->can_decode);

  EXPECT_EQ(FindTransferSyntax("1.2.3"), nullptr);
  EXPECT_EQ(FindTransferSyntax(""), nullptr);
}

TEST(CodecsTest, TableEntriesAreUniqueValidUidsAndNamed) {
  std::set<std::string_view> seen;
  for (const TransferSyntaxInfo& info : TransferSyntaxes()) {
    EXPECT_TRUE(IsValidUid(info.uid)) << info.uid;
    EXPECT_FALSE(info.name.empty()) << info.uid;
    EXPECT_TRUE(seen.insert(info.uid).second) << info.uid;
    // Everything we can write we can also read back.
    EXPECT_TRUE(!info.can_encode || info.can_decode) << info.uid;
    EXPECT_TRUE(info.encapsulated || (info.can_decode && info.can_encode)) << info.uid;
    // Native pixels are octet streams; compressed ones have their own type.
    EXPECT_EQ(info.encapsulated, info.media_type != "application/octet-stream") << info.uid;
  }
}

TEST(CodecsTest, RegistriesNestAndOnlyTheLastOneDeregisters) {
  const std::uint32_t first = 1;
  {
    CodecRegistry outer;
    {
      CodecRegistry inner;
      const auto frames =
          ReadFrames(TestFile("MR_small_RLE.dcm"), {&first, 1}, FrameEncoding::kUncompressed);
      EXPECT_TRUE(frames) << (frames ? "" : frames.error().message);
    }
    // The inner registry is gone; the outer one still keeps the decoders.
    const auto frames =
        ReadFrames(TestFile("MR_small_RLE.dcm"), {&first, 1}, FrameEncoding::kUncompressed);
    EXPECT_TRUE(frames) << (frames ? "" : frames.error().message);
  }
  // No registry: decoding compressed data fails cleanly instead of crashing.
  const auto frames =
      ReadFrames(TestFile("MR_small_RLE.dcm"), {&first, 1}, FrameEncoding::kUncompressed);
  EXPECT_FALSE(frames);
}

}  // namespace
}  // namespace tessera::dicom
