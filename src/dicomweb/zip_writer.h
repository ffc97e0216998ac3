#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::dicomweb {

// Produces a ZIP archive as a sequence of byte pieces, for streaming a download
// while it is written: entries are stored (not compressed — DICOM pixel data is
// often compressed already, and the CPU is better spent elsewhere) and sized up
// front, their CRC-32 computed as the data passes through and written in a data
// descriptor. ZIP64 records are used for entries and offsets past 4 GiB.
//
//   ZipWriter zip;
//   send(zip.BeginEntry("a.dcm", size));
//   for each chunk: zip.Update(chunk); send(chunk);
//   send(zip.EndEntry());
//   send(zip.Finish());
//
// Not thread-safe.
class ZipWriter {
 public:
  // The local file header of an entry of exactly `size` bytes.
  // REQUIRES: the previous entry was ended.
  std::string BeginEntry(std::string_view name, std::uint64_t size);
  // Accounts for `data` sent as part of the current entry.
  void Update(std::string_view data);
  // The data descriptor. REQUIRES: exactly `size` bytes were passed to Update.
  std::string EndEntry();
  // The central directory and end records. REQUIRES: no entry is open.
  std::string Finish();

 private:
  struct Entry {
    std::string name;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
    std::uint32_t crc = 0;
    bool zip64 = false;
  };

  std::vector<Entry> entries_;
  std::uint64_t offset_ = 0;
  std::uint64_t written_in_entry_ = 0;
  std::uint32_t crc_ = 0;
  bool entry_open_ = false;
};

}  // namespace tessera::dicomweb
