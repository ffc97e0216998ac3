#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tessera::bench {

// A file to send, with its size taken once when the list is loaded.
struct FileEntry {
  std::filesystem::path path;
  std::uint64_t size = 0;
};

// One piece of a request body: literal bytes, or a whole file streamed from disk.
struct BodyPiece {
  std::string literal;
  const FileEntry* file = nullptr;  // borrowed from the list the body was made from
};

// A multipart/related; type="application/dicom" STOW-RS body made of whole files,
// described as pieces so it is streamed (sendfile on plain TCP), never held in memory.
class MultipartBody {
 public:
  // REQUIRES: `files` outlives the body; `boundary` does not occur in any file.
  MultipartBody(std::span<const FileEntry> files, const std::string& boundary);

  const std::vector<BodyPiece>& pieces() const { return pieces_; }
  std::uint64_t size() const { return size_; }
  std::size_t part_count() const { return part_count_; }
  const std::string& content_type() const { return content_type_; }

 private:
  std::vector<BodyPiece> pieces_;
  std::uint64_t size_ = 0;
  std::size_t part_count_ = 0;
  std::string content_type_;
};

// Reads a list of file paths (one per line; relative paths are relative to the
// list's folder) and stats each. Throws std::runtime_error naming a missing file.
std::vector<FileEntry> LoadFileList(const std::filesystem::path& list);

// Splits `files` into bodies of at most `per_request` parts each, in order.
// REQUIRES: per_request > 0.
std::vector<MultipartBody> SplitIntoBodies(std::span<const FileEntry> files,
                                           std::size_t per_request);

}  // namespace tessera::bench
