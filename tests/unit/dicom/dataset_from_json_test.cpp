#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>

#include "dicom/dataset_json.h"
#include "dicom/dicom_file.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using nlohmann::json;
using testing::CharsetFile;
using testing::TestFile;

json MetadataOf(const std::filesystem::path& path) {
  auto file = LoadPart10File(path);
  EXPECT_TRUE(file);
  if (!file) return {};
  auto metadata = DatasetToJson(*(*file)->getDataset(), JsonOptions{"/bulk/", 1024});
  EXPECT_TRUE(metadata);
  return metadata ? *metadata : json();
}

// Elements that cannot survive the trip: bulk data (skipped on the way back, so
// empty) and the character set (decided from the text).
json WithoutBulkDataAndCharset(json metadata) {
  metadata.erase("00080005");
  for (auto& [key, value] : metadata.items()) {
    if (value.contains("BulkDataURI")) value.erase("BulkDataURI");
    if (value["vr"] == "SQ" && value.contains("Value")) {
      for (auto& item : value["Value"]) item = WithoutBulkDataAndCharset(item);
    }
  }
  return metadata;
}

json RoundTrip(const json& metadata) {
  auto dataset = DatasetFromJson(metadata);
  EXPECT_TRUE(dataset) << (dataset ? "" : dataset.error().message);
  if (!dataset) return {};
  auto back = DatasetToJson(**dataset, JsonOptions{"/bulk/", 1024});
  EXPECT_TRUE(back);
  return back ? *back : json();
}

TEST(DatasetFromJsonTest, RoundTripsRealDataSets) {
  for (std::string_view name : {"CT_small.dcm", "rtplan.dcm", "test-SR.dcm", "liver_1frame.dcm",
                                "waveform_ecg.dcm", "JPEG-lossy.dcm", "reportsi.dcm"}) {
    SCOPED_TRACE(name);
    const json original = WithoutBulkDataAndCharset(MetadataOf(TestFile(name)));
    EXPECT_EQ(WithoutBulkDataAndCharset(RoundTrip(original)), original);
  }
}

TEST(DatasetFromJsonTest, SetsUtf8CharacterSetOnlyForNonAsciiText) {
  const json japanese = MetadataOf(CharsetFile("chrH31.dcm"));
  auto dataset = DatasetFromJson(japanese);
  ASSERT_TRUE(dataset);
  OFString charset;
  ASSERT_TRUE((*dataset)->findAndGetOFString(DCM_SpecificCharacterSet, charset).good());
  EXPECT_EQ(charset, "ISO_IR 192");
  OFString name;
  ASSERT_TRUE((*dataset)->findAndGetOFStringArray(DCM_PatientName, name).good());
  EXPECT_EQ(std::string(name.c_str()), "Yamada^Tarou=山田^太郎=やまだ^たろう");

  auto ascii =
      DatasetFromJson(json::parse(R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^J"}]},
                                               "00080005":{"vr":"CS","Value":["ISO_IR 100"]}})"));
  ASSERT_TRUE(ascii);
  EXPECT_FALSE((*ascii)->tagExists(DCM_SpecificCharacterSet));
}

