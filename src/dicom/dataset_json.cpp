#include "dicom/dataset_json.h"

#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "dicom/attribute_dictionary.h"
#include "dicom/base64.h"
#include "dicom/dicom_file.h"
#include "dicom/text_decoder.h"
#include "dicom/unknown_vr.h"

namespace tessera::dicom {
namespace {

using nlohmann::json;

constexpr std::uint32_t kSpecificCharacterSet = 0x00080005;
constexpr std::uint32_t kFloatPixelData = 0x7FE00008;
constexpr std::uint32_t kDoubleFloatPixelData = 0x7FE00009;
constexpr std::uint32_t kPixelData = 0x7FE00010;
constexpr std::uint32_t kDataSetTrailingPadding = 0xFFFCFFFC;
constexpr std::uint16_t kFileMetaGroup = 0x0002;
// Integers beyond ±2^53 lose precision in JavaScript readers.
constexpr std::uint64_t kMaxSafeMagnitude = std::uint64_t{1} << 53;

std::uint32_t TagOf(const DcmObject& object) {
  const DcmTag& tag = object.getTag();
  return (static_cast<std::uint32_t>(tag.getGroup()) << 16) | tag.getElement();
}

bool IsPixelDataTag(std::uint32_t tag) {
  return tag == kPixelData || tag == kFloatPixelData || tag == kDoubleFloatPixelData;
}

bool IsSingleValuedText(DcmEVR vr) {
  return vr == EVR_LT || vr == EVR_ST || vr == EVR_UT || vr == EVR_UR;
}

// PS3.5 6.2: leading spaces are padding for these VRs, significant for the rest.
bool HasInsignificantLeadingSpaces(DcmEVR vr) {
  switch (vr) {
    case EVR_AE:
    case EVR_AS:
    case EVR_CS:
    case EVR_DA:
    case EVR_DS:
    case EVR_DT:
    case EVR_IS:
    case EVR_LO:
    case EVR_SH:
    case EVR_TM:
    case EVR_UI:
      return true;
    default:
      return false;
  }
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string_view TrimValue(std::string_view value, DcmEVR vr) {
  const std::size_t end = value.find_last_not_of(std::string_view(" \0", 2));
  value = end == std::string_view::npos ? std::string_view() : value.substr(0, end + 1);
  if (!HasInsignificantLeadingSpaces(vr)) return value;
  const std::size_t begin = value.find_first_not_of(' ');
  return begin == std::string_view::npos ? std::string_view() : value.substr(begin);
}

json PersonNameValue(std::string_view value) {
  static constexpr const char* kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
  json name = json::object();
  std::size_t group = 0;
  for (std::string_view component : Split(value, '=')) {
    if (group == 3) break;
    const std::string_view trimmed = TrimValue(component, EVR_PN);
    if (!trimmed.empty()) name[kGroups[group]] = std::string(trimmed);
    ++group;
  }
  return name.empty() ? json(nullptr) : name;
}

json IntegerStringValue(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::string(text);
  }
  return number;
}

json DecimalStringValue(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  double number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      !std::isfinite(number)) {
    return std::string(text);
  }
  return number;
}

json FloatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// An FL widened as is prints as -77.20406341552734; its shortest decimal form
// (-77.20406) is what the writer meant and reads back to the same float.
json FloatValue(float value) {
  if (!std::isfinite(value)) return FloatValue(static_cast<double>(value));
  char buffer[32];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
  double widened = value;
  std::from_chars(buffer, written.ptr, widened);
  return widened;
}

// Appends each of the element's binary values, read with `get` and converted with
// `to_json`; false when DCMTK cannot read one.
template <class T, class ToJson>
bool AppendValues(DcmElement& element, OFCondition (DcmElement::*get)(T&, const unsigned long),
                  json& values, ToJson to_json) {
  for (unsigned long i = 0, n = element.getVM(); i < n; ++i) {
    T value{};
    if ((element.*get)(value, i).bad()) return false;
    values.push_back(to_json(value));
  }
  return true;
}

// {"vr": vr} and, unless `key` is empty, {key: value}. Built on the object map
// directly: "BulkDataURI", "InlineBinary" and "Value" all sort before "vr".
json Attribute(std::string_view vr, std::string_view key = {}, json value = nullptr) {
  json::object_t attribute;
  if (!key.empty()) attribute.emplace(key, std::move(value));
  attribute.emplace_hint(attribute.end(), "vr", vr);
  return json(std::move(attribute));
}

// Where an element sits: "<sequence>/<item>/" prefixes and its own tag. Joined only
// for the few elements that need a BulkDataURI.
struct TagPath {
  std::string_view prefix;
  std::string_view tag;

