#pragma once

#include <vector>

#include "archive/archive.h"
#include "archive/blob_store.h"
#include "base/result.h"
#include "db/database.h"

namespace tessera::archive {

// Reads what retrieval needs about a scope (Archive::Instances and
// Archive::Metadata) from the reader connections. Thread-safe.
class ScopeReader {
 public:
  ScopeReader(db::Database& db, const BlobStore& blobs) : db_(db), blobs_(blobs) {}

  // See Archive::Instances. Errors: kNotFound, kInvalidArgument (no study UID,
  // or an instance without its series).
  Result<std::vector<InstanceRef>> Instances(const Scope& scope) const;

  // See Archive::Metadata. The stored texts are joined, never parsed. The ETag
  // is the study's row id and revision, which every change to it bumps.
  Result<MetadataDocument> Metadata(const Scope& scope) const;

 private:
  db::Database& db_;
  const BlobStore& blobs_;
};

}  // namespace tessera::archive
