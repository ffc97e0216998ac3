#include "dicom/dataset_json.h"

#include <dcmtk/dcmdata/dcvrsv.h>
#include <dcmtk/dcmdata/dcvruv.h>
#include <gtest/gtest.h>

#include "base/strings.h"
#include "dicom/base64.h"
#include "dicom/dicom_file.h"
#include "test_support.h"

namespace tessera::dicom {
namespace {

using nlohmann::json;
using testing::CharsetFile;
using testing::TestFile;

json JsonOf(const std::filesystem::path& path, JsonOptions options = {"/bulk/", 1024}) {
  auto file = LoadPart10File(path);
  EXPECT_TRUE(file) << (file ? "" : file.error().message);
  if (!file) return {};
  auto metadata = DatasetToJson(*(*file)->getDataset(), options);
  EXPECT_TRUE(metadata) << (metadata ? "" : metadata.error().message);
  return metadata ? *metadata : json();
}

json JsonOf(DcmItem& item) {
  auto metadata = DatasetToJson(item, JsonOptions{"/bulk/", 16});
  EXPECT_TRUE(metadata) << (metadata ? "" : metadata.error().message);
  return metadata ? *metadata : json();
}

// The PN groups joined back with '=', as pydicom prints a decoded name.
std::string JoinedName(const json& name) {
  std::string joined = name.value("Alphabetic", "");
  if (name.contains("Ideographic") || name.contains("Phonetic")) {
    joined += "=" + name.value("Ideographic", "");
  }
  if (name.contains("Phonetic")) joined += "=" + name.value("Phonetic", "");
  return joined;
}

TEST(DatasetJsonTest, CtSmallHasTypedValues) {
  json m = JsonOf(TestFile("CT_small.dcm"));
  EXPECT_EQ(m["00100010"],
            json::parse(R"({"vr":"PN","Value":[{"Alphabetic":"CompressedSamples^CT1"}]})"));
  EXPECT_EQ(m["00080060"], json::parse(R"({"vr":"CS","Value":["CT"]})"));
  EXPECT_EQ(m["00080008"]["Value"], json::parse(R"(["ORIGINAL","PRIMARY","AXIAL"])"));
  // IS and DS are numbers.
  EXPECT_EQ(m["00200013"], json::parse(R"({"vr":"IS","Value":[1]})"));
  EXPECT_EQ(m["00280030"], json::parse(R"({"vr":"DS","Value":[0.661468,0.661468]})"));
  EXPECT_EQ(m["00200032"]["Value"], json::parse("[-158.135803,-179.035797,-75.699997]"));
  // Binary integers, signed and unsigned.
  EXPECT_EQ(m["00280010"], json::parse(R"({"vr":"US","Value":[128]})"));
  EXPECT_EQ(m["00280120"], json::parse(R"({"vr":"SS","Value":[-2000]})"));
  // FL keeps the float's shortest decimal form.
  EXPECT_EQ(m["00271041"]["vr"], "FL");
  EXPECT_EQ(m["00271041"]["Value"][0].get<double>(), -77.20406);
  // Empty elements have a vr and no Value.
  EXPECT_EQ(m["00080090"], json::parse(R"({"vr":"PN"})"));
  EXPECT_EQ(m["00100030"], json::parse(R"({"vr":"DA"})"));
}

TEST(DatasetJsonTest, BulkDataAndInlineBinary) {
  json m = JsonOf(TestFile("CT_small.dcm"));
  EXPECT_EQ(m["7FE00010"], json::parse(R"({"vr":"OW","BulkDataURI":"/bulk/7FE00010"})"));
  // A 46-byte private OB is inline.
  ASSERT_TRUE(m["0043102A"].contains("InlineBinary"));
  EXPECT_EQ(m["0043102A"]["vr"], "OB");
  const auto bytes = Base64Decode(m["0043102A"]["InlineBinary"].get<std::string>());
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->substr(0, 7), std::string("CT01\0\0\0", 7));
  EXPECT_EQ(bytes->substr(7, 12), "HiSpeed CT/i");

