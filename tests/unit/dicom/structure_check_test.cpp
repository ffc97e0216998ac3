#include "dicom/structure_check.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace tessera::dicom {
namespace {

// Little endian data set builders (explicit VR unless said otherwise).
std::string U16(std::uint16_t value) {
  return std::string{static_cast<char>(value & 0xFF), static_cast<char>(value >> 8)};
}
std::string U32(std::uint32_t value) { return U16(value & 0xFFFF) + U16(value >> 16); }
std::string LongHeader(std::uint16_t group, std::uint16_t element, const char* vr,
                       std::uint32_t length) {
  return U16(group) + U16(element) + vr + U16(0) + U32(length);
}
std::string ImplicitHeader(std::uint16_t group, std::uint16_t element, std::uint32_t length) {
  return U16(group) + U16(element) + U32(length);
}
constexpr std::uint32_t kUndefined = 0xFFFFFFFF;
const std::string kOpenItem = ImplicitHeader(0xFFFE, 0xE000, kUndefined);
const std::string kCloseItem = ImplicitHeader(0xFFFE, 0xE00D, 0);
const std::string kCloseSequence = ImplicitHeader(0xFFFE, 0xE0DD, 0);

Status Check(const std::string& data_set, E_TransferSyntax syntax = EXS_LittleEndianExplicit) {
  UniqueFd fd(::memfd_create("structure", MFD_CLOEXEC));
  EXPECT_EQ(::write(fd.get(), data_set.data(), data_set.size()),
            static_cast<ssize_t>(data_set.size()));
  return CheckStructure(fd.get(), 0, syntax);
}

// `depth` sequences, the outermost of VR `outer_vr` with undefined length, the
// others as the content of a UN is read: Implicit VR (PS3.5 6.2.2).
std::string NestedUnderUn(int depth, const char* outer_vr) {
  std::string data = LongHeader(0x0040, 0xA730, outer_vr, kUndefined) + kOpenItem;
  for (int i = 1; i < depth; ++i) data += ImplicitHeader(0x0040, 0xA730, kUndefined) + kOpenItem;
  for (int i = 0; i < depth; ++i) data += kCloseItem + kCloseSequence;
  return data;
}

TEST(StructureCheckTest, SequencesInsideAUnOrUnknownVrCountTowardsTheNesting) {
  for (const char* vr : {"UN", "ZZ"}) {
    EXPECT_TRUE(Check(NestedUnderUn(20, vr))) << vr;
    auto deep = Check(NestedUnderUn(kMaxNesting, vr));
    ASSERT_FALSE(deep) << vr << ": DCMTK would recurse this deep reading it";
    EXPECT_EQ(deep.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(deep.error().message.find("deep"), std::string::npos) << deep.error().message;
  }
}

TEST(StructureCheckTest, HeadersWithVrBytesThatAreNotLettersAreReadAsDcmtkReadsThem) {
  // DCMTK gives "\0\0" (or "1.") a 16-bit length and an unknown "ZZ" a 32-bit
  // one; reading them otherwise would lose the headers that follow.
  const std::string odd = U16(0x0009) + U16(0x0010) + std::string("\0\0", 2) + U16(2) + "ab" +
                          U16(0x0009) + U16(0x0011) + "1." + U16(2) + "cd";
  EXPECT_TRUE(Check(odd + LongHeader(0x0009, 0x1010, "ZZ", 2) + "ef"));
  EXPECT_FALSE(Check(odd + LongHeader(0x0009, 0x1010, "ZZ", 0x80000000) + "abcd"))
      << "the claim after them is seen";
}

TEST(StructureCheckTest, AValueLongerThanTheDataSetIsRefusedBeforeDcmtkAllocatesIt) {
  const std::string name = LongHeader(0x0009, 0x1010, "OB", 4) + "abcd";
  EXPECT_TRUE(Check(name));
  auto claims = Check(LongHeader(0x0009, 0x1010, "OB", 0x80000000) + "abcd");
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error().code, ErrorCode::kInvalidArgument);
  auto implicit =
      Check(ImplicitHeader(0x0010, 0x0010, 0x7FFFFFF0) + "ab", EXS_LittleEndianImplicit);
  EXPECT_FALSE(implicit) << "implicit VR too";
}

}  // namespace
}  // namespace tessera::dicom
