#include "dicomweb/media_types.h"

#include <gtest/gtest.h>

namespace tessera::dicomweb {
namespace {

constexpr std::string_view kJpegBaseline = "1.2.840.10008.1.2.4.50";
constexpr std::string_view kJpeg2000 = "1.2.840.10008.1.2.4.90";
constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

class NoBody final : public http::BodyReader {
 public:
  http::Awaitable<Result<std::size_t>> Read(std::span<char>) override { co_return 0; }
  std::optional<std::uint64_t> content_length() const override { return 0; }
};

class MediaTypesTest : public ::testing::Test {
 protected:
  http::Request& Make(std::string_view accept, std::string target = "/x") {
    http::Fields fields;
    if (!accept.empty()) fields.set("Accept", accept);
    request_ = std::make_unique<http::Request>(http::Verb::get, "GET", std::move(target), fields,
                                               "127.0.0.1", true, body_);
    EXPECT_TRUE(request_->ParseTarget());
    return *request_;
  }

  NoBody body_;
  std::unique_ptr<http::Request> request_;
};

bool Never(std::string_view, std::string_view) { return false; }
bool Always(std::string_view, std::string_view) { return true; }

TEST_F(MediaTypesTest, NoAcceptMeansMultipartDicomInExplicitLittleEndianOrAsStored) {
  auto rep = NegotiateInstances(Make(""), false);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->kind, InstancesRepresentation::Kind::kMultipartDicom);
  EXPECT_TRUE(rep->syntax.defaulted);
  EXPECT_EQ(rep->syntax.Choose(kJpegBaseline, Always), kExplicitVrLittleEndian);
  // Without a decoder, a client with no preference still gets the file.
  EXPECT_EQ(rep->syntax.Choose(kJpeg2000, Never), kJpeg2000);
}

TEST_F(MediaTypesTest, AHeaderThatRefusesEverythingItNamesIsNotAcceptable) {
  EXPECT_TRUE(AcceptedRanges(Make("application/dicom+json;q=0")).empty());
  EXPECT_FALSE(AcceptsDicomJson(Make("application/dicom+json;q=0")));
  EXPECT_FALSE(NegotiateInstances(Make("multipart/related;q=0"), false));
  EXPECT_FALSE(NegotiateRendered(Make("image/jpeg;q=0")));
  // A header with nothing usable in it says nothing: anything goes.
  EXPECT_TRUE(AcceptsDicomJson(Make(",")));
}

// RFC 9110 12.5.1: the most specific range gives a type its quality, so a q=0
// range refuses what it names even where a wider range would admit it.
TEST_F(MediaTypesTest, AZeroQualityRangeRefusesWhatAWiderRangeAdmits) {
  EXPECT_EQ(NegotiateRendered(Make("*/*, image/jpeg;q=0")).value_or(""), "image/png");
  EXPECT_EQ(NegotiateRendered(Make("image/*, image/png;q=0")).value_or(""), "image/jpeg");
  EXPECT_EQ(NegotiateRendered(Make("*/*;q=0.5, image/png")).value_or(""), "image/png");
  EXPECT_FALSE(NegotiateRendered(Make("*/*, image/*;q=0")));

  EXPECT_FALSE(AcceptsDicomJson(Make("*/*, application/dicom+json;q=0")));
  EXPECT_TRUE(AcceptsDicomJson(Make("application/json, application/dicom+json;q=0")));
  EXPECT_TRUE(AcceptsDicomJson(Make("*/*, application/json;q=0")));

  using Kind = InstancesRepresentation::Kind;
  auto study = NegotiateInstances(Make("*/*, multipart/related;q=0"), false);
  ASSERT_TRUE(study);
  EXPECT_EQ(study->kind, Kind::kZip);
  auto instance = NegotiateInstances(Make("*/*, multipart/*;q=0"), true);
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->kind, Kind::kSingleDicom);
  EXPECT_FALSE(NegotiateInstances(Make("*/*, multipart/related;q=0, application/zip;q=0"), false));
  // A range with a transfer-syntax refuses that syntax's range only.
  auto multipart = NegotiateInstances(
      Make("*/*, multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.3;q=0"), false);
  ASSERT_TRUE(multipart);
  EXPECT_EQ(multipart->kind, Kind::kMultipartDicom);

  EXPECT_FALSE(NegotiateFrames(Make("*/*, multipart/related;q=0"), kExplicitVrLittleEndian));
}

