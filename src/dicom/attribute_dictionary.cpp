#include "dicom/attribute_dictionary.h"

#include <array>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dctagkey.h>

namespace tessera::dicom {
namespace {

constexpr std::size_t kMaxUidLength = 64;

// Folders where Debian and source builds of DCMTK put dicom.dic, newest layout first.
constexpr std::array<std::string_view, 2> kShareFolders = {"/usr/share", "/usr/local/share"};

DcmTagKey ToTagKey(std::uint32_t tag) {
  return DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF));
}

std::uint32_t FromTagKey(const DcmTagKey& key) {
  return (static_cast<std::uint32_t>(key.getGroup()) << 16) | key.getElement();
}

// Every "<share>/{libdcmtk*,dcmtk*}/dicom.dic" that exists.
std::vector<std::filesystem::path> FindDictionaryFiles() {
  std::vector<std::filesystem::path> found;
  for (std::string_view share : kShareFolders) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(share, ec)) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("libdcmtk") && !name.starts_with("dcmtk")) continue;
      const auto dic = entry.path() / "dicom.dic";
      if (std::filesystem::is_regular_file(dic, ec)) found.push_back(dic);
    }
  }
  return found;
}

Status LoadDictionaryFromInstallFolders() {
  if (dcmDataDict.isDictionaryLoaded()) return Ok();
  for (const auto& dic : FindDictionaryFiles()) {
    DcmDataDictionary& dictionary = dcmDataDict.wrlock();
    const bool loaded = dictionary.loadDictionary(dic.c_str(), OFFalse);
    if (loaded) {
      const auto private_dic = dic.parent_path() / "private.dic";
      dictionary.loadDictionary(private_dic.c_str(), OFFalse);
    }
    dcmDataDict.wrunlock();
    if (loaded && dcmDataDict.isDictionaryLoaded()) return Ok();
  }
  return Fail(ErrorCode::kInternal, "DCMTK data dictionary (dicom.dic) not found");
}

// Holds DCMTK's dictionary read lock for one lookup.
class DictionaryReadLock {
 public:
  DictionaryReadLock() : dictionary_(dcmDataDict.rdlock()) {}
  ~DictionaryReadLock() { dcmDataDict.rdunlock(); }
  DictionaryReadLock(const DictionaryReadLock&) = delete;
  DictionaryReadLock& operator=(const DictionaryReadLock&) = delete;

  const DcmDataDictionary& dictionary() const { return dictionary_; }

 private:
  const DcmDataDictionary& dictionary_;
};

// DCMTK's lookup by keyword compares the name with every dictionary entry; it
// was a quarter of a QIDO request's CPU time. This index is built once, after
// the dictionary has loaded, and gives the same answers: a public entry before
// a private one, a repeating-group entry (no single tag) as no answer.
class KeywordIndex {
 public:
  static const KeywordIndex& Get() {
    static const KeywordIndex index;
    return index;
  }

  std::optional<AttributeInfo> Find(std::string_view keyword) const {
    const auto it = entries_.find(keyword);
    if (it == entries_.end() || it->second.repeating) return std::nullopt;
    return it->second.info;
  }

 private:
  struct Entry {
    AttributeInfo info;
    bool is_private = false;
    bool repeating = false;
  };

  KeywordIndex() {
    DcmDataDictionary& dictionary = dcmDataDict.wrlock();  // its iterators are non-const
    for (auto it = dictionary.normalBegin(); it != dictionary.normalEnd(); ++it) {
      const DcmDictEntry* entry = *it;
      if (entry->getTagName() == nullptr) continue;
      const bool is_private = entry->getGroup() % 2 == 1;
      Entry candidate{AttributeInfo{FromTagKey(entry->getKey()), entry->getVR().getValidVRName(),
                                    entry->getTagName()},
                      is_private, false};
      auto [found, inserted] = entries_.try_emplace(candidate.info.keyword, candidate);
      if (!inserted && found->second.is_private && !is_private) found->second = candidate;
    }
    for (auto it = dictionary.repeatingBegin(); it != dictionary.repeatingEnd(); ++it) {
      const DcmDictEntry* entry = *it;
      if (entry->getTagName() == nullptr) continue;
      Entry repeating{AttributeInfo{0, "", entry->getTagName()}, false, true};
      auto [found, inserted] = entries_.try_emplace(repeating.info.keyword, repeating);
      if (!inserted && found->second.is_private) found->second = repeating;
    }
    dcmDataDict.wrunlock();
  }

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Status EnsureDataDictionary() {
  // Loading is process-wide in DCMTK; remember the outcome of the one attempt.
  static const Status kLoaded = LoadDictionaryFromInstallFolders();
  return kLoaded;
}

std::string TagToHex(std::uint32_t tag) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string hex(8, '0');
  for (int i = 7; i >= 0; --i, tag >>= 4) hex[i] = kDigits[tag & 0xF];
  return hex;
}

std::optional<std::uint32_t> ParseHexTag(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  for (char c : text) {
    if (!IsHexDigit(c)) return std::nullopt;
  }
  std::uint32_t tag = 0;
  std::from_chars(text.data(), text.data() + text.size(), tag, 16);
  return tag;
}

std::optional<AttributeInfo> LookupAttribute(std::string_view keyword_or_tag) {
  if (!EnsureDataDictionary()) return std::nullopt;
  if (const auto tag = ParseHexTag(keyword_or_tag)) {
    return AttributeInfo{*tag, VrOf(*tag), std::string(KeywordOf(*tag))};
  }
  // Repeating-group entries (e.g. OverlayData, 60xx) have no single tag.
  return KeywordIndex::Get().Find(keyword_or_tag);
}

std::string_view KeywordOf(std::uint32_t tag) {
  if (!EnsureDataDictionary()) return {};
  DictionaryReadLock lock;
  const DcmDictEntry* entry = lock.dictionary().findEntry(ToTagKey(tag), nullptr);
  if (entry == nullptr || entry->getTagName() == nullptr) return {};
  return entry->getTagName();
}

std::string VrOf(std::uint32_t tag) {
  if (!EnsureDataDictionary()) return "UN";
  DictionaryReadLock lock;
  const DcmDictEntry* entry = lock.dictionary().findEntry(ToTagKey(tag), nullptr);
  if (entry == nullptr) return "UN";
  const DcmEVR vr = entry->getVR().getValidEVR();
  // The dictionary's "see note" pseudo VRs map to UN, which is what DICOM JSON wants.
  if (vr == EVR_UNKNOWN || vr == EVR_UNKNOWN2B) return "UN";
  return DcmVR(vr).getVRName();
}

bool IsValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > kMaxUidLength) return false;
  std::size_t component_start = 0;
  for (std::size_t i = 0; i <= uid.size(); ++i) {
    if (i == uid.size() || uid[i] == '.') {
      const std::size_t length = i - component_start;
      if (length == 0) return false;
      if (length > 1 && uid[component_start] == '0') return false;
      component_start = i + 1;
      continue;
    }
    if (uid[i] < '0' || uid[i] > '9') return false;
  }
  return true;
}

}  // namespace tessera::dicom
