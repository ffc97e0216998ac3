#include "dicom/structure_check.h"

#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/file_io.h"
#include "base/unique_fd.h"
#include "dicom/dicom_file.h"
#include "dicom/file_meta.h"

namespace tessera::dicom {
namespace {

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFF;
constexpr std::uint64_t kOpenEnded = UINT64_MAX;

// The data set's bytes in order, from the file or inflated from it. Only moves
// forward: values are skipped, never read back.
class Reader {
 public:
  // `end`: the file's size (its data set ends there unless deflated).
  Reader(int fd, std::uint64_t offset, std::uint64_t end, bool deflated)
      : fd_(fd), offset_(offset), size_(end > offset ? end - offset : 0) {
    if (!deflated) return;
    inflating_ = inflateInit2(&stream_, -MAX_WBITS) == Z_OK;  // raw deflate (PS3.5 A.5)
    broken_ = !inflating_;
  }
  ~Reader() {
    if (inflating_) inflateEnd(&stream_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::uint64_t position() const { return position_; }
  // The most bytes the data set can still hold: what the file has left, or
  // what may still be inflated.
  std::uint64_t remaining() const {
    const std::uint64_t total = inflating_ ? kMaxInflatedBytes : size_;
    return total > position_ ? total - position_ : 0;
  }
  bool failed_to_read() const { return read_error_; }
  bool inflating() const { return inflating_; }
  bool inflated_too_far() const { return inflated_too_far_; }

  // Fills `out` whole; false at the end of the data (or on an error).
  bool Read(void* out, std::size_t size) { return Take(static_cast<char*>(out), size) == size; }

  // The next `size` bytes (at most kMaxPeek) without moving past them.
  bool Peek(void* out, std::size_t size) {
    if (size > kMaxPeek || (broken_ && peeked_.empty())) return false;
    if (!inflating_) return FromFile(static_cast<char*>(out), size, offset_) == size;
    // Inflated bytes cannot be read twice: keep them for the next Take.
    while (peeked_.size() < size) {
      std::array<char, kMaxPeek> more;
      const std::size_t wanted = size - peeked_.size();
      const std::size_t got = Inflate(more.data(), wanted);
      peeked_.append(more.data(), got);
      if (got < wanted) return false;
    }
    std::memcpy(out, peeked_.data(), size);
    return true;
  }

  // Passes over `size` bytes; false when the data ends first.
  bool Skip(std::uint64_t size) {
    if (!inflating_) {
      offset_ += size;
      position_ += size;
      return true;  // a value past the end is the parse's to report
    }
    std::array<char, 64 * 1024> scratch;
    while (size > 0) {
      const std::size_t step =
          static_cast<std::size_t>(std::min<std::uint64_t>(size, scratch.size()));
      if (Take(scratch.data(), step) != step) return false;
      size -= step;
    }
    return true;
  }

 private:
  std::size_t Take(char* out, std::size_t size) {
    std::size_t taken = std::min(size, peeked_.size());
    std::memcpy(out, peeked_.data(), taken);
    peeked_.erase(0, taken);
    if (!inflating_ && !broken_) {
      const std::size_t read = FromFile(out + taken, size - taken, offset_);
      offset_ += read;
      taken += read;
    } else if (taken < size) {
      taken += Inflate(out + taken, size - taken);
    }
    position_ += taken;
    return taken;
  }

  // Up to `size` inflated bytes, fewer at the end or on an error.
  std::size_t Inflate(char* out, std::size_t size) {
    if (broken_) return 0;
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = static_cast<uInt>(size);
    while (stream_.avail_out > 0 && !broken_) {
      if (stream_.avail_in == 0 && !Refill()) break;
      const int result = inflate(&stream_, Z_NO_FLUSH);
      if (result == Z_STREAM_END) break;
      if (result != Z_OK) broken_ = true;
    }
    const std::size_t inflated = size - stream_.avail_out;
    inflated_ += inflated;
    // Past the limit DCMTK would refuse the file anyway: stop inflating here.
    if (inflated_ > kMaxInflatedBytes) inflated_too_far_ = broken_ = true;
    return inflated;
  }

  // Up to `size` bytes of the file at `at`, through a window read 64 KiB at a
  // time: element headers are a few bytes each, and a read per header would
  // cost a system call each.
  std::size_t FromFile(char* out, std::size_t size, std::uint64_t at) {
    const bool inside = at >= window_start_ && at + size <= window_start_ + window_size_;
    if (!inside) {
      if (!window_) window_ = std::make_unique_for_overwrite<char[]>(kWindowBytes);
      const ssize_t got = ReadFullyAt(fd_, std::span(window_.get(), kWindowBytes), at);
      if (got < 0) {
        read_error_ = broken_ = true;
        return 0;
      }
      window_start_ = at;
      window_size_ = static_cast<std::size_t>(got);
    }
    const std::size_t available =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, window_start_ + window_size_ - at));
    std::memcpy(out, window_.get() + (at - window_start_), available);
    return available;
  }

