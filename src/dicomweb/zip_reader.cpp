#include "dicomweb/zip_reader.h"

#include <memory>
#include <string>
#include <vector>

#include <zip.h>

namespace tessera::dicomweb {
namespace {

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

bool IsSkipped(std::string_view name) {
  if (name.empty() || name.back() == '/') return true;  // a directory
  if (name.starts_with("__MACOSX/")) return true;
  const auto slash = name.rfind('/');
  const auto base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return base.starts_with("._") || base == ".DS_Store";
}

}  // namespace

bool LooksLikeZip(std::span<const char> bytes) {
  return bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
}

Status ReadZip(const std::filesystem::path& path, const ZipLimits& limits, ZipEntrySink& sink) {
  int error = 0;
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open(path.c_str(), ZIP_RDONLY, &error));
  if (!archive) return Fail(ErrorCode::kInvalidArgument, "the body is not a readable zip archive");

  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  if (count < 0) return Fail(ErrorCode::kInvalidArgument, "the zip archive has no directory");
  if (static_cast<std::uint64_t>(count) > limits.max_entries) {
    return Fail(ErrorCode::kTooLarge, "the zip archive has too many entries");
  }
  // Sum the declared sizes first, so that an archive past the limit is refused
  // before any entry is stored; reading then holds each entry to its declared size.
  struct Entry {
    zip_int64_t index;
    std::string name;
    std::uint64_t size;
  };
  std::vector<Entry> entries;
  std::uint64_t expanded = 0;
  for (zip_int64_t index = 0; index < count; ++index) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), index, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME)) {
      continue;
    }
    if (IsSkipped(stat.name)) continue;
    const std::uint64_t size = (stat.valid & ZIP_STAT_SIZE) ? stat.size : 0;
    // Compared before adding: declared sizes near 2^64 would wrap the sum.
    if (size > limits.max_expanded_bytes - expanded) {
      return Fail(ErrorCode::kTooLarge, "the zip archive expands past the upload limit");
    }
    expanded += size;
    entries.push_back(Entry{index, stat.name, size});
  }
  std::vector<char> buffer(256 * 1024);
  for (const auto& [index, name, size] : entries) {
    if (!sink.Begin(name, size)) continue;
    std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive.get(), index, 0));
    if (!file) {
      sink.End(Fail(ErrorCode::kInvalidArgument,
                    "cannot read the entry (encrypted or unsupported compression)"));
      continue;
    }
    Status status = Ok();
    std::uint64_t read_total = 0;
    while (status) {
      const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) {
        status = Fail(ErrorCode::kInvalidArgument, "the entry is corrupt");
        break;
      }
      if (n == 0) break;
      read_total += static_cast<std::uint64_t>(n);
      // The declared size bounds what a lying header can make us write.
      if (read_total > size) {
        status = Fail(ErrorCode::kInvalidArgument, "the entry is longer than declared");
        break;
      }
      status = sink.Data({buffer.data(), static_cast<std::size_t>(n)});
    }
    sink.End(std::move(status));
  }
  return Ok();
}

}  // namespace tessera::dicomweb
