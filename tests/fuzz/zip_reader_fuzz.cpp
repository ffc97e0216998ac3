// Feeds a zip upload (an in-memory file) to dicomweb::ReadZip
// (dicomweb/zip_reader.h, libzip underneath) with small limits. Checks what the
// header promises: no directory, "__MACOSX/" or "._" entry reaches the sink; an
// entry's bytes never exceed its declared size; and the bytes of all entries
// together never exceed ZipLimits::max_expanded_bytes (the zip bomb bound).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dicomweb/zip_reader.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr std::uint64_t kMaxExpanded = 1 << 20;

class CountingSink final : public tessera::dicomweb::ZipEntrySink {
 public:
  bool Begin(std::string_view name, std::uint64_t size) override {
    FUZZ_CHECK(!name.empty() && !name.ends_with('/') && !name.starts_with("__MACOSX/"));
    const auto slash = name.rfind('/');
    const auto base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    FUZZ_CHECK(!base.starts_with("._"));
    declared_ = size;
    entry_bytes_ = 0;
    return true;
  }
  tessera::Status Data(std::span<const char> bytes) override {
    entry_bytes_ += bytes.size();
    total_bytes_ += bytes.size();
    FUZZ_CHECK(entry_bytes_ <= declared_);
    FUZZ_CHECK(total_bytes_ <= kMaxExpanded);
    return tessera::Ok();
  }
  void End(tessera::Status status) override { (void)status; }

 private:
  std::uint64_t declared_ = 0;
  std::uint64_t entry_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = tessera::fuzz::AsText(data, size);
  (void)tessera::dicomweb::LooksLikeZip(std::span<const char>(bytes.data(), bytes.size()));
  const tessera::fuzz::MemoryFile file(bytes);
  tessera::dicomweb::ZipLimits limits;
  limits.max_expanded_bytes = kMaxExpanded;
  limits.max_entries = 64;
  CountingSink sink;
  (void)tessera::dicomweb::ReadZip(file.path(), limits, sink);
  return 0;
}
