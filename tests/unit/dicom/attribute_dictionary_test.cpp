#include "dicom/attribute_dictionary.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <gtest/gtest.h>

namespace tessera::dicom {
namespace {

TEST(AttributeDictionaryTest, DictionaryIsLoadedWithoutEnvironment) {
  EXPECT_TRUE(EnsureDataDictionary());
}

// In a fresh process (the death-test child), a wrong DCMDICTPATH makes DCMTK's own
// loading fail; the library must still find Debian's dicom.dic by itself.
TEST(AttributeDictionaryDeathTest, LoadsTheDictionaryWhenDcmdictpathIsWrong) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("DCMDICTPATH", "/nonexistent/dicom.dic", 1);
        const bool dcmtk_loaded_it = dcmDataDict.isDictionaryLoaded();
        const auto info = LookupAttribute("PatientName");
        std::exit(!dcmtk_loaded_it && info && info->tag == 0x00100010 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(AttributeDictionaryTest, LookupAttributeFindsKeyword) {
  const auto info = LookupAttribute("PatientName");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->tag, 0x00100010u);
  EXPECT_EQ(info->vr, "PN");
  EXPECT_EQ(info->keyword, "PatientName");

  const auto study = LookupAttribute("StudyInstanceUID");
  ASSERT_TRUE(study);
  EXPECT_EQ(study->tag, 0x0020000Du);
  EXPECT_EQ(study->vr, "UI");
}

// The keyword index must answer exactly as DCMTK's own (slow) lookup by name.
TEST(AttributeDictionaryTest, KeywordLookupAgreesWithDcmtkForEveryEntry) {
  ASSERT_TRUE(EnsureDataDictionary());
  std::vector<std::string> keywords;
  {
    DcmDataDictionary& dictionary = dcmDataDict.wrlock();
    for (auto it = dictionary.normalBegin(); it != dictionary.normalEnd(); ++it) {
      if ((*it)->getTagName() != nullptr) keywords.emplace_back((*it)->getTagName());
    }
    for (auto it = dictionary.repeatingBegin(); it != dictionary.repeatingEnd(); ++it) {
      if ((*it)->getTagName() != nullptr) keywords.emplace_back((*it)->getTagName());
    }
    dcmDataDict.wrunlock();
  }
  ASSERT_GT(keywords.size(), 4000u);
  for (const std::string& keyword : keywords) {
    const DcmDataDictionary& dictionary = dcmDataDict.rdlock();
    const DcmDictEntry* entry = dictionary.findEntry(keyword.c_str());
    std::optional<AttributeInfo> expected;
    if (entry != nullptr && !entry->isRepeating()) {
      expected = AttributeInfo{(std::uint32_t{entry->getGroup()} << 16) | entry->getElement(),
                               entry->getVR().getValidVRName(), entry->getTagName()};
    }
    dcmDataDict.rdunlock();
    const auto found = LookupAttribute(keyword);
    ASSERT_EQ(found.has_value(), expected.has_value()) << keyword;
    if (!found) continue;
    // Private dictionaries repeat names; any private answer is as good as DCMTK's.
    if (expected->tag >> 16 & 1) continue;
    EXPECT_EQ(found->tag, expected->tag) << keyword;
    EXPECT_EQ(found->vr, expected->vr) << keyword;
  }
}

TEST(AttributeDictionaryTest, LookupAttributeAcceptsHexTagsInAnyCase) {
  const auto upper = LookupAttribute("0020000D");
  const auto lower = LookupAttribute("0020000d");
  ASSERT_TRUE(upper);
  ASSERT_TRUE(lower);
  EXPECT_EQ(upper->tag, 0x0020000Du);
  EXPECT_EQ(lower->tag, 0x0020000Du);
  EXPECT_EQ(lower->keyword, "StudyInstanceUID");
  EXPECT_EQ(lower->vr, "UI");
}

TEST(AttributeDictionaryTest, LookupAttributeReportsUnknownTagsAsUn) {
  const auto info = LookupAttribute("00991001");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->tag, 0x00991001u);
  EXPECT_EQ(info->vr, "UN");
  EXPECT_EQ(info->keyword, "");
}

TEST(AttributeDictionaryTest, LookupAttributeRejectsUnknownKeywordsAndMalformedTags) {
  EXPECT_FALSE(LookupAttribute("NoSuchAttribute"));
  EXPECT_FALSE(LookupAttribute("patientname"));  // keywords are case-sensitive
  EXPECT_FALSE(LookupAttribute(""));
  EXPECT_FALSE(LookupAttribute("0010001"));
  EXPECT_FALSE(LookupAttribute("0010001G"));
  EXPECT_FALSE(LookupAttribute("(0010,0010)"));
  // Repeating-group keywords have no single tag.
  EXPECT_FALSE(LookupAttribute("OverlayData"));
}

TEST(AttributeDictionaryTest, KeywordOfAndVrOf) {
  EXPECT_EQ(KeywordOf(0x00080060), "Modality");
  EXPECT_EQ(KeywordOf(0x00100020), "PatientID");
  EXPECT_EQ(KeywordOf(0x00991001), "");
  EXPECT_EQ(VrOf(0x00280010), "US");
  EXPECT_EQ(VrOf(0x00080020), "DA");
  EXPECT_EQ(VrOf(0x00400275), "SQ");
  EXPECT_EQ(VrOf(0x00991001), "UN");
  // Ambiguous dictionary VRs map to a standard VR.
  EXPECT_EQ(VrOf(0x00280106).size(), 2u);  // SmallestImagePixelValue: "US or SS"
  EXPECT_NE(VrOf(0x7FE00010), "ox");
}

TEST(AttributeDictionaryTest, IsValidUidFollowsPs35) {
  EXPECT_TRUE(IsValidUid("1.2.840.10008.1.2.1"));
  EXPECT_TRUE(IsValidUid("0"));
  EXPECT_TRUE(IsValidUid("1.0.2"));
  EXPECT_TRUE(IsValidUid(std::string(64, '1')));

  EXPECT_FALSE(IsValidUid(""));
  EXPECT_FALSE(IsValidUid(std::string(65, '1')));
  EXPECT_FALSE(IsValidUid("1.02.3"));  // leading zero
  EXPECT_FALSE(IsValidUid("1..2"));    // empty component
  EXPECT_FALSE(IsValidUid(".1.2"));
  EXPECT_FALSE(IsValidUid("1.2."));
  EXPECT_FALSE(IsValidUid("1.2.a"));
  EXPECT_FALSE(IsValidUid("1.2 "));
  EXPECT_FALSE(IsValidUid(std::string_view("1.2\0", 4)));
}

TEST(AttributeDictionaryTest, TagHexRoundTrips) {
  EXPECT_EQ(TagToHex(0x7FE00010), "7FE00010");
  EXPECT_EQ(TagToHex(0x00100010), "00100010");
  EXPECT_EQ(TagToHex(0xFFFEE000), "FFFEE000");
  EXPECT_EQ(ParseHexTag("7fe00010"), 0x7FE00010u);
  EXPECT_EQ(ParseHexTag("FFFFFFFF"), 0xFFFFFFFFu);
  EXPECT_FALSE(ParseHexTag("+7FE0010"));
  EXPECT_FALSE(ParseHexTag("7FE000100"));
}

}  // namespace
}  // namespace tessera::dicom
