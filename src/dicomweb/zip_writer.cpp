#include "dicomweb/zip_writer.h"

#include <cassert>
#include <limits>

#include <zlib.h>

namespace tessera::dicomweb {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kDataDescriptorSignature = 0x08074b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
// Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
constexpr std::uint16_t kFlags = (1 << 3) | (1 << 11);
constexpr std::uint16_t kVersion20 = 20;
constexpr std::uint16_t kVersion45 = 45;  // ZIP64
constexpr std::uint32_t kMax32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint16_t kMax16 = std::numeric_limits<std::uint16_t>::max();
// 1980-01-01 00:00 in MS-DOS format: entries carry no meaningful time.
constexpr std::uint16_t kDosTime = 0;
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

void Put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void Put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void Put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool NeedsZip64(std::uint64_t size, std::uint64_t offset) {
  return size >= kMax32 || offset >= kMax32;
}

std::string LocalHeader(std::string_view name, bool zip64) {
  std::string out;
  Put32(out, kLocalHeaderSignature);
  Put16(out, zip64 ? kVersion45 : kVersion20);
  Put16(out, kFlags);
  Put16(out, 0);  // stored
  Put16(out, kDosTime);
  Put16(out, kDosDate);
  Put32(out, 0);  // CRC in the data descriptor
  Put32(out, zip64 ? kMax32 : 0);
  Put32(out, zip64 ? kMax32 : 0);
  Put16(out, static_cast<std::uint16_t>(name.size()));
  Put16(out, zip64 ? 20 : 0);
  out.append(name);
  if (zip64) {
    Put16(out, kZip64ExtraId);
    Put16(out, 16);
    Put64(out, 0);
    Put64(out, 0);
  }
  return out;
}

}  // namespace

std::string ZipWriter::BeginEntry(std::string_view name, std::uint64_t size) {
  assert(!entry_open_ && "BeginEntry while an entry is open");
  Entry entry{std::string(name), size, offset_, 0, NeedsZip64(size, offset_)};
  std::string header = LocalHeader(name, entry.zip64);
  offset_ += header.size() + size;
  entries_.push_back(std::move(entry));
  crc_ = static_cast<std::uint32_t>(crc32(0L, Z_NULL, 0));
  written_in_entry_ = 0;
  entry_open_ = true;
  return header;
}

void ZipWriter::Update(std::string_view data) {
  assert(entry_open_ && "Update outside an entry");
  // zlib's crc32 takes a uInt length; feed big pieces in parts.
  while (!data.empty()) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(data.size(), 1u << 30));
    crc_ = static_cast<std::uint32_t>(crc32(crc_, reinterpret_cast<const Bytef*>(data.data()), n));
    data.remove_prefix(n);
    written_in_entry_ += n;
  }
}

std::string ZipWriter::EndEntry() {
  assert(entry_open_ && "EndEntry outside an entry");
  Entry& entry = entries_.back();
  assert(written_in_entry_ == entry.size && "entry size differs from the declared size");
  entry.crc = crc_;
  entry_open_ = false;
  std::string out;
  Put32(out, kDataDescriptorSignature);
  Put32(out, entry.crc);
  if (entry.zip64) {
    Put64(out, entry.size);
    Put64(out, entry.size);
  } else {
    Put32(out, static_cast<std::uint32_t>(entry.size));
    Put32(out, static_cast<std::uint32_t>(entry.size));
  }
  offset_ += out.size();
  return out;
}

std::string ZipWriter::Finish() {
  assert(!entry_open_ && "Finish while an entry is open");
  std::string out;
  const std::uint64_t directory_offset = offset_;
  for (const auto& entry : entries_) {
    Put32(out, kCentralHeaderSignature);
    Put16(out, (3 << 8) | (entry.zip64 ? kVersion45 : kVersion20));  // made by: Unix
    Put16(out, entry.zip64 ? kVersion45 : kVersion20);
    Put16(out, kFlags);
    Put16(out, 0);
    Put16(out, kDosTime);
    Put16(out, kDosDate);
    Put32(out, entry.crc);
    Put32(out, entry.zip64 ? kMax32 : static_cast<std::uint32_t>(entry.size));
    Put32(out, entry.zip64 ? kMax32 : static_cast<std::uint32_t>(entry.size));
    Put16(out, static_cast<std::uint16_t>(entry.name.size()));
    Put16(out, entry.zip64 ? 28 : 0);
    Put16(out, 0);               // comment
    Put16(out, 0);               // disk
    Put16(out, 0);               // internal attributes
    Put32(out, 0100644u << 16);  // external attributes: a regular file, rw-r--r--
    Put32(out, entry.zip64 ? kMax32 : static_cast<std::uint32_t>(entry.offset));
    out.append(entry.name);
    if (entry.zip64) {
      Put16(out, kZip64ExtraId);
      Put16(out, 24);
      Put64(out, entry.size);
      Put64(out, entry.size);
      Put64(out, entry.offset);
    }
  }
  const std::uint64_t directory_size = out.size();
  const std::uint64_t count = entries_.size();
  const bool zip64 = count >= kMax16 || directory_offset >= kMax32 || directory_size >= kMax32;
  if (zip64) {
    const std::uint64_t zip64_end_offset = directory_offset + directory_size;
    Put32(out, kZip64EndSignature);
    Put64(out, 44);  // size of the rest of this record
    Put16(out, (3 << 8) | kVersion45);
    Put16(out, kVersion45);
    Put32(out, 0);
    Put32(out, 0);
    Put64(out, count);
    Put64(out, count);
    Put64(out, directory_size);
    Put64(out, directory_offset);
    Put32(out, kZip64LocatorSignature);
    Put32(out, 0);
    Put64(out, zip64_end_offset);
    Put32(out, 1);
  }
  Put32(out, kEndSignature);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, zip64 ? kMax16 : static_cast<std::uint16_t>(count));
  Put16(out, zip64 ? kMax16 : static_cast<std::uint16_t>(count));
  Put32(out, zip64 ? kMax32 : static_cast<std::uint32_t>(directory_size));
  Put32(out, zip64 ? kMax32 : static_cast<std::uint32_t>(directory_offset));
  Put16(out, 0);
  offset_ += out.size();
  return out;
}

}  // namespace tessera::dicomweb
