#pragma once

#include <memory>
#include <string>
#include <string_view>

class DcmSpecificCharacterSet;

namespace tessera::dicom {

// Converts the text values of one data set or sequence item from its Specific
// Character Set (0008,0005) to UTF-8 with DCMTK's converter (glibc iconv on
// Debian: ISO 8859-x, ISO 2022 Korean, GB18030, GBK, ...; Japanese ISO 2022 with
// our own decoder, as glibc-backed DCMTK lacks JIS X 0208). The result is
// always valid UTF-8: when a value cannot be converted (unknown character set,
// illegal byte sequence) it is kept as UTF-8 if it already is, else read as
// ISO 8859-1, and used_fallback() turns true. Not thread-safe; one per item walk.
class TextDecoder {
 public:
  // `specific_character_set` is the raw (0008,0005) value, backslash-separated
  // for code extensions; "" selects the default repertoire (ASCII).
  explicit TextDecoder(std::string_view specific_character_set);
  ~TextDecoder();
  TextDecoder(const TextDecoder&) = delete;
  TextDecoder& operator=(const TextDecoder&) = delete;

  // Returns `raw` in UTF-8. `delimiters` are the VR's ISO 2022 reset characters
  // (DcmVR::getDelimiterChars(): "\\^=" for PN, "\\" for most others).
  std::string Decode(std::string_view raw, std::string_view delimiters);

  // True once any value needed the fallback.
  bool used_fallback() const { return used_fallback_; }
  const std::string& character_set() const { return character_set_; }

 private:
  // Creates the DCMTK converter on the first value that needs one.
  DcmSpecificCharacterSet* Converter();
  std::string Fallback(std::string_view raw);

  std::string character_set_;
  bool is_utf8_ = false;
  bool is_japanese_iso2022_ = false;  // decoded by DecodeIso2022Japanese, not DCMTK
  bool katakana_in_g1_ = false;
  bool converter_failed_ = false;
  bool used_fallback_ = false;
  std::unique_ptr<DcmSpecificCharacterSet> converter_;
};

// Reads bytes as ISO 8859-1 and returns them as UTF-8 (lossless, reversible).
std::string Latin1ToUtf8(std::string_view bytes);

}  // namespace tessera::dicom
