#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::archive {

// A DICOM attribute tag as (group << 16) | element, e.g. 0x00100010 for PatientName.
using Tag = std::uint32_t;

enum class QueryLevel { kPatient, kStudy, kSeries, kInstance };

// How one attribute is matched (PS3.4 C.2.2.2 / PS3.18 8.3.4).
enum class MatchType {
  kSingleValue,  // equality; person names case-insensitively when configured
  kWildcard,     // '*' any run, '?' one character
  kUidList,      // equals any of `values`
  kRange,        // DA, TM, DT: values = {low, high}; an empty bound is open
  kUniversal,    // no constraint; the attribute is returned (a C-FIND return key)
};

struct Condition {
  Tag tag = 0;
  MatchType type = MatchType::kUniversal;
  std::vector<std::string> values;  // UTF-8; see MatchType for the shape
};

struct OrderBy {
  Tag tag = 0;
  bool descending = false;
};

// A query at one level, shared by QIDO-RS and C-FIND. Built by the protocol
// handlers from their request syntax; validated and run by Archive::Find.
struct Query {
  QueryLevel level = QueryLevel::kStudy;
  // Scope fixed by the URL path (or C-FIND unique keys above the level); empty: any.
  std::string patient_id;
  std::string study_uid;
  std::string series_uid;
  std::vector<Condition> conditions;
  // Attributes to return besides the level's default set. `include_all` returns
  // every attribute the archive keeps at that level.
  std::vector<Tag> include;
  bool include_all = false;
  // PS3.18 fuzzymatching: a person-name value also matches names in which any
  // component or word starts with it, and study and series descriptions match
  // regardless of case.
  bool fuzzy_matching = false;
  std::size_t offset = 0;
  std::optional<std::size_t> limit;
  std::vector<OrderBy> order_by;
  // Also count every match (ignoring offset and limit), for paging UIs.
  bool count_total = false;
};

struct QueryResult {
  // One DICOM JSON object per match, in order; UTF-8, SpecificCharacterSet not included.
  std::vector<nlohmann::json> matches;
  std::optional<std::uint64_t> total;  // set when Query::count_total
  // More matched than one answer may hold (ArchiveOptions::max_query_results)
  // and the query's limit asked for: `matches` are the first of them.
  bool truncated = false;
  // Acknowledged instances that the index does not hold yet (its writer is
  // failing: IndexLag); they may be missing from `matches`.
  std::uint64_t unindexed = 0;
};

// A match as the text of its DICOM JSON object, for answers that pass it on
// (QIDO-RS): no document tree is built for it. The UIDs say where it belongs;
// each is empty unless the query returned that attribute.
struct MatchText {
  std::string json;
  std::string study_uid;
  std::string series_uid;
  std::string sop_instance_uid;
};

struct QueryTextResult {
  std::vector<MatchText> matches;      // in order; the same objects Find returns
  std::optional<std::uint64_t> total;  // set when Query::count_total
  bool truncated = false;              // as QueryResult::truncated
  std::uint64_t unindexed = 0;         // as QueryResult::unindexed
};

}  // namespace tessera::archive