TEST_F(MediaTypesTest, BulkDataIsMultipartUnlessASingleBodyIsAskedForOrTheOnlyOneLeft) {
  EXPECT_TRUE(NegotiateBulkData(Make(""))->multipart);
  EXPECT_TRUE(NegotiateBulkData(Make("*/*"))->multipart);
  EXPECT_TRUE(
      NegotiateBulkData(Make("multipart/related; type=\"application/octet-stream\""))->multipart);
  EXPECT_FALSE(NegotiateBulkData(Make("application/octet-stream"))->multipart);
  EXPECT_FALSE(NegotiateBulkData(Make("*/*, multipart/related;q=0"))->multipart);
  const auto refused = NegotiateBulkData(Make("image/png"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotAcceptable);
  EXPECT_FALSE(NegotiateBulkData(Make("multipart/related; type=\"image/png\"")));
}

TEST_F(MediaTypesTest, TransferSyntaxStarSendsAsStored) {
  for (const auto* accept :
       {"multipart/related; type=\"application/dicom\"; transfer-syntax=*",
        "multipart/related; type=application/dicom; transfer-syntax=*",
        "multipart/related;type=\"application/dicom\";transfer-syntax=*, */*;q=0.5"}) {
    auto rep = NegotiateInstances(Make(accept), false);
    ASSERT_TRUE(rep) << accept;
    EXPECT_TRUE(rep->syntax.any) << accept;
    EXPECT_EQ(rep->syntax.Choose(kJpeg2000, Never), kJpeg2000);
  }
}

TEST_F(MediaTypesTest, ExplicitSyntaxThatCannotBeProducedIsRefused) {
  auto rep = NegotiateInstances(
      Make("multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1"),
      false);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->syntax.Choose(kJpeg2000, Never).has_value());
  EXPECT_EQ(rep->syntax.Choose(kExplicitVrLittleEndian, Never), kExplicitVrLittleEndian);
}

TEST_F(MediaTypesTest, LaterRangesWidenTheChoice) {
  auto rep = NegotiateInstances(
      Make("multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1, "
           "multipart/related; type=\"application/dicom\"; transfer-syntax=*;q=0.5"),
      false);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->syntax.Choose(kJpeg2000, Never), kJpeg2000);
  EXPECT_EQ(rep->syntax.Choose(kJpegBaseline, Always), kExplicitVrLittleEndian);
}

TEST_F(MediaTypesTest, ZipAndSingleDicomDependOnTheTarget) {
  auto zip = NegotiateInstances(Make("application/zip"), false);
  ASSERT_TRUE(zip);
  EXPECT_EQ(zip->kind, InstancesRepresentation::Kind::kZip);
  auto single = NegotiateInstances(Make("application/dicom"), true);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->kind, InstancesRepresentation::Kind::kSingleDicom);
  EXPECT_FALSE(NegotiateInstances(Make("application/dicom"), false));
  auto refused = NegotiateInstances(Make("application/dicom+xml"), false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotAcceptable);
}

TEST_F(MediaTypesTest, QueryAcceptParameterWinsOverHeader) {
  auto rep = NegotiateInstances(Make("application/dicom+xml", "/x?accept=application%2Fzip"), false);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->kind, InstancesRepresentation::Kind::kZip);
}

TEST_F(MediaTypesTest, FramesAsOhifAsksForThem) {
  auto as_stored = NegotiateFrames(
      Make("multipart/related; type=application/octet-stream; transfer-syntax=*"), kJpegBaseline);
  ASSERT_TRUE(as_stored);
  EXPECT_TRUE(as_stored->multipart);
  EXPECT_TRUE(as_stored->as_stored);

  auto uncompressed =
      NegotiateFrames(Make("multipart/related; type=\"application/octet-stream\"; "
                           "transfer-syntax=1.2.840.10008.1.2.1"),
                      kJpegBaseline);
  ASSERT_TRUE(uncompressed);
  EXPECT_FALSE(uncompressed->as_stored);

  auto jpeg = NegotiateFrames(Make("multipart/related; type=\"image/jpeg\""), kJpegBaseline);
  ASSERT_TRUE(jpeg);
  EXPECT_TRUE(jpeg->as_stored);

  auto wrong = NegotiateFrames(Make("multipart/related; type=\"image/jls\""), kJpegBaseline);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kNotAcceptable);

  auto any = NegotiateFrames(Make(""), kJpegBaseline);
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->defaulted);

  auto single = NegotiateFrames(Make("application/octet-stream"), kExplicitVrLittleEndian);
  ASSERT_TRUE(single);
  EXPECT_FALSE(single->multipart);
}

