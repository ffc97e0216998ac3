// DatasetFromJson (declared in dicom/dataset_json.h): DICOM JSON back to DCMTK.

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <dcmtk/dcmdata/dcbytstr.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmdata/dcvruv.h>

#include "dicom/attribute_dictionary.h"
#include "dicom/base64.h"
#include "dicom/dataset_json.h"

namespace tessera::dicom {
namespace {

using nlohmann::json;

static_assert(std::endian::native == std::endian::little,
              "InlineBinary is little-endian and is copied as is into DCMTK's native buffers");

constexpr std::uint32_t kSpecificCharacterSet = 0x00080005;
// PS3.5 6.2: a DS value is at most 16 bytes.
constexpr std::size_t kMaxDecimalStringLength = 16;

Error Invalid(std::uint32_t tag, std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, TagToHex(tag) + ": " + std::string(what));
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The shortest text that reads back as `value` and fits 16 bytes, else the most
// precise text that fits.
std::string FormatDecimalString(double value) {
  char buffer[32];
  const auto shortest = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (static_cast<std::size_t>(shortest.ptr - buffer) <= kMaxDecimalStringLength) {
    return std::string(buffer, shortest.ptr);
  }
  for (int precision = 15; precision > 0; --precision) {
    const auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, precision);
    if (static_cast<std::size_t>(result.ptr - buffer) <= kMaxDecimalStringLength) {
      return std::string(buffer, result.ptr);
    }
  }
  return "0";
}

// One component of a string-valued attribute, or nullopt when the JSON type is wrong.
std::optional<std::string> TextComponent(const json& value, DcmEVR vr) {
  if (value.is_null()) return std::string();
  if (value.is_string()) return value.get<std::string>();
  if (vr == EVR_PN && value.is_object()) {
    static constexpr const char* kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
    std::string name;
    std::size_t used = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const auto group = value.find(kGroups[i]);
      if (group == value.end()) continue;
      if (!group->is_string()) return std::nullopt;
      name.append(i - used, '=');
      used = i;
      name += group->get<std::string>();
    }
    return name;
  }
  if (vr == EVR_IS && value.is_number_integer()) return value.dump();
  if (vr == EVR_IS && value.is_number_float()) {
    const double number = value.get<double>();
    if (std::trunc(number) != number || !std::isfinite(number)) return std::nullopt;
    // 2^63 as a double: whole numbers below it, and from -2^63 up, fit int64_t.
    constexpr double kTwoTo63 = 9223372036854775808.0;
    if (number >= kTwoTo63 || number < -kTwoTo63) return std::nullopt;
    return std::to_string(static_cast<std::int64_t>(number));
  }
  if (vr == EVR_DS && value.is_number()) return FormatDecimalString(value.get<double>());
  return std::nullopt;
}