  bool Refill() {
    const ssize_t got = ReadFullyAt(fd_, input_, offset_);
    if (got <= 0) {
      read_error_ = got < 0;
      broken_ = true;
      return false;
    }
    offset_ += static_cast<std::uint64_t>(got);
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(got);
    return true;
  }

  static constexpr std::size_t kWindowBytes = 64 * 1024;
  static constexpr std::size_t kMaxPeek = 16;

  int fd_;
  std::uint64_t offset_;
  std::uint64_t size_;              // of the data set when not deflated
  std::unique_ptr<char[]> window_;  // the file from window_start_, window_size_ bytes
  std::uint64_t window_start_ = 0;
  std::size_t window_size_ = 0;
  std::uint64_t position_ = 0;  // in the (inflated) data set
  std::uint64_t inflated_ = 0;  // bytes inflated, peeked ones included
  std::string peeked_;          // inflated by Peek, not taken yet
  z_stream stream_{};
  bool inflating_ = false;
  bool broken_ = false;
  bool read_error_ = false;
  bool inflated_too_far_ = false;
  std::array<char, 64 * 1024> input_;
};

struct Container {
  std::uint64_t end;  // kOpenEnded until its delimiter
  bool fragments;     // encapsulated Pixel Data: its items are values, not data sets
  bool implicit_vr;   // what is inside is Implicit VR Little Endian
};

// Explicit VRs with a 16-bit length (PS3.5 7.1.2).
bool HasShortLength(std::string_view vr) {
  for (std::string_view each : {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO",
                                "LT", "PN", "SH", "SL", "SS", "ST", "TM", "UI", "UL", "US"}) {
    if (vr == each) return true;
  }
  return false;
}

// How DCMTK reads an explicit VR header: a 32-bit length for the VRs that have
// one and for unknown codes of two capital letters (a VR newer than the
// reader, as the standard asks), a 16-bit one for any other bytes.
bool HasLongLengthAsDcmtkReads(std::string_view vr) {
  if (HasLongLength(vr)) return true;
  const auto capital = [](char c) { return c >= 'A' && c <= 'Z'; };
  return !HasShortLength(vr) && vr.size() == 2 && capital(vr[0]) && capital(vr[1]);
}

class Walker {
 public:
  Walker(Reader& reader, E_TransferSyntax syntax)
      : reader_(reader),
        explicit_vr_(DcmXfer(syntax).isExplicitVR()),
        big_endian_(DcmXfer(syntax).isBigEndian()) {}

  // Whether the next element header carries a VR: not inside a container whose
  // content is implicit, wherever it is nested.
  bool ExplicitHere() const { return open_.empty() ? explicit_vr_ : !open_.back().implicit_vr; }

  Status Walk() {
    std::uint64_t objects = 0;
    while (true) {
      while (!open_.empty() && open_.back().end != kOpenEnded &&
             reader_.position() >= open_.back().end) {
        open_.pop_back();
      }
      std::uint16_t group = 0, element = 0;
      if (!ReadU16(group) || !ReadU16(element)) break;
      if (++objects > kMaxObjects) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the data set holds more than " + std::to_string(kMaxObjects) +
                        " elements and items, the most this archive reads");
      }
      const bool more = group == 0xFFFE ? Delimiter(element) : Element(group, element);
      if (!more) break;
      if (open_.size() > kMaxNesting) {
        return Fail(ErrorCode::kInvalidArgument, "the data set nests sequences more than " +
                                                     std::to_string(kMaxNesting / 2) +
                                                     " deep, the most this archive reads");
      }
    }
    if (reader_.failed_to_read()) return Fail(ErrorCode::kIo, "cannot read DICOM file");
    if (reader_.inflated_too_far()) return InflatesTooFar();
    if (claims_too_much_) {
      // As the parse would say, before it allocated what the value claims.
      if (reader_.inflating()) return InflatesTooFar();
      return Fail(ErrorCode::kInvalidArgument, "truncated DICOM file");
    }
    return Ok();
  }