TEST(DatasetFromJsonTest, BuildsTypedElements) {
  const json input = json::parse(R"({
    "00080020": {"vr": "DA", "Value": ["20240102"]},
    "00080061": {"vr": "CS", "Value": ["CT", null, "MR"]},
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "A^B", "Phonetic": "c^d"}]},
    "00181150": {"vr": "IS", "Value": [1601, "12"]},
    "00280030": {"vr": "DS", "Value": [0.30000000000000004, 2]},
    "00280010": {"vr": "US", "Value": [512]},
    "00280120": {"vr": "SS", "Value": [-2000]},
    "00280009": {"vr": "AT", "Value": ["00540010"]},
    "00189087": {"vr": "FD", "Value": ["Infinity"]},
    "00431029": {"vr": "OB", "InlineBinary": "AAECAw=="},
    "7FE00010": {"vr": "OW", "BulkDataURI": "http://example/bulk"},
    "00400275": {"vr": "SQ", "Value": [{"00401001": {"vr": "SH", "Value": ["RP1"]}}, {}]},
    "00100020": {"vr": "LO"}
  })");
  auto dataset = DatasetFromJson(input);
  ASSERT_TRUE(dataset) << dataset.error().message;
  DcmDataset& d = **dataset;
  OFString text;
  EXPECT_TRUE(d.findAndGetOFStringArray(DCM_ModalitiesInStudy, text).good());
  EXPECT_EQ(text, "CT\\\\MR");
  EXPECT_TRUE(d.findAndGetOFStringArray(DCM_PatientName, text).good());
  EXPECT_EQ(text, "A^B==c^d");
  EXPECT_TRUE(d.findAndGetOFStringArray(DCM_ExposureTime, text).good());
  EXPECT_EQ(text, "1601\\12");
  EXPECT_TRUE(d.findAndGetOFStringArray(DCM_PixelSpacing, text).good());
  EXPECT_EQ(text, "0.3\\2");  // DS is at most 16 characters
  Uint16 rows = 0;
  EXPECT_TRUE(d.findAndGetUint16(DCM_Rows, rows).good());
  EXPECT_EQ(rows, 512);
  Sint16 padding = 0;
  EXPECT_TRUE(d.findAndGetSint16(DCM_PixelPaddingValue, padding).good());
  EXPECT_EQ(padding, -2000);
  DcmElement* at = nullptr;
  ASSERT_TRUE(d.findAndGetElement(DCM_FrameIncrementPointer, at).good());
  DcmTagKey pointer;
  EXPECT_TRUE(at->getTagVal(pointer).good());
  EXPECT_EQ(pointer, DcmTagKey(0x0054, 0x0010));
  Float64 b_value = 0;
  EXPECT_TRUE(d.findAndGetFloat64(DCM_DiffusionBValue, b_value).good());
  EXPECT_TRUE(std::isinf(b_value));
  const Uint8* bytes = nullptr;
  unsigned long count = 0;
  EXPECT_TRUE(d.findAndGetUint8Array(DcmTagKey(0x0043, 0x1029), bytes, &count).good());
  ASSERT_EQ(count, 4u);
  EXPECT_EQ(bytes[3], 3);
  EXPECT_TRUE(d.tagExists(DCM_PixelData));
  EXPECT_FALSE(d.tagExistsWithValue(DCM_PixelData));
  EXPECT_TRUE(d.tagExists(DCM_PatientID));
  DcmItem* item = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_RequestAttributesSequence, item, 0).good());
  EXPECT_TRUE(item->findAndGetOFString(DCM_RequestedProcedureID, text).good());
  EXPECT_EQ(text, "RP1");
  EXPECT_TRUE(d.findAndGetSequenceItem(DCM_RequestAttributesSequence, item, 1).good());
}

TEST(DatasetFromJsonTest, KeepsAUidValueThatLooksLikeADcmtkName) {
  // DCMTK's UI putString reads "=Name" as a named UID; a stored value, however
  // malformed, must come back as it was (C-FIND answers are built from it).
  for (const char* value : {"=NoSuchName", "=CTImageStorage"}) {
    const json input = {{"0008010C", {{"vr", "UI"}, {"Value", {value}}}}};
    auto dataset = DatasetFromJson(input);
    ASSERT_TRUE(dataset) << value << ": " << dataset.error().message;
    OFString text;
    EXPECT_TRUE((*dataset)->findAndGetOFString(DCM_CodingSchemeUID, text).good());
    EXPECT_EQ(text, value);
  }
}

