#include "client/stow_body.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace tessera::bench {
namespace {

// Long and odd enough never to appear inside generated DICOM files.
constexpr char kBoundary[] = "tessera-bench-7f3c9a1e5b2d4806";

}  // namespace

MultipartBody::MultipartBody(std::span<const FileEntry> files, const std::string& boundary)
    : content_type_("multipart/related; type=\"application/dicom\"; boundary=" + boundary) {
  for (const FileEntry& file : files) {
    BodyPiece head;
    head.literal = "--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n";
    size_ += head.literal.size();
    pieces_.push_back(std::move(head));
    pieces_.push_back(BodyPiece{.literal = {}, .file = &file});
    size_ += file.size;
    ++part_count_;
    pieces_.push_back(BodyPiece{.literal = "\r\n", .file = nullptr});
    size_ += 2;
  }
  BodyPiece tail;
  tail.literal = "--" + boundary + "--\r\n";
  size_ += tail.literal.size();
  pieces_.push_back(std::move(tail));
}

std::vector<FileEntry> LoadFileList(const std::filesystem::path& list) {
  std::ifstream in(list);
  if (!in) throw std::runtime_error("cannot read file list " + list.string());
  std::vector<FileEntry> files;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::filesystem::path path = line;
    if (path.is_relative()) path = list.parent_path() / path;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error("cannot stat " + path.string() + ": " + ec.message());
    files.push_back(FileEntry{std::move(path), size});
  }
  return files;
}

std::vector<MultipartBody> SplitIntoBodies(std::span<const FileEntry> files,
                                           std::size_t per_request) {
  std::vector<MultipartBody> bodies;
  for (std::size_t begin = 0; begin < files.size(); begin += per_request) {
    const std::size_t count = std::min(per_request, files.size() - begin);
    bodies.emplace_back(files.subspan(begin, count), kBoundary);
  }
  return bodies;
}

}  // namespace tessera::bench
