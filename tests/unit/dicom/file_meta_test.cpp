#include "dicom/file_meta.h"

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

namespace tessera::dicom {
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

TEST(FileMetaTest, FindsTheDataSetOfRealFilesWithGroupLength) {
  ASSERT_TRUE(EnsureDataDictionary());
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
    const auto meta = ReadFileMeta(bytes);
    ASSERT_TRUE(meta) << name << ": " << meta.error().message;
    EXPECT_EQ(meta->data_set_offset, 132u + 12u + group_length) << name;
    OFString syntax;
    file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax);
    EXPECT_EQ(meta->transfer_syntax_uid, syntax.c_str()) << name;
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(FileMetaTest, WalksFileMetaWithoutGroupLength) {
  const std::string meta = ShortElement(0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7") +
                           ShortElement(0x0010, "UI", "1.2.840.10008.1.2.1");
  const std::string data_set = std::string("\x08\x00\x16\x00UI\x02\x00", 8) + "1" + '\0';
  const std::string file = Preamble() + meta + data_set;
  const auto facts = ReadFileMeta(file);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->data_set_offset, 132 + meta.size());
  EXPECT_EQ(facts->transfer_syntax_uid, "1.2.840.10008.1.2.1");
}

TEST(FileMetaTest, HandlesLongLengthVrs) {
  // (0002,0001) OB has 2 reserved bytes and a 32-bit length.
  std::string version = {'\x02', '\x00', '\x01', '\x00', 'O',  'B',  '\0',
                         '\0',   '\x02', '\0',   '\0',   '\0', '\0', '\x01'};
  const std::string file = Preamble() + version + std::string("\x08\x00\x16\x00UI\x00\x00", 8);
  const auto facts = ReadFileMeta(file);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->data_set_offset, 132 + version.size());
  EXPECT_EQ(facts->transfer_syntax_uid, "");
}

TEST(FileMetaTest, RejectsFilesWithoutDicmOrWithBrokenMeta) {
  EXPECT_FALSE(ReadFileMeta(std::string(200, '\0')));
  const std::string truncated = Preamble() + ShortElement(0x0010, "UI", "1.2.840.10008.1.2.1");
  EXPECT_FALSE(ReadFileMeta(truncated.substr(0, truncated.size() - 3)));
  EXPECT_EQ(ReadFileMeta(std::string(10, 'x')).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::dicom