 private:
  bool ReadU16(std::uint16_t& value) {
    std::array<unsigned char, 2> bytes;
    if (!reader_.Read(bytes.data(), bytes.size())) return false;
    value = big_endian_ ? static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1])
                        : static_cast<std::uint16_t>(bytes[1] << 8 | bytes[0]);
    return true;
  }
  bool ReadU32(std::uint32_t& value) {
    std::uint16_t first = 0, second = 0;
    if (!ReadU16(first) || !ReadU16(second)) return false;
    value =
        big_endian_ ? (std::uint32_t{first} << 16 | second) : (std::uint32_t{second} << 16 | first);
    return true;
  }

  void Open(std::uint32_t length, bool fragments, bool implicit_vr) {
    open_.push_back({length == kUndefinedLength ? kOpenEnded : reader_.position() + length,
                     fragments, implicit_vr});
  }

  // An item or a delimiter (group FFFE: always a 32-bit length, no VR).
  bool Delimiter(std::uint16_t element) {
    std::uint32_t length = 0;
    if (!ReadU32(length)) return false;
    if (element == 0xE000) {
      if (!open_.empty() && open_.back().fragments) return reader_.Skip(length);
      Open(length, false, !ExplicitHere());
      return true;
    }
    // Item or sequence delimitation: closes the innermost open-ended container.
    if (!open_.empty() && open_.back().end == kOpenEnded) open_.pop_back();
    return true;
  }

  bool Element(std::uint16_t group, std::uint16_t element) {
    const bool explicit_vr = ExplicitHere();
    std::string vr;
    std::uint32_t length = 0;
    if (explicit_vr) {
      std::array<char, 2> code;
      if (!reader_.Read(code.data(), code.size())) return false;
      vr.assign(code.data(), code.size());
      if (HasLongLengthAsDcmtkReads(vr)) {
        std::uint16_t reserved = 0;
        if (!ReadU16(reserved) || !ReadU32(length)) return false;
      } else {
        std::uint16_t short_length = 0;
        if (!ReadU16(short_length)) return false;
        length = short_length;
      }
    } else if (!ReadU32(length)) {
      return false;
    }
    // DCMTK allocates a value's claimed length before reading it: a few bytes
    // claiming gigabytes would take that much memory.
    if (length != kUndefinedLength && length > reader_.remaining()) {
      claims_too_much_ = true;
      return false;
    }
    const bool pixels = group == 0x7FE0 && element == 0x0010;
    if (length == kUndefinedLength) {
      // Encapsulated pixel data; anything else open-ended is read as a sequence,
      // whose content a UN (or unknown) VR says is implicit (PS3.5 6.2.2: DCMTK
      // reads it so, and nests as deep as it goes).
      const bool fragments = pixels || vr == "OB" || vr == "OW";
      const bool unknown_vr = !HasShortLength(vr) && !HasLongLength(vr);
      Open(length, fragments, !explicit_vr || vr == "UN" || unknown_vr);
      return true;
    }
    // Implicit VR does not say which elements are sequences, and DCMTK's
    // dictionary does not know every private one: a value that starts like an
    // item is walked as one (a sequence of defined length, unless empty, does).
    if (vr == "SQ" || (!explicit_vr && !pixels && length >= 8 && StartsWithItem())) {
      Open(length, false, !explicit_vr);
      return true;
    }
    return reader_.Skip(length);
  }

  // The value about to be read begins with an item tag (implicit VR is little endian).
  bool StartsWithItem() {
    std::array<unsigned char, 4> tag;
    return reader_.Peek(tag.data(), tag.size()) &&
           tag == std::array<unsigned char, 4>{0xFE, 0xFF, 0x00, 0xE0};
  }

  Reader& reader_;
  const bool explicit_vr_;
  const bool big_endian_;
  std::vector<Container> open_;
  bool claims_too_much_ = false;
};

}  // namespace

Status CheckStructure(const std::filesystem::path& file, std::uint64_t offset,
                      E_TransferSyntax syntax) {
  const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Fail(ErrorCode::kIo, "cannot open DICOM file");
  return CheckStructure(fd.get(), offset, syntax);
}

Status CheckStructure(int fd, std::uint64_t offset, E_TransferSyntax syntax) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return Fail(ErrorCode::kIo, "cannot read DICOM file");
  Reader reader(fd, offset, static_cast<std::uint64_t>(status.st_size),
                syntax == EXS_DeflatedLittleEndianExplicit);
  return Walker(reader, syntax).Walk();
}

}  // namespace tessera::dicom
