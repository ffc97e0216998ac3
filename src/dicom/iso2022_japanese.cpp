#include "dicom/iso2022_japanese.h"

#include <cerrno>
#include <memory>

#include <iconv.h>

#include "base/strings.h"

namespace tessera::dicom {
namespace {

constexpr char kEscape = 0x1B;
constexpr unsigned char kEucSingleShift2 = 0x8E;  // EUC-JP: JIS X 0201 Katakana follows
constexpr unsigned char kEucSingleShift3 = 0x8F;  // EUC-JP: JIS X 0212 follows

enum class G0 { kAscii, kKatakana, kJisX0208, kJisX0212 };

struct IconvCloser {
  void operator()(iconv_t handle) const { iconv_close(handle); }
};
using Iconv = std::unique_ptr<std::remove_pointer_t<iconv_t>, IconvCloser>;

// Recognises the escape sequence at the start of `s`; returns its length and the
// set it designates into G0 (or 0 for a G1 Katakana designation, which is a no-op
// here because G1 bytes are always read as Katakana once designated).
std::optional<std::pair<std::size_t, std::optional<G0>>> ParseEscape(std::string_view s) {
  if (s.starts_with("\x1B(B") || s.starts_with("\x1B(J")) return {{3, G0::kAscii}};
  if (s.starts_with("\x1B(I")) return {{3, G0::kKatakana}};
  if (s.starts_with("\x1B$B") || s.starts_with("\x1B$@")) return {{3, G0::kJisX0208}};
  if (s.starts_with("\x1B$(D")) return {{4, G0::kJisX0212}};
  if (s.starts_with("\x1B)I")) return {{3, std::nullopt}};
  return std::nullopt;
}

bool IsLineOrTabControl(char c) { return c == '\r' || c == '\n' || c == '\f' || c == '\t'; }

// Rewrites the ISO 2022 bytes as EUC-JP, which glibc can convert.
std::optional<std::string> ToEucJp(std::string_view raw, bool katakana_in_g1) {
  std::string euc;
  euc.reserve(raw.size() + raw.size() / 2);
  G0 g0 = G0::kAscii;
  bool g1_katakana = katakana_in_g1;
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == kEscape) {
      const auto escape = ParseEscape(raw.substr(i));
      if (!escape) return std::nullopt;
      if (escape->second)
        g0 = *escape->second;
      else
        g1_katakana = true;
      i += escape->first;
      continue;
    }
    if (byte >= 0x80) {
      // Only G1 Katakana (0xA1..0xDF) is defined in the upper half.
      if (!g1_katakana || byte < 0xA1 || byte > 0xDF) return std::nullopt;
      euc.push_back(static_cast<char>(kEucSingleShift2));
      euc.push_back(c);
      ++i;
      continue;
    }
    if (g0 == G0::kAscii || byte < 0x21 || byte > 0x7E) {
      // Controls and space are the same in every set; line ends and tabs reset G0.
      if (IsLineOrTabControl(c)) g0 = G0::kAscii;
      euc.push_back(c);
      ++i;
      continue;
    }
    if (g0 == G0::kKatakana) {
      if (byte > 0x5F) return std::nullopt;
      euc.push_back(static_cast<char>(kEucSingleShift2));
      euc.push_back(static_cast<char>(byte | 0x80));
      ++i;
      continue;
    }
    // Two-byte sets: both bytes in 0x21..0x7E.
    if (i + 1 >= raw.size()) return std::nullopt;
    const auto second = static_cast<unsigned char>(raw[i + 1]);
    if (second < 0x21 || second > 0x7E) return std::nullopt;
    if (g0 == G0::kJisX0212) euc.push_back(static_cast<char>(kEucSingleShift3));
    euc.push_back(static_cast<char>(byte | 0x80));
    euc.push_back(static_cast<char>(second | 0x80));
    i += 2;
  }
  return euc;
}

std::optional<std::string> EucJpToUtf8(const std::string& euc) {
  Iconv converter(iconv_open("UTF-8", "EUC-JP"));
  if (converter.get() == reinterpret_cast<iconv_t>(-1)) {
    converter.release();
    return std::nullopt;
  }
  // Every EUC-JP character grows at most by half in UTF-8; E2BIG below covers the rest.
  std::string utf8(euc.size() * 2 + 4, '\0');
  char* in = const_cast<char*>(euc.data());
  std::size_t in_left = euc.size();
  std::size_t used = 0;
  while (true) {
    char* out = utf8.data() + used;
    std::size_t out_left = utf8.size() - used;
    const std::size_t result = iconv(converter.get(), &in, &in_left, &out, &out_left);
    used = utf8.size() - out_left;
    if (result != static_cast<std::size_t>(-1)) break;
    if (errno != E2BIG) return std::nullopt;
    utf8.resize(utf8.size() * 2);
  }
  utf8.resize(used);
  return utf8;
}

}  // namespace

bool UsesJapaneseIso2022(std::string_view specific_character_set) {
  for (std::string_view term : Split(specific_character_set, '\\')) {
    term = Trim(term);
    if (term == "ISO 2022 IR 87" || term == "ISO 2022 IR 159") return true;
  }
  return false;
}

std::optional<std::string> DecodeIso2022Japanese(std::string_view raw, bool katakana_in_g1) {
  const auto euc = ToEucJp(raw, katakana_in_g1);
  if (!euc) return std::nullopt;
  return EucJpToUtf8(*euc);
}

}  // namespace tessera::dicom
