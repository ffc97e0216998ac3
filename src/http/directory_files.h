#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "http/blocking_pool.h"
#include "http/router.h"

namespace tessera::http {

// A literal edit made while serving: in files whose name ends with `suffix`,
// every occurrence of `find` is sent as `replace`. This adapts a prebuilt web
// app to the path it is mounted at (a webpack public path, absolute <script>
// URLs) without copying its files. At one position the first listed rule that
// matches wins, so a rule replacing a text by itself protects it from a later,
// shorter rule (`href="//` before `href="/`).
struct TextSubstitution {
  std::string suffix;  // e.g. ".js"; compared case-sensitively
  std::string find;    // non-empty
  std::string replace;
};

struct DirectoryFilesOptions {
  std::filesystem::path root;
  // Sent for an empty path, and for SPA fallbacks.
  std::string index = "index.html";
  // When a path names no file and either its last segment has no '.' or the
  // client asks for HTML (a navigation), answer with the index instead of 404:
  // single-page apps route such paths in the browser.
  bool spa_fallback = false;
  std::vector<TextSubstitution> substitutions;
  // Sent as Content-Security-Policy with HTML files; empty: none.
  std::string html_security_policy;
};

// Serves the regular files below a folder, for GET and HEAD.
//
// Only files below the root are reachable: a path is resolved one segment at a
// time with openat(O_NOFOLLOW), so symbolic links below the root are refused
// (the root itself may be one), as are empty, ".", ".." and hidden (".name")
// segments. Answers carry a Content-Type chosen by extension, an ETag made of
// size and modification time, "X-Content-Type-Options: nosniff", and
// "Cache-Control: public, max-age=31536000, immutable" for names that hold a
// content hash (app.bundle.0f61…e9.js) or "no-cache" otherwise; If-None-Match
// gets 304. Bodies are FileRange segments, so plain HTTP sends them with
// sendfile(2); substitutions become string segments between ranges, found once
// per file version (cached by inode, size and mtime). Files are opened again by
// path when sent, so the folder must not be writable by untrusted users.
//
// File-system work runs on the BlockingPool. Thread-safe.
class DirectoryFiles : public std::enable_shared_from_this<DirectoryFiles> {
 public:
  // Opens the root. Errors: kNotFound when it is missing or not a folder, kIo.
  // `pool` must outlive the object.
  static Result<std::shared_ptr<DirectoryFiles>> Open(DirectoryFilesOptions options,
                                                      BlockingPool& pool);

  // Public for std::make_shared; only Open can make a Key, so every object
  // comes from Open with its root checked and open.
  class Key {
    friend class DirectoryFiles;
    Key() = default;
  };
  DirectoryFiles(Key, DirectoryFilesOptions options, UniqueFd root_fd, BlockingPool& pool);
  DirectoryFiles(const DirectoryFiles&) = delete;
  DirectoryFiles& operator=(const DirectoryFiles&) = delete;

  // The answer for `relative` (decoded, '/'-separated, no leading '/'; empty
  // means the index): 200, 304, or 404 JSON.
  Awaitable<Response> Serve(std::string_view relative, const Request& request);

  // A handler for a route ending in "{*rest}" that serves the capture "rest".
  // The handler shares ownership of this object.
  Handler AsHandler();

  // The media type sent for a file name, by extension; application/octet-stream
  // when unknown.
  static std::string_view ContentTypeFor(std::string_view name);

  // True when a file name carries a content hash (a run of at least 8 hex
  // digits between dots), i.e. its contents never change under that name.
  static bool IsHashedName(std::string_view name);

 private:
  struct Edit {
    std::uint64_t offset;
    std::uint64_t length;  // of the text replaced
    std::size_t rule;      // index into options_.substitutions
  };
  struct FileVersion {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileVersion&) const = default;
  };
  struct EditPlan {
    FileVersion version;
    std::shared_ptr<const std::vector<Edit>> edits;
  };
  // A resolved file, ready to answer with.
  struct Found {
    std::string relative;
    FileVersion version;
    std::shared_ptr<const std::vector<Edit>> edits;  // null or empty: sent as is
  };

  // Runs on the pool. Errors: kNotFound (missing, not a regular file, refused path), kIo.
  Result<Found> Resolve(std::string relative);
  Result<UniqueFd> OpenBelowRoot(std::string_view relative) const;
  std::shared_ptr<const std::vector<Edit>> EditsFor(const std::string& relative, int fd,
                                                    const FileVersion& version);
  std::vector<Edit> FindEdits(std::string_view name, std::string_view bytes) const;
  Response Answer(const Found& found, const Request& request) const;

  DirectoryFilesOptions options_;
  UniqueFd root_fd_;
  BlockingPool& pool_;
  std::string substitution_tag_;  // distinguishes ETags of edited files

  std::mutex mutex_;
  std::map<std::string, EditPlan, std::less<>> plans_;  // by relative path; guarded by mutex_
};

}  // namespace tessera::http
