#include "dicom/dicom_file.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace tessera::dicom {
namespace {

using testing::ReadBytes;
using testing::TempDir;
using testing::TestFile;
using testing::WriteBytes;

TEST(DicomFileTest, LeavesPixelDataOnDisk) {
  auto file = LoadPart10File(TestFile("CT_small.dcm"));
  ASSERT_TRUE(file) << file.error().message;
  DcmElement* pixels = nullptr;
  ASSERT_TRUE((*file)->getDataset()->findAndGetElement(DCM_PixelData, pixels).good());
  EXPECT_EQ(pixels->getLength(), 128u * 128u * 2u);
  EXPECT_FALSE(pixels->valueLoaded());
  DcmElement* name = nullptr;
  ASSERT_TRUE((*file)->getDataset()->findAndGetElement(DCM_PatientName, name).good());
  EXPECT_TRUE(name->valueLoaded());
}

TEST(DicomFileTest, ReadsTheFileMeta) {
  auto file = LoadPart10File(TestFile("MR_small_RLE.dcm"));
  ASSERT_TRUE(file);
  OFString syntax;
  ASSERT_TRUE((*file)->getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax).good());
  EXPECT_EQ(syntax, "1.2.840.10008.1.2.5");
  EXPECT_EQ((*file)->getDataset()->getOriginalXfer(), EXS_RLELossless);
}

TEST(DicomFileTest, RejectsAPreambleWithoutFileMeta) {
  TempDir dir;
  // Preamble and "DICM" followed directly by a data set element (group 0008).
  std::string bytes(128, '\0');
  bytes += "DICM";
  bytes += std::string("\x08\x00\x60\x00\x43\x53\x02\x00\x43\x54", 10);  // (0008,0060) CS "CT"
  WriteBytes(dir / "no_meta_group.dcm", bytes);
  const auto file = LoadPart10File(dir / "no_meta_group.dcm");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument);
}

TEST(DicomFileTest, ReportsPrematureEndInsideASequence) {
  // rtplan_truncated.dcm ends inside a nested item.
  const auto file = LoadPart10File(TestFile("rtplan_truncated.dcm"));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message, "truncated DICOM file");
}

TEST(DicomFileTest, DeflatedFilesAreNotMistakenForTruncated) {
  const auto file = LoadPart10File(TestFile("image_dfl.dcm"));
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ((*file)->getDataset()->getOriginalXfer(), EXS_DeflatedLittleEndianExplicit);
}

}  // namespace
}  // namespace tessera::dicom
