#include "dimse/data_set_offset.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <gtest/gtest.h>

#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

const std::filesystem::path kTestFiles = TESSERA_PYDICOM_TEST_FILES;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A File Meta element in Explicit VR Little Endian with a 2-byte length.
std::string ShortElement(std::uint16_t element, std::string_view vr, std::string value) {
  if (value.size() % 2) value.push_back('\0');
  std::string out = {'\x02', '\x00', static_cast<char>(element & 0xFF),
                     static_cast<char>(element >> 8)};
  out += vr;
  out.push_back(static_cast<char>(value.size() & 0xFF));
  out.push_back(static_cast<char>(value.size() >> 8));
  return out + value;
}

std::string Preamble() { return std::string(128, '\0') + "DICM"; }

TEST(DataSetOffsetTest, FindsTheDataSetOfRealFilesWithGroupLength) {
  ASSERT_TRUE(dicom::EnsureDataDictionary());
  int checked = 0;
  for (const char* name : {"CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm",
                           "MR_small_bigendian.dcm", "image_dfl.dcm"}) {
    const std::string bytes = ReadFile(kTestFiles / name);
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile((kTestFiles / name).c_str()).good()) << name;
    Uint32 group_length = 0;
    if (file.getMetaInfo()
            ->findAndGetUint32(DCM_FileMetaInformationGroupLength, group_length)
            .bad()) {
      continue;
    }
    const auto offset = DataSetOffset(bytes);
    ASSERT_TRUE(offset) << name << ": " << offset.error().message;
    EXPECT_EQ(*offset, 132u + 12u + group_length) << name;
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(DataSetOffsetTest, WalksFileMetaWithoutGroupLength) {
  const std::string meta = ShortElement(0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7") +
                           ShortElement(0x0010, "UI", "1.2.840.10008.1.2.1");
  const std::string data_set = std::string("\x08\x00\x16\x00UI\x02\x00", 8) + "1" + '\0';
  const std::string file = Preamble() + meta + data_set;
  const auto offset = DataSetOffset(file);
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, 132 + meta.size());
}

TEST(DataSetOffsetTest, HandlesLongLengthVrs) {
  // (0002,0001) OB has 2 reserved bytes and a 32-bit length.
  std::string version = {'\x02', '\x00', '\x01', '\x00', 'O',  'B',  '\0',
                         '\0',   '\x02', '\0',   '\0',   '\0', '\0', '\x01'};
  const std::string file = Preamble() + version + std::string("\x08\x00\x16\x00UI\x00\x00", 8);
  const auto offset = DataSetOffset(file);
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, 132 + version.size());
}

TEST(DataSetOffsetTest, RejectsFilesWithoutDicmOrWithBrokenMeta) {
  EXPECT_FALSE(DataSetOffset(std::string(200, '\0')));
  const std::string truncated = Preamble() + ShortElement(0x0010, "UI", "1.2.840.10008.1.2.1");
  EXPECT_FALSE(DataSetOffset(truncated.substr(0, truncated.size() - 3)));
  EXPECT_EQ(DataSetOffset(std::string(10, 'x')).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::dimse