  std::string Join() const {
    std::string path;
    path.reserve(prefix.size() + tag.size());
    path.append(prefix).append(tag);
    return path;
  }
};

// Walks one data set; collects whether any text needed the character set fallback.
class JsonWriter {
 public:
  JsonWriter(const JsonOptions& options, bool little_endian)
      : options_(options), little_endian_(little_endian) {}

  Result<json> WriteDataset(DcmItem& dataset) {
    TextDecoder ascii("");
    auto object = WriteItem(dataset, ascii, "");
    if (!object) return object;
    NoteFallback(ascii);
    const std::string charset_key = TagToHex(kSpecificCharacterSet);
    if (wrote_non_ascii_ && !object->contains(charset_key)) {
      (*object)[charset_key] = Utf8CharacterSet();
    }
    if (!fallback_charset_.empty()) {
      spdlog::warn(
          "DICOM text declared as character set '{}' could not be converted to UTF-8; "
          "unconvertible values were read as ISO 8859-1",
          fallback_charset_);
    }
    return object;
  }

 private:
  static json Utf8CharacterSet() { return Attribute("CS", "Value", json::array({"ISO_IR 192"})); }

  Result<json> WriteItem(DcmItem& item, TextDecoder& inherited, const std::string& path_prefix) {
    std::unique_ptr<TextDecoder> own;
    TextDecoder* decoder = &inherited;
    OFString charset;
    if (item.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset, OFFalse).good()) {
      own = std::make_unique<TextDecoder>(std::string_view(charset.data(), charset.size()));
      decoder = own.get();
    }
    json::object_t object;
    for (DcmObject* child = item.nextInContainer(nullptr); child != nullptr;
         child = item.nextInContainer(child)) {
      const DcmTag& tag = child->getTag();
      if (tag.getElement() == 0 || tag.getGroup() == kFileMetaGroup) continue;
      if (TagOf(*child) == kDataSetTrailingPadding) continue;
      std::string key = TagToHex(TagOf(*child));
      auto value = WriteElement(*static_cast<DcmElement*>(child), *decoder, {path_prefix, key});
      if (!value) return std::move(value).error();
      // Elements come in ascending tag order, so each key belongs at the end.
      object.emplace_hint(object.end(), std::move(key), std::move(*value));
    }
    if (own) NoteFallback(*own);
    return json(std::move(object));
  }

