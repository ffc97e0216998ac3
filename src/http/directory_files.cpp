#include "http/directory_files.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/strings.h"
#include "http/etag.h"

namespace tessera::http {

namespace {

using field = beast::http::field;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::size_t kMinHashDigits = 8;

struct TypeByExtension {
  std::string_view extension;  // lower-case, without the dot
  std::string_view content_type;
};

constexpr std::array<TypeByExtension, 28> kContentTypes = {{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"wasm", "application/wasm"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"onnx", "application/octet-stream"},
    {"jsonc", "application/json"},
}};

std::string_view BaseName(std::string_view relative) {
  const auto slash = relative.rfind('/');
  return slash == std::string_view::npos ? relative : relative.substr(slash + 1);
}

// Segments we never serve: they walk the tree, are empty (a//b), or are hidden
// files such as .git or .env that happen to sit in a deployed folder.
bool IsServableSegment(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  return segment.find('\0') == std::string_view::npos;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// FNV-1a: stable across builds and runs, unlike std::hash, so ETags survive restarts.
std::uint64_t Fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string Hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%llx", static_cast<unsigned long long>(value));
  return text;
}

// A read-only mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  MappedFile(int fd, std::size_t size) : size_(size) {
    if (size_ == 0) return;
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data != MAP_FAILED) data_ = data;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }

  bool ok() const { return size_ == 0 || data_ != nullptr; }
  std::string_view bytes() const {
    return data_ == nullptr ? std::string_view{}
                            : std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  void* data_ = nullptr;
  std::size_t size_;
};

bool IsMissing(int error) {
  return error == ENOENT || error == ENOTDIR || error == ELOOP || error == EACCES ||
         error == ENAMETOOLONG || error == ENXIO;
}

}  // namespace

Result<std::shared_ptr<DirectoryFiles>> DirectoryFiles::Open(DirectoryFilesOptions options,
                                                             BlockingPool& pool) {
  std::error_code ec;
  options.root = std::filesystem::absolute(options.root, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot resolve " + options.root.string());
  UniqueFd root(::open(options.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    const int error = errno;
    const ErrorCode code = IsMissing(error) ? ErrorCode::kNotFound : ErrorCode::kIo;
    return Fail(code, options.root.string() + ": " + std::strerror(error));
  }
  return std::make_shared<DirectoryFiles>(Key{}, std::move(options), std::move(root), pool);
}

DirectoryFiles::DirectoryFiles(Key, DirectoryFilesOptions options, UniqueFd root_fd,
                               BlockingPool& pool)
    : options_(std::move(options)), root_fd_(std::move(root_fd)), pool_(pool) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const TextSubstitution& rule : options_.substitutions) {
    assert(!rule.find.empty() && "a substitution needs text to find");
    hash = Fnv1a(Fnv1a(Fnv1a(hash, rule.suffix), rule.find), rule.replace);
    hash = Fnv1a(hash, std::string_view("\0", 1));
  }
  substitution_tag_ = Hex(hash);
}

std::string_view DirectoryFiles::ContentTypeFor(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string extension = ToLowerAscii(name.substr(dot + 1));
  for (const TypeByExtension& entry : kContentTypes) {
    if (entry.extension == extension) return entry.content_type;
  }
  return "application/octet-stream";
}

bool DirectoryFiles::IsHashedName(std::string_view name) {
  const auto parts = Split(name, '.');
  // The last part is the extension, never the hash.
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.size() >= kMinHashDigits && std::all_of(part.begin(), part.end(), IsHexDigit)) {
      return true;
    }
  }
  return false;
}

Handler DirectoryFiles::AsHandler() {
  return [self = shared_from_this()](Request& request) -> Awaitable<Response> {
    co_return co_await self->Serve(request.param("rest"), request);
  };
}

Awaitable<Response> DirectoryFiles::Serve(std::string_view relative, const Request& request) {
  std::string wanted(relative.empty() ? std::string_view(options_.index) : relative);
  // Captures by reference: GCC 12 destroys by-value captures of a lambda
  // temporary in a co_await expression twice.
  auto found = co_await pool_.Run([&] { return Resolve(wanted); });
  const bool is_route =
      !relative.empty() && (BaseName(relative).find('.') == std::string::npos ||
                            request.header("Accept").find("text/html") != std::string_view::npos);
  if (!found && found.error().code == ErrorCode::kNotFound && options_.spa_fallback && is_route) {
    found = co_await pool_.Run([&] { return Resolve(options_.index); });
  }
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) {
      co_return Response::Error(HttpStatus::not_found, "Not found");
    }
    co_return Response::Error(HttpStatus::internal_server_error, "Cannot read the file");
  }
  co_return Answer(*found, request);
}

Result<DirectoryFiles::Found> DirectoryFiles::Resolve(std::string relative) {
  auto fd = OpenBelowRoot(relative);
  if (!fd) return std::move(fd).error();
  struct stat info {};
  if (::fstat(fd->get(), &info) != 0) return Fail(ErrorCode::kIo, std::strerror(errno));
  if (!S_ISREG(info.st_mode)) return Fail(ErrorCode::kNotFound, "not a regular file");
  FileVersion version;
  version.device = info.st_dev;
  version.inode = info.st_ino;
  version.size = static_cast<std::uint64_t>(info.st_size);
  version.mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  auto edits = EditsFor(relative, fd->get(), version);
  return Found{std::move(relative), version, std::move(edits)};
}

