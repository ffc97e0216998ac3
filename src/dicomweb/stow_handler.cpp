#include "dicomweb/stow_handler.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "dicomweb/media_types.h"
#include "dicomweb/store_outcome.h"
#include "dicomweb/urls.h"
#include "dicomweb/zip_reader.h"
#include "http/error_status.h"
#include "http/media_type.h"
#include "http/multipart.h"

namespace tessera::dicomweb {
namespace {

// Bodies are read in pieces of at most 256 KiB. A small body gets a buffer of
// its own size, left uninitialised: a 2.5 KB instance should not pay for mapping
// and zeroing 256 KiB (that was ~7 % of the CPU of small STOW requests).
class ReadBuffer {
 public:
  explicit ReadBuffer(const http::BodyReader& body)
      : size_(static_cast<std::size_t>(
            std::clamp<std::uint64_t>(body.content_length().value_or(kMax), kMin, kMax))),
        bytes_(std::make_unique_for_overwrite<char[]>(size_)) {}
  std::span<char> span() { return {bytes_.get(), size_}; }
  const char* data() const { return bytes_.get(); }

 private:
  static constexpr std::uint64_t kMin = 16 * 1024;
  static constexpr std::uint64_t kMax = 256 * 1024;
  std::size_t size_;
  std::unique_ptr<char[]> bytes_;
};

bool IsDicomMediaType(std::string_view text) {
  auto type = http::ParseMediaType(text);
  return type && type->Is("application", "dicom");
}

// A received part: its file, or why it was refused before storing.
struct ReceivedPart {
  std::string label;
  std::optional<archive::IncomingFile> file;
  std::optional<Error> refused;
};

// Streams each application/dicom part of a STOW body into its own incoming file.
class StowPartSink final : public http::PartSink {
 public:
  explicit StowPartSink(archive::Archive& archive) : archive_(archive) {}

  Status OnPartBegin(const http::PartHeaders& headers) override {
    ReceivedPart part;
    part.label = "part " + std::to_string(parts_.size() + 1);
    const auto content_type = headers.content_type();
    if (!content_type.empty() && !IsDicomMediaType(content_type)) {
      // Not a DICOM object at all, so "cannot understand" (0xC000) rather than
      // an unsupported SOP class; the label is prefixed where it is reported.
      part.refused = Fail(ErrorCode::kInvalidArgument,
                          "its media type is " + std::string(content_type.substr(0, 100)) +
                              ", not application/dicom");
      parts_.push_back(std::move(part));
      return Ok();
    }
    auto file = archive_.NewIncomingFile();
    if (!file) return std::move(file).error();
    part.file = std::move(*file);
    parts_.push_back(std::move(part));
    return Ok();
  }

  Status OnPartData(std::span<const char> bytes) override {
    auto& part = parts_.back();
    if (!part.file) return Ok();
    return part.file->Write(bytes);
  }

  Status OnPartEnd() override {
    // Past the first few, a received part gives its descriptor back until it is
    // stored: a request of thousands of parts must not use up the process's.
    auto& part = parts_.back();
    if (part.file && parts_.size() > kPartsKeptOpen) part.file->CloseDescriptor();
    return Ok();
  }

  std::vector<ReceivedPart>& parts() { return parts_; }

 private:
  // Opening a file again costs a system call; a typical request stays below this.
  static constexpr std::size_t kPartsKeptOpen = 64;