  // With a smaller threshold the same OB becomes bulk data; Pixel Data never inlines.
  json small = JsonOf(TestFile("CT_small.dcm"), JsonOptions{"x:", 8});
  EXPECT_EQ(small["0043102A"], json::parse(R"({"vr":"OB","BulkDataURI":"x:0043102A"})"));
  json huge = JsonOf(TestFile("CT_small.dcm"), JsonOptions{"x:", 1u << 30});
  EXPECT_EQ(huge["7FE00010"]["BulkDataURI"], "x:7FE00010");
}

TEST(DatasetJsonTest, KeysAreSortedUpperHexWithoutGroupLengthsMetaOrPadding) {
  json m = JsonOf(TestFile("CT_small.dcm"));
  std::string previous;
  for (const auto& [key, value] : m.items()) {
    EXPECT_EQ(key.size(), 8u);
    EXPECT_EQ(key, ToUpperAscii(key));
    EXPECT_GT(key, previous);
    EXPECT_NE(key.substr(4), "0000") << "group length " << key;
    EXPECT_FALSE(key.starts_with("0002")) << "File Meta " << key;
    EXPECT_TRUE(value.contains("vr")) << key;
    previous = key;
  }
  EXPECT_FALSE(m.contains("FFFCFFFC"));  // Data Set Trailing Padding
}

TEST(DatasetJsonTest, PrivateElementsKeepTheirCreators) {
  json m = JsonOf(TestFile("CT_small.dcm"));
  EXPECT_EQ(m["00090010"], json::parse(R"({"vr":"LO","Value":["GEMS_IDEN_01"]})"));
  EXPECT_EQ(m["00091001"], json::parse(R"({"vr":"LO","Value":["GE_GENESIS_FF"]})"));
  EXPECT_EQ(m["00091027"], json::parse(R"({"vr":"SL","Value":[862399669]})"));
  EXPECT_EQ(m["00431012"], json::parse(R"({"vr":"SS","Value":[14,2,3]})"));
}

TEST(DatasetJsonTest, SequencesAreArraysOfItems) {
  json ct = JsonOf(TestFile("CT_small.dcm"));
  EXPECT_EQ(ct["00101002"], json::parse(R"({"vr":"SQ","Value":[
      {"00100020":{"vr":"LO","Value":["ABCD1234"]},"00100022":{"vr":"CS","Value":["TEXT"]}},
      {"00100020":{"vr":"LO","Value":["1234ABCD"]},"00100022":{"vr":"CS","Value":["TEXT"]}}]})"));

  json plan = JsonOf(TestFile("rtplan.dcm"));
  json& beams = plan["300A00B0"];
  ASSERT_EQ(beams["vr"], "SQ");
  ASSERT_EQ(beams["Value"].size(), 1u);
  json& control_points = beams["Value"][0]["300A0111"];
  ASSERT_EQ(control_points["Value"].size(), 2u);
  json& devices = control_points["Value"][0]["300A011A"]["Value"][0];
  EXPECT_EQ(devices["300A00B8"], json::parse(R"({"vr":"CS","Value":["X"]})"));
  EXPECT_EQ(devices["300A011C"], json::parse(R"({"vr":"DS","Value":[-100.0,100.0]})"));
  json& referenced = plan["300A0070"]["Value"][0]["300C0004"]["Value"][0];
  EXPECT_EQ(referenced["300A0084"]["Value"][0], 1.0275401);
  EXPECT_EQ(referenced["300C0006"], json::parse(R"({"vr":"IS","Value":[1]})"));
}