TEST_F(MediaTypesTest, HighThroughputJpeg2000FramesAsStored) {
  constexpr std::string_view kHtj2k = "1.2.840.10008.1.2.4.201";
  auto htj2k = NegotiateFrames(Make("multipart/related; type=\"image/jphc\""), kHtj2k);
  ASSERT_TRUE(htj2k);
  EXPECT_TRUE(htj2k->as_stored);
  auto by_syntax =
      NegotiateFrames(Make("multipart/related; type=application/octet-stream; transfer-syntax=" +
                           std::string(kHtj2k)),
                      kHtj2k);
  ASSERT_TRUE(by_syntax);
  EXPECT_TRUE(by_syntax->as_stored);
}

TEST_F(MediaTypesTest, RenderedPrefersJpegAndAcceptsPng) {
  EXPECT_EQ(NegotiateRendered(Make("")).value_or(""), "image/jpeg");
  EXPECT_EQ(NegotiateRendered(Make("image/png")).value_or(""), "image/png");
  EXPECT_EQ(NegotiateRendered(Make("image/png;q=0.5, image/jpeg")).value_or(""), "image/jpeg");
  EXPECT_FALSE(NegotiateRendered(Make("image/gif")));
}

TEST_F(MediaTypesTest, DicomJsonAcceptance) {
  EXPECT_TRUE(AcceptsDicomJson(Make("")));
  EXPECT_TRUE(AcceptsDicomJson(Make("application/dicom+json")));
  EXPECT_TRUE(AcceptsDicomJson(Make("application/json, text/plain")));
  EXPECT_TRUE(AcceptsDicomJson(Make("*/*")));
  EXPECT_FALSE(AcceptsDicomJson(Make("application/dicom+xml")));
}

TEST_F(MediaTypesTest, CharsetUtf8IsAlwaysMet) {
  EXPECT_TRUE(AcceptsDicomJson(Make("application/dicom+json; charset=utf-8")));
  EXPECT_TRUE(AcceptsDicomJson(Make("application/json;charset=UTF-8")));
  EXPECT_FALSE(AcceptsDicomJson(Make("application/json; charset=iso-8859-1")));
  EXPECT_EQ(NegotiateRendered(Make("image/png; charset=utf-8")).value_or(""), "image/png");
}

TEST_F(MediaTypesTest, MediaTypeOfTransferSyntax) {
  EXPECT_EQ(MediaTypeOfSyntax(kJpegBaseline), "image/jpeg");
  EXPECT_EQ(MediaTypeOfSyntax("1.2.840.10008.1.2.4.80"), "image/jls");
  EXPECT_EQ(MediaTypeOfSyntax(kJpeg2000), "image/jp2");
  EXPECT_EQ(MediaTypeOfSyntax("1.2.840.10008.1.2.5"), "image/dicom-rle");
  EXPECT_EQ(MediaTypeOfSyntax(kExplicitVrLittleEndian), "application/octet-stream");
  EXPECT_EQ(MediaTypeOfSyntax("1.2.840.10008.1.2.4.201"), "image/jphc");
  EXPECT_EQ(MediaTypeOfSyntax("1.2.840.10008.1.2.4.108"), "video/H265");
  EXPECT_EQ(MediaTypeOfSyntax("1.2.3.4"), "application/octet-stream");
  EXPECT_TRUE(IsEncapsulated(kJpegBaseline));
  EXPECT_FALSE(IsEncapsulated("1.2.840.10008.1.2"));
  EXPECT_FALSE(IsEncapsulated("1.2.3.4"));
}

// Every encapsulated syntax has its own media type: the frames of one are never
// offered as application/octet-stream, which means native pixels.
TEST_F(MediaTypesTest, EncapsulatedSyntaxesHaveAnImageOrVideoType) {
  for (const std::string_view uid :
       {"1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.104"}) {
    EXPECT_TRUE(IsEncapsulated(uid)) << uid;
    EXPECT_NE(MediaTypeOfSyntax(uid), "application/octet-stream") << uid;
  }
  EXPECT_EQ(MediaTypeOfSyntax("1.2.840.10008.1.2.4.55"), "image/jpeg");
}

}  // namespace
}  // namespace tessera::dicomweb
