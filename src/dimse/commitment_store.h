#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dimse/storage_commitment.h"

namespace tessera::dimse {

// Storage commitment requests accepted and not reported yet, kept one file each
// in a folder, so that a restart (or a crash) does not lose a request the
// modality was told succeeded: the N-ACTION is answered only after its file is
// on disk, and the file is removed once the report is delivered or given up.
// Files hold the peer's AE title and the request as JSON. Thread-safe (each call
// touches its own file; Load runs before any other call).
class CommitmentStore {
 public:
  // `folder` empty: keeps nothing (Keep returns an empty path, Load nothing).
  explicit CommitmentStore(std::filesystem::path folder);

  // Writes `request` for the peer `ae_title` (fsynced, folder too) and returns
  // its file; on an error nothing is left behind. Errors: kIo, kStorageFull.
  Result<std::filesystem::path> Keep(std::string_view ae_title,
                                     const CommitmentRequest& request) const;

  // Removes a kept file; a failure is logged (the report would be sent again
  // after a restart, which the modality takes as a repeat).
  void Forget(const std::filesystem::path& file) const;

  struct Kept {
    std::string ae_title;  // the peer the report goes to, as it asked
    CommitmentRequest request;
    std::filesystem::path file;  // for Forget
  };
  // Every kept request, oldest first; creates the folder if missing. A file that
  // is not a request is logged and renamed `<name>.unreadable` (left for a
  // person to look at); one that cannot be read now (an I/O error) is logged
  // and left for the next start; left-over temporary files are removed.
  // Errors: kIo when the folder cannot be made or listed.
  Result<std::vector<Kept>> Load() const;

 private:
  std::filesystem::path folder_;
};

// The file's text for a request, and back (kInvalidArgument when malformed);
// public for tests.
std::string CommitmentFileText(std::string_view ae_title, const CommitmentRequest& request);
Result<CommitmentStore::Kept> ParseCommitmentFile(std::string_view text);

}  // namespace tessera::dimse