  Result<json> WriteElement(DcmElement& element, TextDecoder& decoder, const TagPath& path) {
    const std::uint32_t tag = TagOf(element);
    if (element.ident() == EVR_SQ) {
      return WriteSequence(static_cast<DcmSequenceOfItems&>(element), decoder, path);
    }
    if (tag == kSpecificCharacterSet) return Utf8CharacterSet();
    const DcmEVR vr = DcmVR(element.getVR()).getValidEVR();
    if (IsPixelDataTag(tag)) return WritePixelData(element, path);
    if (vr == EVR_UN) {
      if (auto typed = WithDictionaryVr(element, little_endian_)) {
        return WriteElement(*typed, decoder, path);
      }
    }
    const char* vr_name = DcmVR(vr).getValidVRName();
    if (element.getLength() == 0) return Attribute(vr_name);
    if (IsJsonBinaryVr(vr)) return WriteBinary(element, vr, path);

    json values = json::array();
    bool read = true;
    switch (vr) {
      case EVR_AT:
        read = AppendValues(element, &DcmElement::getTagVal, values, [](const DcmTagKey& key) {
          return TagToHex((static_cast<std::uint32_t>(key.getGroup()) << 16) | key.getElement());
        });
        break;
      case EVR_FL:
        read = AppendValues(element, &DcmElement::getFloat32, values,
                            [](Float32 v) { return FloatValue(static_cast<float>(v)); });
        break;
      case EVR_FD:
        read = AppendValues(element, &DcmElement::getFloat64, values,
                            [](Float64 v) { return FloatValue(static_cast<double>(v)); });
        break;
      case EVR_SS:
        read = AppendValues(element, &DcmElement::getSint16, values, [](Sint16 v) { return v; });
        break;
      case EVR_US:
        read = AppendValues(element, &DcmElement::getUint16, values, [](Uint16 v) { return v; });
        break;
      case EVR_SL:
        read = AppendValues(element, &DcmElement::getSint32, values, [](Sint32 v) { return v; });
        break;
      case EVR_UL:
        read = AppendValues(element, &DcmElement::getUint32, values, [](Uint32 v) { return v; });
        break;
      case EVR_SV:
        read = AppendValues(element, &DcmElement::getSint64, values, [](Sint64 v) {
          const bool safe = static_cast<std::uint64_t>(v < 0 ? -(v + 1) : v) < kMaxSafeMagnitude;
          return safe ? json(v) : json(std::to_string(v));
        });
        break;
      case EVR_UV:
        read = AppendValues(element, &DcmElement::getUint64, values, [](Uint64 v) {
          return v < kMaxSafeMagnitude ? json(v) : json(std::to_string(v));
        });
        break;
      default: {
        auto text = WriteText(element, vr, decoder);
        if (!text) return std::move(text).error();
        values = std::move(*text);
      }
    }
    if (!read) return ReadError(tag);
    if (values.empty()) return Attribute(vr_name);
    return Attribute(vr_name, "Value", std::move(values));
  }

  Result<json> WriteSequence(DcmSequenceOfItems& sequence, TextDecoder& decoder,
                             const TagPath& path) {
    if (sequence.card() == 0) return Attribute("SQ");
    json items = json::array();
    std::size_t index = 0;
    for (DcmObject* child = sequence.nextInContainer(nullptr); child != nullptr;
         child = sequence.nextInContainer(child), ++index) {
      auto item = WriteItem(*static_cast<DcmItem*>(child), decoder,
                            path.Join() + "/" + std::to_string(index) + "/");
      if (!item) return item;
      items.push_back(std::move(*item));
    }
    return Attribute("SQ", "Value", std::move(items));
  }

  json WritePixelData(DcmElement& element, const TagPath& path) {
    const bool encapsulated = IsEncapsulatedPixelData(element);
    const char* vr = encapsulated ? "OB" : DcmVR(element.getVR()).getValidVRName();
    if (!HasPixelValue(element)) return Attribute(vr);
    return Attribute(vr, "BulkDataURI", options_.bulk_data_uri_prefix + path.Join());
  }

  Result<json> WriteBinary(DcmElement& element, DcmEVR evr, const TagPath& path) {
    const Uint32 length = element.getLength();
    // A malformed value whose length is no multiple of its VR's width (an OL of
    // 2 bytes) goes out as UN: DICOM JSON readers, ours included, refuse it as is.
    const DcmVR declared(evr);
    const char* vr = length % declared.getValueWidth() == 0 ? declared.getValidVRName() : "UN";
    if (length > options_.inline_binary_max_bytes) {
      return Attribute(vr, "BulkDataURI", options_.bulk_data_uri_prefix + path.Join());
    }
    std::string bytes(length, '\0');
    const OFCondition read =
        element.getPartialValue(bytes.data(), 0, length, nullptr, EBO_LittleEndian);
    if (read.bad()) return ReadError(TagOf(element));
    return Attribute(vr, "InlineBinary", Base64Encode(bytes));
  }

