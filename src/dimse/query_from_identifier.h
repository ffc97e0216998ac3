#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>

#include "archive/query.h"
#include "base/result.h"

namespace tessera::dimse {

// The Query/Retrieve information models Tessera serves.
enum class InformationModel { kPatientRoot, kStudyRoot };

// The model of a FIND, MOVE or GET SOP class UID; nullopt for any other UID.
std::optional<InformationModel> ModelOfSopClass(std::string_view sop_class_uid);

// A C-FIND identifier turned into an archive query, plus what the responses need.
struct FindRequest {
  archive::Query query;
  std::string level_name;  // "PATIENT", "STUDY", "SERIES" or "IMAGE"
  // The identifier's keys in request order (QueryRetrieveLevel and
  // SpecificCharacterSet excluded): each response carries exactly these, plus
  // the unique keys.
  std::vector<archive::Tag> requested;
  // The unique key of the level and of the levels above it in the model (e.g.
  // PatientID, StudyInstanceUID and SeriesInstanceUID for a Patient Root series
  // query); returned even when not requested.
  std::vector<archive::Tag> unique_keys;
};

// Builds the query for a C-FIND identifier. Text is decoded from the identifier's
// Specific Character Set to UTF-8. Each key becomes a condition: empty or "*"
// values are kUniversal (return keys), UIDs with '\' are kUidList, DA/TM/DT with
// '-' are kRange, text with '*' or '?' is kWildcard, CS lists ("CT\MR") are value
// lists, anything else kSingleValue. A single unique key of a level above the
// query level (PatientID in Patient Root, StudyInstanceUID, SeriesInstanceUID)
// scopes the query instead. Sequences and binary attributes are kUniversal
// whatever their content (sequence matching is not supported). Private
// elements and RetrieveAETitle are requested but not passed to the archive;
// group lengths and File Meta elements are ignored.
// Errors: kInvalidArgument naming the attribute for a missing or unknown
// QueryRetrieveLevel, a level the model lacks (PATIENT in Study Root), or a
// malformed value (bad date, time or range, invalid UID, wildcard in a UID or
// date, non-numeric IS/DS).
// `identifier` is not modified (DCMTK's accessors are not const).
Result<FindRequest> QueryFromIdentifier(DcmDataset& identifier, InformationModel model);

// Builds the query that finds what a C-MOVE or C-GET identifier asks for: only the
// unique keys count (PatientID at PATIENT level in Patient Root, else
// StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID down to the level), each a
// single UID or a UID list; the query returns the study, series and instance UIDs
// of each match. A PATIENT-level identifier becomes a study-level query for the
// patient's studies. Errors: kInvalidArgument for a bad level, a missing or empty
// unique key at the retrieve level, wildcards, or invalid UIDs.
Result<archive::Query> RetrieveQueryFromIdentifier(DcmDataset& identifier, InformationModel model);

}  // namespace tessera::dimse