TEST(DatasetJsonTest, BulkDataInsideItemsGetsATagPath) {
  json m = JsonOf(TestFile("waveform_ecg.dcm"));
  json& waveforms = m["54000100"]["Value"];
  ASSERT_EQ(waveforms.size(), 2u);
  EXPECT_EQ(waveforms[0]["54001010"],
            json::parse(R"({"vr":"OW","BulkDataURI":"/bulk/54000100/0/54001010"})"));
  EXPECT_EQ(waveforms[1]["54001010"]["BulkDataURI"], "/bulk/54000100/1/54001010");
  EXPECT_EQ(waveforms[0]["54001004"], json::parse(R"({"vr":"US","Value":[16]})"));
}

TEST(DatasetJsonTest, AttributeTagsAreHexStrings) {
  json jpeg = JsonOf(TestFile("JPEG-lossy.dcm"));
  EXPECT_EQ(jpeg["00280009"], json::parse(R"({"vr":"AT","Value":["00540010","00540020"]})"));
  json dose = JsonOf(TestFile("rtdose.dcm"));
  EXPECT_EQ(dose["00280009"], json::parse(R"({"vr":"AT","Value":["3004000C"]})"));
  json seg = JsonOf(TestFile("liver_1frame.dcm"));
  json& index = seg["00209222"]["Value"];
  ASSERT_GE(index.size(), 2u);
  EXPECT_EQ(index[0]["00209165"]["Value"][0], "0062000B");
}

TEST(DatasetJsonTest, MalformedNumbersStayAsText) {
  // badVR.dcm has NumberOfFrames "1A".
  json m = JsonOf(TestFile("badVR.dcm"));
  EXPECT_EQ(m["00280008"], json::parse(R"({"vr":"IS","Value":["1A"]})"));
  EXPECT_EQ(m["3004000E"], json::parse(R"({"vr":"DS","Value":[1e-06]})"));
  EXPECT_NO_THROW(m.dump());
}

struct CharsetCase {
  std::string_view file;
  std::string_view patient_name;  // as pydicom decodes it (charset_files/FileInfo.txt)
};