Result<UniqueFd> DirectoryFiles::OpenBelowRoot(std::string_view relative) const {
  const auto segments = Split(relative, '/');
  UniqueFd directory;  // owns the folders walked through; the root stays open
  int parent = root_fd_.get();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string name(segments[i]);
    if (!IsServableSegment(name)) return Fail(ErrorCode::kNotFound, "path not served");
    const bool last = i + 1 == segments.size();
    // O_NOFOLLOW refuses a symbolic link in any segment (ELOOP or ENOTDIR);
    // O_NONBLOCK keeps a FIFO from stalling the open.
    const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK : O_DIRECTORY);
    UniqueFd next(::openat(parent, name.c_str(), flags));
    if (!next.valid()) {
      const int error = errno;
      if (IsMissing(error)) return Fail(ErrorCode::kNotFound, "no such file");
      return Fail(ErrorCode::kIo, std::strerror(error));
    }
    if (last) return next;
    directory = std::move(next);
    parent = directory.get();
  }
  return Fail(ErrorCode::kNotFound, "empty path");
}

std::shared_ptr<const std::vector<DirectoryFiles::Edit>> DirectoryFiles::EditsFor(
    const std::string& relative, int fd, const FileVersion& version) {
  const std::string_view name = BaseName(relative);
  const bool applies =
      std::any_of(options_.substitutions.begin(), options_.substitutions.end(),
                  [&](const TextSubstitution& rule) { return name.ends_with(rule.suffix); });
  if (!applies) return nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto plan = plans_.find(relative);
    if (plan != plans_.end() && plan->second.version == version) return plan->second.edits;
  }
  // Scanned outside the lock: two requests for a new file may both scan it,
  // which is cheaper than making every other file wait.
  const MappedFile mapped(fd, version.size);
  if (!mapped.ok()) return nullptr;
  auto edits = std::make_shared<const std::vector<Edit>>(FindEdits(name, mapped.bytes()));
  std::lock_guard lock(mutex_);
  plans_.insert_or_assign(relative, EditPlan{version, edits});
  return edits;
}

std::vector<DirectoryFiles::Edit> DirectoryFiles::FindEdits(std::string_view name,
                                                            std::string_view bytes) const {
  std::vector<Edit> all;
  for (std::size_t rule = 0; rule < options_.substitutions.size(); ++rule) {
    const TextSubstitution& substitution = options_.substitutions[rule];
    if (!name.ends_with(substitution.suffix)) continue;
    const std::string_view find = substitution.find;
    std::size_t from = 0;
    while (from + find.size() <= bytes.size()) {
      // glibc's memmem is vectorised: a 17 MB bundle takes milliseconds.
      const void* hit =
          ::memmem(bytes.data() + from, bytes.size() - from, find.data(), find.size());
      if (hit == nullptr) break;
      const auto offset = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data());
      all.push_back(Edit{offset, find.size(), rule});
      from = offset + find.size();
    }
  }
  std::sort(all.begin(), all.end(), [](const Edit& a, const Edit& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.rule < b.rule;
  });
  std::vector<Edit> kept;
  std::uint64_t covered = 0;  // end of the last kept edit
  for (const Edit& edit : all) {
    if (!kept.empty() && edit.offset < covered) continue;
    kept.push_back(edit);
    covered = edit.offset + edit.length;
  }
  // Rules that replace a text by itself only protected it; nothing to send.
  std::erase_if(kept, [this](const Edit& edit) {
    const TextSubstitution& rule = options_.substitutions[edit.rule];
    return rule.find == rule.replace;
  });
  return kept;
}

Response DirectoryFiles::Answer(const Found& found, const Request& request) const {
  const std::string_view name = BaseName(found.relative);
  const bool edited = found.edits != nullptr && !found.edits->empty();
  std::string etag = "\"" + Hex(found.version.size) + "-" + Hex(found.version.mtime_ns);
  if (edited) etag.append("-").append(substitution_tag_);
  etag.push_back('"');

  const auto add_headers = [&](Fields& headers) {
    headers.set(field::etag, etag);
    headers.set(field::cache_control, IsHashedName(name) ? kImmutable : "no-cache");
    headers.set("X-Content-Type-Options", "nosniff");
  };
  const std::string_view if_none_match = request.header("If-None-Match");
  if (!if_none_match.empty() && EtagListMatches(if_none_match, etag)) {
    Response response = Response::Empty(HttpStatus::not_modified);
    add_headers(response.headers);
    return response;
  }

  const std::filesystem::path path = options_.root / found.relative;
  Segments segments;
  std::uint64_t position = 0;
  if (edited) {
    for (const Edit& edit : *found.edits) {
      if (edit.offset > position)
        segments.push_back(FileRange{path, position, edit.offset - position});
      segments.push_back(options_.substitutions[edit.rule].replace);
      position = edit.offset + edit.length;
    }
  }
  if (found.version.size > position) {
    segments.push_back(FileRange{path, position, found.version.size - position});
  }

  Response response;
  response.status = HttpStatus::ok;
  const std::string_view content_type = ContentTypeFor(name);
  response.headers.set(field::content_type, content_type);
  add_headers(response.headers);
  if (IStartsWith(content_type, "text/html") && !options_.html_security_policy.empty()) {
    response.headers.set("Content-Security-Policy", options_.html_security_policy);
  }
  response.body = std::move(segments);
  return response;
}

}  // namespace tessera::http
