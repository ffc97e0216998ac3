#include "dimse/commitment_store.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <system_error>

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>

#include "base/small_file.h"
#include "dicom/attribute_dictionary.h"

namespace tessera::dimse {
namespace {

constexpr std::string_view kExtension = ".json";
// The largest request's file: kMaxCommitmentItems pairs of 64-character UIDs.
constexpr std::size_t kMaxFileBytes = 32u << 20;

Error Malformed(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

// A name that sorts by creation time and never repeats (the random part
// separates requests kept in the same nanosecond, and runs after a restart).
std::string FreshName() {
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::uint64_t random = 0;
  (void)::getrandom(&random, sizeof(random), 0);
  return fmt::format("{:020d}-{:016x}{}", nanoseconds, random, kExtension);
}

// A file that holds no request stays for a person to look at, out of the way.
void SetAside(const std::filesystem::path& file, const Error& why) {
  auto aside = file;
  aside += ".unreadable";
  std::error_code ec;
  std::filesystem::rename(file, aside, ec);
  spdlog::error("dimse: storage commitment request {} is not a request ({}); {}",
                file.filename().string(), why.message,
                ec ? "cannot rename it: " + ec.message() : "renamed " + aside.filename().string());
}

std::string StringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string CommitmentFileText(std::string_view ae_title, const CommitmentRequest& request) {
  nlohmann::json items = nlohmann::json::array();
  for (const CommitmentItem& item : request.items) {
    items.push_back({item.sop_class_uid, item.sop_instance_uid});
  }
  return nlohmann::json{
      {"peer", ae_title}, {"transaction_uid", request.transaction_uid}, {"items", std::move(items)}}
      .dump();
}

Result<CommitmentStore::Kept> ParseCommitmentFile(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Malformed("not a JSON object");
  CommitmentStore::Kept kept;
  kept.ae_title = StringField(json, "peer");
  if (kept.ae_title.empty() || kept.ae_title.size() > 16) return Malformed("no peer AE title");
  kept.request.transaction_uid = StringField(json, "transaction_uid");
  if (!dicom::IsValidUid(kept.request.transaction_uid)) return Malformed("no transaction UID");
  const auto items = json.find("items");
  if (items == json.end() || !items->is_array() || items->empty() ||
      items->size() > kMaxCommitmentItems) {
    return Malformed("no list of instances");
  }
  for (const nlohmann::json& item : *items) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
      return Malformed("an instance is not a pair of UIDs");
    }
    CommitmentItem parsed{item[0].get<std::string>(), item[1].get<std::string>()};
    if (!dicom::IsValidUid(parsed.sop_class_uid) || !dicom::IsValidUid(parsed.sop_instance_uid)) {
      return Malformed("an instance's UID is not valid");
    }
    kept.request.items.push_back(std::move(parsed));
  }
  return kept;
}

CommitmentStore::CommitmentStore(std::filesystem::path folder) : folder_(std::move(folder)) {}

Result<std::filesystem::path> CommitmentStore::Keep(std::string_view ae_title,
                                                    const CommitmentRequest& request) const {
  if (folder_.empty()) return std::filesystem::path();
  auto file = folder_ / FreshName();
  if (auto written = WriteFileAtomically(file, CommitmentFileText(ae_title, request), 0600);
      !written) {
    // The write may have failed after its rename (the folder's fsync): the
    // N-ACTION is refused, so no report may follow at the next start.
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    return std::move(written).error();
  }
  return file;
}

void CommitmentStore::Forget(const std::filesystem::path& file) const {
  if (file.empty()) return;
  std::error_code ec;
  if (!std::filesystem::remove(file, ec) && ec) {
    spdlog::error("dimse: cannot remove {} (its report would go again after a restart): {}",
                  file.string(), ec.message());
  }
}

Result<std::vector<CommitmentStore::Kept>> CommitmentStore::Load() const {
  std::vector<Kept> kept;
  if (folder_.empty()) return kept;
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot create " + folder_.string() + ": " + ec.message());
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(folder_, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto& path = it->path();
    const std::string name = path.filename().string();
    if (name.starts_with('.') && name.ends_with(".tmp")) {
      std::error_code ignored;  // a write a crash cut short: never acknowledged
      std::filesystem::remove(path, ignored);
    } else if (path.extension() == kExtension) {
      files.push_back(path);
    }
  }
  if (ec) return Fail(ErrorCode::kIo, "cannot list " + folder_.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto text = ReadSmallFile(file, kMaxFileBytes);
    if (!text && text.error().code != ErrorCode::kTooLarge) {
      spdlog::error(
          "dimse: storage commitment request {} cannot be read now ({}); left for the "
          "next start",
          file.filename().string(), text.error().message);
      continue;
    }
    auto parsed = text ? ParseCommitmentFile(*text) : Result<Kept>(text.error());
    if (!parsed) {
      SetAside(file, parsed.error());
      continue;
    }
    parsed->file = file;
    kept.push_back(std::move(*parsed));
  }
  return kept;
}

}  // namespace tessera::dimse