TEST(DatasetJsonTest, ConvertsEveryCharacterSetToUtf8) {
  const CharsetCase cases[] = {
      {"chrArab.dcm", "قباني^لنزار"},
      {"chrFren.dcm", "Buc^Jérôme"},
      {"chrFrenMulti.dcm", "Buc^Jérôme"},
      {"chrGerm.dcm", "Äneas^Rüdiger"},
      {"chrGreek.dcm", "Διονυσιος"},
      {"chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう"},
      {"chrH32.dcm", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"},
      {"chrHbrw.dcm", "שרון^דבורה"},
      {"chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동"},
      {"chrJapMulti.dcm", "やまだ^たろう"},
      {"chrJapMultiExplicitIR6.dcm", "やまだ^たろう"},
      {"chrKoreanMulti.dcm", "김희중"},
      {"chrRuss.dcm", "Люкceмбypг"},
      {"chrX1.dcm", "Wang^XiaoDong=王^小東"},
      {"chrX2.dcm", "Wang^XiaoDong=王^小东"},  // GB18030
  };
  for (const CharsetCase& c : cases) {
    SCOPED_TRACE(c.file);
    json m = JsonOf(CharsetFile(c.file));
    EXPECT_EQ(m["00080005"], json::parse(R"({"vr":"CS","Value":["ISO_IR 192"]})"));
    ASSERT_EQ(m["00100010"]["vr"], "PN");
    EXPECT_EQ(JoinedName(m["00100010"]["Value"][0]), c.patient_name);
    EXPECT_TRUE(IsValidUtf8(m.dump()));
  }
}

TEST(DatasetJsonTest, ConvertsOtherTextVrsAndMultipleValues) {
  json multi = JsonOf(CharsetFile("chrFrenMulti.dcm"));
  EXPECT_EQ(multi["00101000"], json::parse(R"({"vr":"LO","Value":["eggs","spam"]})"));
  json japanese = JsonOf(CharsetFile("chrJapMulti.dcm"));
  EXPECT_EQ(japanese["00081030"], json::parse(R"({"vr":"LO","Value":["Chest"]})"));
}

TEST(DatasetJsonTest, ItemsUseTheirOwnCharacterSet) {
  // The item declares ISO 2022 IR 13 + IR 87 inside an ISO_IR 192 data set.
  json own = JsonOf(CharsetFile("chrSQEncoding.dcm"));
  json& item = own["00321064"]["Value"][0];
  EXPECT_EQ(JoinedName(item["00100010"]["Value"][0]), "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
  EXPECT_EQ(item["00080005"]["Value"][0], "ISO_IR 192");
  // Here the item inherits the data set's ISO 2022 character sets.
  json inherited = JsonOf(CharsetFile("chrSQEncoding1.dcm"));
  EXPECT_EQ(JoinedName(inherited["00321064"]["Value"][0]["00100010"]["Value"][0]),
            "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
}

TEST(DatasetJsonTest, ConvertsSingleByteKatakanaAndChineseCodeExtensions) {
  DcmDataset katakana;
  katakana.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 13");
  katakana.putAndInsertString(DCM_PatientName, "\xD4\xCF\xC0\xDE^\xC0\xDB\xB3");
  EXPECT_EQ(JsonOf(katakana)["00100010"]["Value"][0]["Alphabetic"], "ﾔﾏﾀﾞ^ﾀﾛｳ");

  // PS3.5 Annex K: GB 2312 through ISO 2022 IR 58 (ESC $ ) A into G1).
  DcmDataset chinese;
  chinese.putAndInsertString(DCM_SpecificCharacterSet, "\\ISO 2022 IR 58");
  chinese.putAndInsertString(DCM_PatientName,
                             "Zhang^XiaoDong=\x1B$)A\xD5\xC5^\x1B$)A\xD0\xA1\xB6\xAB=");
  EXPECT_EQ(JoinedName(JsonOf(chinese)["00100010"]["Value"][0]), "Zhang^XiaoDong=张^小东");
}

TEST(DatasetJsonTest, FallsBackToLatin1WhenTextCannotBeConverted) {
  DcmDataset unknown_charset;
  unknown_charset.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 999");
  unknown_charset.putAndInsertString(DCM_PatientName, "J\xE9r\xF4me^Bucc");
  json m = JsonOf(unknown_charset);
  EXPECT_EQ(m["00100010"]["Value"][0]["Alphabetic"], "Jérôme^Bucc");
  EXPECT_EQ(m["00080005"]["Value"][0], "ISO_IR 192");

  DcmDataset bad_utf8;
  bad_utf8.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  bad_utf8.putAndInsertString(DCM_StudyDescription, "Caf\xE9");
  m = JsonOf(bad_utf8);
  EXPECT_EQ(m["00081030"]["Value"][0], "Café");

  // No character set declared, but the bytes are valid UTF-8: keep them and say so.
  DcmDataset undeclared;
  undeclared.putAndInsertString(DCM_PatientName, "Ren\xC3\xA9");
  m = JsonOf(undeclared);
  EXPECT_EQ(m["00100010"]["Value"][0]["Alphabetic"], "René");
  EXPECT_EQ(m["00080005"]["Value"][0], "ISO_IR 192");
  EXPECT_NO_THROW(m.dump());

  // ISO 2022 with an escape sequence nobody defines.
  DcmDataset bad_escape;
  bad_escape.putAndInsertString(DCM_SpecificCharacterSet, "\\ISO 2022 IR 87");
  bad_escape.putAndInsertString(DCM_PatientName, "A\x1B$Z\xFF");
  m = JsonOf(bad_escape);
  EXPECT_EQ(m["00100010"]["Value"][0]["Alphabetic"], "A\x1B$Z\xC3\xBF");
}

TEST(DatasetJsonTest, NumberAndStringEdgeCases) {
  DcmDataset d;
  d.putAndInsertString(DCM_ImageType, "A\\\\B");                   // CS with an empty value
  d.putAndInsertString(DCM_ImageComments, "one\\two  ");           // LT is single-valued
  d.putAndInsertString(DCM_InstanceNumber, " +7 ");                // IS with padding and sign
  d.putAndInsertString(DCM_SliceThickness, "1.5e400");             // DS overflow stays text
  d.putAndInsertString(DCM_SliceLocation, "NaN");                  // not a JSON number
  d.putAndInsertString(DCM_PixelSpacing, ".5\\-2.");               // DS shorthand forms
  d.putAndInsertString(DCM_SeriesNumber, "99999999999999999999");  // beyond 64 bits
  d.putAndInsertString(DCM_RetrieveURL, "http://x/a\\b");          // UR is single-valued
  d.putAndInsertString(DCM_ReferringPhysicianName, "Doe^John\\Roe^Jane=ドウ");
  d.putAndInsertFloat32(DCM_RecommendedDisplayFrameRateInFloat, std::nanf(""));
  d.putAndInsertFloat64(DCM_DiffusionBValue, -INFINITY);
  json m = JsonOf(d);
  EXPECT_EQ(m["00080008"]["Value"], json::parse(R"(["A",null,"B"])"));
  EXPECT_EQ(m["00204000"]["Value"], json::parse(R"(["one\\two"])"));
  EXPECT_EQ(m["00200013"]["Value"], json::parse("[7]"));
  EXPECT_EQ(m["00180050"]["Value"], json::parse(R"(["1.5e400"])"));
  EXPECT_EQ(m["00201041"]["Value"], json::parse(R"(["NaN"])"));
  EXPECT_EQ(m["00280030"]["Value"], json::parse("[0.5,-2.0]"));
  EXPECT_EQ(m["00200011"]["Value"], json::parse(R"(["99999999999999999999"])"));
  EXPECT_EQ(m["00081190"]["Value"], json::parse(R"(["http://x/a\\b"])"));
  EXPECT_EQ(
      m["00080090"]["Value"],
      json::parse(R"([{"Alphabetic":"Doe^John"},{"Alphabetic":"Roe^Jane","Ideographic":"ドウ"}])"));
  EXPECT_EQ(m["00089459"]["Value"], json::parse(R"(["NaN"])"));
  EXPECT_EQ(m["00189087"]["Value"], json::parse(R"(["-Infinity"])"));
  EXPECT_NO_THROW(m.dump());
}

TEST(DatasetJsonTest, VeryLongIntegersBeyondTwoToThe53AreStrings) {
  DcmDataset d;
  auto* sv = new DcmSigned64bitVeryLong(DcmTag(0x0011, 0x1001, EVR_SV));
  sv->putSint64(-(Sint64{1} << 60), 0);
  sv->putSint64(42, 1);
  d.insert(sv);
  auto* uv = new DcmUnsigned64bitVeryLong(DcmTag(0x0011, 0x1002, EVR_UV));
  uv->putUint64(Uint64{1} << 53, 0);
  uv->putUint64((Uint64{1} << 53) - 1, 1);
  d.insert(uv);
  json m = JsonOf(d);
  EXPECT_EQ(m["00111001"], json::parse(R"({"vr":"SV","Value":["-1152921504606846976",42]})"));
  EXPECT_EQ(m["00111002"],
            json::parse(R"({"vr":"UV","Value":["9007199254740992",9007199254740991]})"));
}

TEST(DatasetJsonTest, EveryReadableTestFileGivesValidJson) {
  for (const auto& entry : std::filesystem::directory_iterator(TESSERA_PYDICOM_TEST_FILES)) {
    if (entry.path().extension() != ".dcm") continue;
    auto file = LoadPart10File(entry.path());
    if (!file) continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto metadata = DatasetToJson(*(*file)->getDataset(), JsonOptions{"/b/", 64});
    ASSERT_TRUE(metadata) << metadata.error().message;
    EXPECT_NO_THROW(metadata->dump());
  }
}

}  // namespace
}  // namespace tessera::dicom