  archive::Archive& archive_;
  std::vector<ReceivedPart> parts_;
};

// Stores every received file, all in one group commit; blocks (run it on the
// pool). One outcome per part, in order.
std::vector<StoreOutcome> StoreAll(archive::Archive& archive, std::vector<ReceivedPart>& parts,
                                   std::string_view expected_study) {
  std::vector<archive::IncomingFile> files;
  for (auto& part : parts) {
    if (!part.refused) files.push_back(std::move(*part.file));
  }
  auto attempts = archive.TryStoreAll(files, expected_study);
  auto attempt = attempts.begin();
  std::vector<StoreOutcome> outcomes;
  outcomes.reserve(parts.size());
  for (auto& part : parts) {
    StoreOutcome outcome(part.label);
    if (part.refused) {
      outcome.result = *part.refused;
    } else {
      outcome.result = std::move(attempt->result);
      outcome.sop_class_uid = std::move(attempt->sop_class_uid);
      outcome.sop_instance_uid = std::move(attempt->sop_instance_uid);
      ++attempt;
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

std::string_view StatusWord(archive::StoreOutcome outcome) {
  switch (outcome) {
    case archive::StoreOutcome::kStored:
      return "Success";
    case archive::StoreOutcome::kReplaced:
      return "Replaced";
    case archive::StoreOutcome::kKept:
      return "AlreadyStored";
  }
  return "Success";
}

nlohmann::json UploadEntry(const StoreOutcome& outcome, std::string_view root) {
  if (!outcome.result) {
    return {{"File", outcome.label},
            {"Status", "Failure"},
            {"Message", outcome.result.error().message}};
  }
  const auto& stored = *outcome.result;
  nlohmann::json entry = {
      {"Status", StatusWord(stored.outcome)},
      {"SOPInstanceUID", stored.sop_instance_uid},
      {"SOPClassUID", stored.sop_class_uid},
      {"SeriesInstanceUID", stored.series_uid},
      {"StudyInstanceUID", stored.study_uid},
      {"Path", InstanceUrl(root, stored.study_uid, stored.series_uid, stored.sop_instance_uid)}};
  if (!outcome.label.empty()) entry["File"] = outcome.label;
  return entry;
}

// Extracts each zip entry into an incoming file and stores them kBatch at a
// time, in one group commit each: a zipped study pays a few commits, and only a
// bounded number of extracted files wait, open, for theirs.
class ZipStoreSink final : public ZipEntrySink {
 public:
  explicit ZipStoreSink(archive::Archive& archive) : archive_(archive) {}

  bool Begin(std::string_view name, std::uint64_t) override {
    ReceivedPart part;
    part.label = std::string(name);
    auto file = archive_.NewIncomingFile();
    if (!file) {
      part.refused = std::move(file).error();
    } else {
      part.file = std::move(*file);
    }
    batch_.push_back(std::move(part));
    return true;
  }

  Status Data(std::span<const char> bytes) override {
    auto& part = batch_.back();
    if (!part.file) return Ok();
    return part.file->Write(bytes);
  }

  void End(Status status) override {
    auto& part = batch_.back();
    if (!status && !part.refused) {
      part.refused = std::move(status).error();
      part.file.reset();  // deletes the partial file
    }
    if (batch_.size() >= kBatch) StoreBatch();
  }

  // Stores the entries still waiting. Blocks.
  void Finish() { StoreBatch(); }

  std::vector<StoreOutcome>& outcomes() { return outcomes_; }

 private:
  static constexpr std::size_t kBatch = 64;

  void StoreBatch() {
    if (batch_.empty()) return;
    for (auto& outcome : StoreAll(archive_, batch_, "")) outcomes_.push_back(std::move(outcome));
    batch_.clear();
  }

  archive::Archive& archive_;
  std::vector<ReceivedPart> batch_;
  std::vector<StoreOutcome> outcomes_;
};

}  // namespace

http::Awaitable<http::Response> StowHandler::Store(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  // Refused before a byte is stored: the client could not read the answer.
  if (!AcceptsDicomJson(request)) {
    co_return http::Response::Error(http::HttpStatus::not_acceptable,
                                    "STOW-RS answers application/dicom+json only");
  }

  const auto content_type = http::ParseMediaType(request.header("Content-Type"));
  if (!content_type || !content_type->Is("multipart", "related")) {
    co_return http::Response::Error(http::HttpStatus::unsupported_media_type,
                                    "STOW-RS takes multipart/related; type=\"application/dicom\"");
  }
  if (const auto type = content_type->Parameter("type"); type && !IsDicomMediaType(*type)) {
    co_return http::Response::Error(
        http::HttpStatus::unsupported_media_type,
        "only application/dicom parts are supported, not " + std::string(type->substr(0, 100)));
  }
  auto boundary = http::BoundaryFromContentType(request.header("Content-Type"));
  if (!boundary) co_return http::ErrorResponse(boundary.error());

  StowPartSink sink(context_.archive);
  http::MultipartParser parser(std::move(*boundary));
  ReadBuffer buffer(request.body());
  while (true) {
    auto read = co_await request.body().Read(buffer.span());
    if (!read) co_return http::ErrorResponse(read.error());
    if (*read == 0) break;
    if (auto status = parser.Feed({buffer.data(), *read}, sink); !status) {
      co_return http::ErrorResponse(status.error());
    }
  }
  if (auto status = parser.Finish(); !status) co_return http::ErrorResponse(status.error());
  if (sink.parts().empty()) {
    co_return http::Response::Error(http::HttpStatus::bad_request, "the request holds no parts");
  }

  auto outcomes = co_await context_.pool.Run(
      [&] { return StoreAll(context_.archive, sink.parts(), uids->study); });

  const std::string root = DicomwebRoot(context_.options, request);
  auto response = http::Response::Json(static_cast<http::HttpStatus>(StowStatus(outcomes)),
                                       StowResponseJson(outcomes, root), "application/dicom+json");
  for (const auto& outcome : outcomes) {
    if (outcome.result) continue;
    http::AddWarning(response.headers,
                     outcome.label + ": " + http::PublicMessage(outcome.result.error()));
  }
  co_return response;
}

http::Awaitable<http::Response> StowHandler::Upload(http::Request& request) {
  const auto declared = http::ParseMediaType(request.header("Content-Type"));
  if (declared && declared->type == "multipart") {
    co_return http::Response::Error(http::HttpStatus::unsupported_media_type,
                                    "send one DICOM file or a zip as the body; use " +
                                        context_.options.dicomweb_path +
                                        "/studies for multipart/related");
  }

  auto incoming = context_.archive.NewIncomingFile();
  if (!incoming) co_return http::ErrorResponse(incoming.error());
  ReadBuffer buffer(request.body());
  bool is_zip = false;
  bool first = true;
  while (true) {
    auto read = co_await request.body().Read(buffer.span());
    if (!read) co_return http::ErrorResponse(read.error());
    if (*read == 0) break;
    if (first) is_zip = LooksLikeZip({buffer.data(), *read});
    first = false;
    if (auto status = incoming->Write({buffer.data(), *read}); !status) {
      co_return http::ErrorResponse(status.error());
    }
  }
  if (incoming->size() == 0) {
    co_return http::Response::Error(http::HttpStatus::bad_request, "the request body is empty");
  }

  const std::string root = DicomwebRoot(context_.options, request);
  if (!is_zip) {
    auto stored = co_await context_.pool.Run(
        [&] { return context_.archive.Store(std::move(*incoming), ""); });
    if (!stored) co_return http::ErrorResponse(stored.error());
    const StoreOutcome outcome("", std::move(*stored));
    co_return http::Response::Json(http::HttpStatus::ok, UploadEntry(outcome, root).dump());
  }

  // A zip: read it from the incoming file (which is then discarded), storing each entry.
  ZipStoreSink sink(context_.archive);
  const ZipLimits limits{context_.options.max_zip_expanded_bytes, 1'000'000};
  auto status = co_await context_.pool.Run([&] {
    auto read = ReadZip(incoming->path(), limits, sink);
    sink.Finish();
    return read;
  });
  if (!status) co_return http::ErrorResponse(status.error());
  if (sink.outcomes().empty()) {
    co_return http::Response::Error(http::HttpStatus::bad_request,
                                    "the zip archive holds no files");
  }
  auto entries = nlohmann::json::array();
  for (const auto& outcome : sink.outcomes()) entries.push_back(UploadEntry(outcome, root));
  co_return http::Response::Json(
      static_cast<http::HttpStatus>(StowStatus(sink.outcomes())),
      entries.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tessera::dicomweb