std::optional<double> FloatComponent(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

template <class Int>
std::optional<Int> IntegerComponent(const json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const auto v = value.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) return std::nullopt;
      return static_cast<Int>(v);
    }
    const auto v = value.get<std::int64_t>();
    if (v < static_cast<std::int64_t>(std::numeric_limits<Int>::min())) return std::nullopt;
    if (v > 0 && static_cast<std::uint64_t>(v) >
                     static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
      return std::nullopt;
    }
    return static_cast<Int>(v);
  }
  // SV/UV beyond 2^53 arrive as decimal strings.
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  Int v{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

class JsonReader {
 public:
  Status FillItem(DcmItem& item, const json& object) {
    if (!object.is_object()) return Fail(ErrorCode::kInvalidArgument, "item is not an object");
    for (const auto& [key, attribute] : object.items()) {
      const auto tag = ParseHexTag(key);
      if (!tag) return Fail(ErrorCode::kInvalidArgument, "invalid attribute key '" + key + "'");
      if (*tag == kSpecificCharacterSet) continue;  // decided once all text is known
      if (auto added = AddElement(item, *tag, attribute); !added) return added;
    }
    return Ok();
  }

  bool wrote_non_ascii() const { return wrote_non_ascii_; }

 private:
  Status AddElement(DcmItem& item, std::uint32_t tag, const json& attribute) {
    if (!attribute.is_object()) return Invalid(tag, "attribute is not an object");
    const auto vr_field = attribute.find("vr");
    if (vr_field == attribute.end() || !vr_field->is_string()) return Invalid(tag, "missing vr");
    const DcmVR vr(vr_field->get_ref<const std::string&>().c_str());
    if (!vr.isStandard() || vr.getEVR() == EVR_UNKNOWN) return Invalid(tag, "unknown vr");

    DcmEVR evr = vr.getEVR();
    std::optional<std::string> binary;
    if (const auto inline_binary = attribute.find("InlineBinary");
        inline_binary != attribute.end()) {
      if (!IsJsonBinaryVr(evr)) return Invalid(tag, "InlineBinary for a vr that is not binary");
      if (!inline_binary->is_string()) return Invalid(tag, "InlineBinary is not a string");
      binary = Base64Decode(inline_binary->get_ref<const std::string&>());
      if (!binary) return Invalid(tag, "InlineBinary is not base64");
      // Such values are written as UN now; metadata stored before kept their VR.
      if (binary->size() % DcmVR(evr).getValueWidth() != 0) evr = EVR_UN;
    }

    DcmTag dcm_tag(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF), evr);
    DcmElement* raw = nullptr;
    if (DcmItem::newDicomElementWithVR(raw, dcm_tag).bad() || raw == nullptr) {
      return Invalid(tag, "cannot create element");
    }
    std::unique_ptr<DcmElement> element(raw);
    const Status filled = binary ? FillBinary(*element, evr, tag, *binary)
                                 : FillValues(*element, evr, tag, attribute);
    if (!filled) return filled;
    if (item.insert(element.get(), OFTrue).bad()) return Invalid(tag, "cannot insert element");
    element.release();  // the item owns it now
    return Ok();
  }

  Status FillValues(DcmElement& element, DcmEVR vr, std::uint32_t tag, const json& attribute) {
    const auto value = attribute.find("Value");
    if (value == attribute.end()) return Ok();  // empty, or BulkDataURI we do not fetch
    if (!value->is_array()) return Invalid(tag, "Value is not an array");
    if (value->empty()) return Ok();

    switch (vr) {
      case EVR_SQ:
        return FillSequence(static_cast<DcmSequenceOfItems&>(element), tag, *value);
      case EVR_AT:
        return FillTags(element, tag, *value);
      case EVR_FL:
      case EVR_FD:
        return FillFloats(element, vr, tag, *value);
      case EVR_SS:
        return FillIntegers<Sint16>(element, tag, *value, &DcmElement::putSint16);
      case EVR_US:
        return FillIntegers<Uint16>(element, tag, *value, &DcmElement::putUint16);
      case EVR_SL:
        return FillIntegers<Sint32>(element, tag, *value, &DcmElement::putSint32);
      case EVR_UL:
        return FillIntegers<Uint32>(element, tag, *value, &DcmElement::putUint32);
      case EVR_SV:
        return FillVeryLongs<Sint64>(element, tag, *value);
      case EVR_UV:
        return FillVeryLongs<Uint64>(element, tag, *value);
      default:
        return FillText(element, vr, tag, *value);
    }
  }

  Status FillSequence(DcmSequenceOfItems& sequence, std::uint32_t tag, const json& items) {
    for (const json& object : items) {
      auto item = std::make_unique<DcmItem>();
      if (auto filled = FillItem(*item, object); !filled) return filled;
      if (sequence.append(item.get()).bad()) return Invalid(tag, "cannot append item");
      item.release();  // the sequence owns it now
    }
    return Ok();
  }

  Status FillTags(DcmElement& element, std::uint32_t tag, const json& values) {
    unsigned long position = 0;
    for (const json& value : values) {
      const auto key =
          value.is_string() ? ParseHexTag(value.get_ref<const std::string&>()) : std::nullopt;
      if (!key) return Invalid(tag, "AT value is not GGGGEEEE");
      const DcmTagKey tag_key(static_cast<Uint16>(*key >> 16), static_cast<Uint16>(*key & 0xFFFF));
      if (element.putTagVal(tag_key, position++).bad()) return Invalid(tag, "cannot set AT");
    }
    return Ok();
  }

  Status FillFloats(DcmElement& element, DcmEVR vr, std::uint32_t tag, const json& values) {
    unsigned long position = 0;
    for (const json& value : values) {
      const auto number = FloatComponent(value);
      if (!number) return Invalid(tag, "value is not a number");
      const OFCondition put = vr == EVR_FL
                                  ? element.putFloat32(static_cast<Float32>(*number), position)
                                  : element.putFloat64(*number, position);
      if (put.bad()) return Invalid(tag, "cannot set value");
      ++position;
    }
    return Ok();
  }

  template <class Int>
  Status FillIntegers(DcmElement& element, std::uint32_t tag, const json& values,
                      OFCondition (DcmElement::*put)(Int, unsigned long)) {
    unsigned long position = 0;
    for (const json& value : values) {
      const auto number = IntegerComponent<Int>(value);
      if (!number) return Invalid(tag, "value is not an integer in range");
      if ((element.*put)(*number, position++).bad()) return Invalid(tag, "cannot set value");
    }
    return Ok();
  }

  // DcmElement has no 64-bit setters; SV and UV parse their decimal text form.
  template <class Int>
  Status FillVeryLongs(DcmElement& element, std::uint32_t tag, const json& values) {
    std::string joined;
    for (const json& value : values) {
      const auto number = IntegerComponent<Int>(value);
      if (!number) return Invalid(tag, "value is not an integer in range");
      if (!joined.empty()) joined.push_back('\\');
      joined += std::to_string(*number);
    }
    if (element.putString(joined.c_str(), static_cast<Uint32>(joined.size())).bad()) {
      return Invalid(tag, "cannot set value");
    }
    return Ok();
  }

  Status FillText(DcmElement& element, DcmEVR vr, std::uint32_t tag, const json& values) {
    std::string joined;
    bool first = true;
    for (const json& value : values) {
      auto component = TextComponent(value, vr);
      if (!component) return Invalid(tag, "value has the wrong type for its vr");
      if (!first) joined.push_back('\\');
      first = false;
      joined += *component;
    }
    if (!IsAscii(joined)) wrote_non_ascii_ = true;
    // DcmUniqueIdentifier::putString reads "=Name" as the UID of a DCMTK name
    // (failing on others): a stored value is set as it is.
    const OFCondition put =
        vr == EVR_UI ? static_cast<DcmByteString&>(element).DcmByteString::putString(
                           joined.c_str(), static_cast<Uint32>(joined.size()))
                     : element.putString(joined.c_str(), static_cast<Uint32>(joined.size()));
    if (put.bad()) return Invalid(tag, "cannot set value");
    return Ok();
  }

  // `bytes` fit `vr`'s value width (AddElement made sure).
  Status FillBinary(DcmElement& element, DcmEVR vr, std::uint32_t tag, const std::string& bytes) {
    const std::size_t width = DcmVR(vr).getValueWidth();
    OFCondition put = EC_Normal;
    const auto count = static_cast<unsigned long>(bytes.size() / width);
    if (width == 1) {
      put = element.putUint8Array(reinterpret_cast<const Uint8*>(bytes.data()), count);
    } else if (vr == EVR_OW) {
      std::vector<Uint16> words(count);
      std::memcpy(words.data(), bytes.data(), bytes.size());
      put = element.putUint16Array(words.data(), count);
    } else if (vr == EVR_OF) {
      std::vector<Float32> floats(count);
      std::memcpy(floats.data(), bytes.data(), bytes.size());
      put = element.putFloat32Array(floats.data(), count);
    } else if (vr == EVR_OL) {
      std::vector<Uint32> longs(count);
      std::memcpy(longs.data(), bytes.data(), bytes.size());
      put = element.putUint32Array(longs.data(), count);
    } else if (vr == EVR_OD) {
      std::vector<Float64> doubles(count);
      std::memcpy(doubles.data(), bytes.data(), bytes.size());
      put = element.putFloat64Array(doubles.data(), count);
    } else {
      auto* very_long = dynamic_cast<DcmUnsigned64bitVeryLong*>(&element);
      if (very_long == nullptr) return Invalid(tag, "cannot set InlineBinary value");
      std::vector<Uint64> words(count);
      std::memcpy(words.data(), bytes.data(), bytes.size());
      put = very_long->putUint64Array(words.data(), count);
    }
    if (put.bad()) return Invalid(tag, "cannot set InlineBinary value");
    return Ok();
  }

  bool wrote_non_ascii_ = false;
};

}  // namespace

Result<std::unique_ptr<DcmDataset>> DatasetFromJson(const nlohmann::json& json) {
  if (auto dictionary = EnsureDataDictionary(); !dictionary) return std::move(dictionary).error();
  auto dataset = std::make_unique<DcmDataset>();
  JsonReader reader;
  if (auto filled = reader.FillItem(*dataset, json); !filled) return std::move(filled).error();
  if (reader.wrote_non_ascii() &&
      dataset->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192").bad()) {
    return Fail(ErrorCode::kInternal, "cannot set SpecificCharacterSet");
  }
  return dataset;
}

}  // namespace tessera::dicom
