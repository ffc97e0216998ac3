// Feeds character set decoding (dicom/text_decoder.h, dicom/iso2022_japanese.h).
// Input: a Specific Character Set line (one of the common terms when it starts
// with a byte < 0x20: the byte picks it), one byte picking the VR's delimiters,
// then the raw value. Checks what the headers promise: TextDecoder::Decode
// always returns valid UTF-8 (fallbacks included); DecodeIso2022Japanese returns
// valid UTF-8 or nullopt; Latin1ToUtf8 is valid UTF-8 of one or two bytes per input byte.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "dicom/iso2022_japanese.h"
#include "dicom/text_decoder.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr std::string_view kCharacterSets[] = {
    "",
    "ISO_IR 100",
    "ISO_IR 192",
    "ISO 2022 IR 6\\ISO 2022 IR 87",
    "ISO 2022 IR 13\\ISO 2022 IR 87",
    "\\ISO 2022 IR 87\\ISO 2022 IR 159",
    "ISO 2022 IR 6\\ISO 2022 IR 149",
    "ISO 2022 IR 6\\ISO 2022 IR 58",
    "GB18030",
    "GBK",
    "ISO_IR 144",
    "ISO_IR 126",
    "ISO_IR 13",
    "ISO_IR 166",
    "ISO 2022 IR 100\\ISO 2022 IR 126",
    "ISO_IR 138",
    "ISO_IR 127",
    "ISO 2022 IR 6\\ISO 2022 IR 13\\ISO 2022 IR 87",
};
constexpr std::string_view kDelimiters[] = {"\\", "\\^=", ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = tessera::fuzz::QuietLogs();
  (void)quiet;
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  std::string_view character_set = input.Line();
  if (!character_set.empty() && static_cast<unsigned char>(character_set[0]) < 0x20) {
    character_set =
        kCharacterSets[static_cast<unsigned char>(character_set[0]) % std::size(kCharacterSets)];
  }
  const std::string_view delimiters = kDelimiters[input.Byte() % std::size(kDelimiters)];
  const std::string_view raw = input.Rest();

  tessera::dicom::TextDecoder decoder(character_set);
  const std::string text = decoder.Decode(raw, delimiters);
  FUZZ_CHECK(tessera::IsValidUtf8(text));
  // A second value through the same decoder (state must not leak between values).
  const std::string again = decoder.Decode(raw, delimiters);
  FUZZ_CHECK(again == text);

  for (const bool katakana_in_g1 : {false, true}) {
    if (auto japanese = tessera::dicom::DecodeIso2022Japanese(raw, katakana_in_g1)) {
      FUZZ_CHECK(tessera::IsValidUtf8(*japanese));
    }
  }
  (void)tessera::dicom::UsesJapaneseIso2022(character_set);

  const std::string latin1 = tessera::dicom::Latin1ToUtf8(raw);
  FUZZ_CHECK(tessera::IsValidUtf8(latin1));
  FUZZ_CHECK(latin1.size() >= raw.size() && latin1.size() <= 2 * raw.size());
  return 0;
}