  Result<json> WriteText(DcmElement& element, DcmEVR vr, TextDecoder& decoder) {
    char* raw = nullptr;
    Uint32 length = 0;
    if (element.getString(raw, length).bad()) return ReadError(TagOf(element));
    std::string_view bytes = raw == nullptr ? std::string_view() : std::string_view(raw, length);
    std::string text;
    if (DcmVR(vr).isAffectedBySpecificCharacterSet()) {
      const OFString& delimiters = DcmVR(vr).getDelimiterChars();
      text = decoder.Decode(bytes, std::string_view(delimiters.data(), delimiters.size()));
      if (!IsAscii(text)) wrote_non_ascii_ = true;
    } else if (IsAscii(bytes)) {
      text.assign(bytes);
    } else {
      // Non-ASCII where the standard allows none (e.g. a CS or UI): keep the bytes
      // readable rather than fail, as ISO 8859-1 (or as is when valid UTF-8).
      text = IsValidUtf8(bytes) ? std::string(bytes) : Latin1ToUtf8(bytes);
      wrote_non_ascii_ = true;
    }

    json values = json::array();
    std::vector<std::string_view> components;
    if (IsSingleValuedText(vr)) {
      components.push_back(text);
    } else {
      components = Split(text, '\\');
    }
    const bool single = components.size() == 1;
    for (std::string_view component : components) {
      const std::string_view value = TrimValue(component, vr);
      if (value.empty()) {
        // A lone empty value means "no value"; inside a list it keeps its place.
        if (!single) values.push_back(nullptr);
        continue;
      }
      switch (vr) {
        case EVR_PN:
          values.push_back(PersonNameValue(value));
          break;
        case EVR_IS:
          values.push_back(IntegerStringValue(value));
          break;
        case EVR_DS:
          values.push_back(DecimalStringValue(value));
          break;
        default:
          values.push_back(std::string(value));
      }
    }
    return values;
  }

  void NoteFallback(const TextDecoder& decoder) {
    if (!decoder.used_fallback() || !fallback_charset_.empty()) return;
    fallback_charset_ = decoder.character_set().empty() ? "default" : decoder.character_set();
  }

  static Error ReadError(std::uint32_t tag) {
    return Fail(ErrorCode::kCorrupt, "cannot read the value of " + TagToHex(tag));
  }

  const JsonOptions& options_;
  const bool little_endian_;
  bool wrote_non_ascii_ = false;
  std::string fallback_charset_;
};

}  // namespace

Result<nlohmann::json> DatasetToJson(DcmItem& item, const JsonOptions& options) {
  if (auto dictionary = EnsureDataDictionary(); !dictionary) return std::move(dictionary).error();
  // UN values keep the byte order of the data set they were read from.
  bool little_endian = true;
  if (item.ident() == EVR_dataset) {
    little_endian = !DcmXfer(static_cast<DcmDataset&>(item).getOriginalXfer()).isBigEndian();
  }
  JsonWriter writer(options, little_endian);
  return writer.WriteDataset(item);
}

std::string FirstString(const nlohmann::json& object, std::uint32_t tag) {
  const auto attribute = object.find(TagToHex(tag));
  if (attribute == object.end()) return {};
  const auto value = attribute->find("Value");
  if (value == attribute->end() || !value->is_array() || value->empty()) return {};
  return value->front().is_string() ? value->front().get<std::string>() : std::string();
}

bool IsJsonBinaryVr(DcmEVR vr) {
  switch (vr) {
    case EVR_OB:
    case EVR_OD:
    case EVR_OF:
    case EVR_OL:
    case EVR_OV:
    case EVR_OW:
    case EVR_UN:
      return true;
    default:
      return false;
  }
}

}  // namespace tessera::dicom
