#include "dicom/text_decoder.h"

#include <algorithm>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcspchrs.h>

#include "base/strings.h"
#include "dicom/iso2022_japanese.h"

namespace tessera::dicom {
namespace {

constexpr char kEscape = 0x1B;

// Plain ASCII without ISO 2022 escapes reads the same in every DICOM character set.
bool IsPlainAscii(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80 || c == kEscape; });
}

bool NamesUtf8(std::string_view character_set) {
  const std::string_view trimmed = Trim(character_set);
  return trimmed == "ISO_IR 192";
}

// ISO 2022 IR 13 as the first (default) set puts JIS X 0201 Katakana in G1.
bool StartsWithKatakana(std::string_view character_set) {
  const std::string_view first = Trim(Split(character_set, '\\').front());
  return first == "ISO 2022 IR 13" || first == "ISO_IR 13";
}

}  // namespace

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string utf8;
  utf8.reserve(bytes.size() + bytes.size() / 4);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      utf8.push_back(c);
      continue;
    }
    utf8.push_back(static_cast<char>(0xC0 | (byte >> 6)));
    utf8.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
  }
  return utf8;
}

TextDecoder::TextDecoder(std::string_view specific_character_set)
    : character_set_(specific_character_set),
      is_utf8_(NamesUtf8(specific_character_set)),
      is_japanese_iso2022_(UsesJapaneseIso2022(specific_character_set)),
      katakana_in_g1_(StartsWithKatakana(specific_character_set)) {}

TextDecoder::~TextDecoder() = default;

DcmSpecificCharacterSet* TextDecoder::Converter() {
  if (converter_ || converter_failed_) return converter_.get();
  auto converter = std::make_unique<DcmSpecificCharacterSet>();
  if (converter->selectCharacterSet(OFString(character_set_.c_str()), "ISO_IR 192").bad()) {
    converter_failed_ = true;
    return nullptr;
  }
  converter_ = std::move(converter);
  return converter_.get();
}

std::string TextDecoder::Fallback(std::string_view raw) {
  used_fallback_ = true;
  // Mislabelled UTF-8 is common enough to keep as is; anything else maps 1:1
  // from ISO 8859-1 so no byte is lost.
  if (IsValidUtf8(raw)) return std::string(raw);
  return Latin1ToUtf8(raw);
}

std::string TextDecoder::Decode(std::string_view raw, std::string_view delimiters) {
  if (IsPlainAscii(raw)) return std::string(raw);
  if (is_utf8_) return IsValidUtf8(raw) ? std::string(raw) : Fallback(raw);
  if (is_japanese_iso2022_) {
    auto decoded = DecodeIso2022Japanese(raw, katakana_in_g1_);
    return decoded ? std::move(*decoded) : Fallback(raw);
  }
  DcmSpecificCharacterSet* converter = Converter();
  if (converter == nullptr) return Fallback(raw);
  OFString converted;
  const OFCondition status = converter->convertString(
      raw.data(), raw.size(), converted, OFString(delimiters.data(), delimiters.size()));
  if (status.bad() || !IsValidUtf8(std::string_view(converted.data(), converted.size()))) {
    return Fallback(raw);
  }
  return std::string(converted.data(), converted.size());
}

}  // namespace tessera::dicom