TEST(DatasetFromJsonTest, ReadsBackAValueThatDoesNotFitItsVr) {
  // An OL of 2 bytes (the Long Primitive Point Index List, 0066,0040) after a
  // data set DCMTK wrote: DCMTK reads the file, and its metadata must read back,
  // as the stored metadata answers C-FIND.
  testing::TempDir dir;
  DcmFileFormat file;
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_SOPClassUID, "1.2.3").good());
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4").good());
  ASSERT_TRUE(file.saveFile((dir / "ol.dcm").c_str(), EXS_LittleEndianExplicit).good());
  std::string bytes = testing::ReadBytes(dir / "ol.dcm");
  bytes.append("\x66\x00\x40\x00OL\x00\x00\x02\x00\x00\x00\xAB\xCD", 14);
  testing::WriteBytes(dir / "ol.dcm", bytes);

  const json metadata = MetadataOf(dir / "ol.dcm");
  ASSERT_TRUE(metadata.contains("00660040"));
  EXPECT_EQ(metadata["00660040"], json::parse(R"({"vr":"UN","InlineBinary":"q80="})"));
  auto dataset = DatasetFromJson(metadata);
  ASSERT_TRUE(dataset) << dataset.error().message;
  DcmElement* element = nullptr;
  ASSERT_TRUE((*dataset)->findAndGetElement(DcmTagKey(0x0066, 0x0040), element).good());
  EXPECT_EQ(element->getLength(), 2u);

  // A well-formed OL keeps its VR.
  const json four = {{"00660040", {{"vr", "OL"}, {"InlineBinary", "q80AAA=="}}}};
  EXPECT_EQ(RoundTrip(four), four);
  // Metadata stored before such values went out as UN still reads back, as UN.
  const json stored = {{"00660040", {{"vr", "OL"}, {"InlineBinary", "q80="}}}};
  EXPECT_EQ(RoundTrip(stored), json::parse(R"({"00660040":{"vr":"UN","InlineBinary":"q80="}})"));
}

TEST(DatasetFromJsonTest, RejectsMalformedInputNamingTheTag) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"([])", "item is not an object"},
      {R"({"0010001":{"vr":"PN"}})", "invalid attribute key '0010001'"},
      {R"({"00100010":"Doe"})", "00100010: attribute is not an object"},
      {R"({"00100010":{"Value":["x"]}})", "00100010: missing vr"},
      {R"({"00100010":{"vr":"XX"}})", "00100010: unknown vr"},
      {R"({"00280010":{"vr":"US","Value":["abc"]}})", "00280010: value is not an integer in range"},
      {R"({"00280010":{"vr":"US","Value":[70000]}})", "00280010: value is not an integer in range"},
      {R"({"00280010":{"vr":"US","Value":512}})", "00280010: Value is not an array"},
      {R"({"00181150":{"vr":"IS","Value":[1.5]}})",
       "00181150: value has the wrong type for its vr"},
      {R"({"00181150":{"vr":"IS","Value":[1e19]}})",
       "00181150: value has the wrong type for its vr"},
      {R"({"00181150":{"vr":"IS","Value":[-1e300]}})",
       "00181150: value has the wrong type for its vr"},
      {R"({"00100020":{"vr":"LO","Value":[{"a":1}]}})",
       "00100020: value has the wrong type for its vr"},
      {R"({"00280009":{"vr":"AT","Value":["0054"]}})", "00280009: AT value is not GGGGEEEE"},
      {R"({"00431029":{"vr":"OB","InlineBinary":"!!"}})", "00431029: InlineBinary is not base64"},
      {R"({"00081115":{"vr":"SQ","InlineBinary":""}})",
       "00081115: InlineBinary for a vr that is not binary"},
      {R"({"00280010":{"vr":"US","InlineBinary":"AAA="}})",
       "00280010: InlineBinary for a vr that is not binary"},
      {R"({"00431029":{"vr":"OB","InlineBinary":5}})", "00431029: InlineBinary is not a string"},
      {R"({"00400275":{"vr":"SQ","Value":[{"0040100":{"vr":"SH"}}]}})",
       "invalid attribute key '0040100'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    const auto dataset = DatasetFromJson(json::parse(c.json));
    ASSERT_FALSE(dataset);
    EXPECT_EQ(dataset.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(dataset.error().message, c.message);
  }
}

}  // namespace
}  // namespace tessera::dicom
