#include "archive/schema.h"

namespace tessera::archive {

// Version 1. Column names match attributes.cpp. Person names come as three
// columns: the Alphabetic group (exact matching), its case-folded copy
// (case-insensitive and wildcard matching) and, only when the value has more than
// an Alphabetic group, the JSON of the whole value for returning. Times keep the
// received text and a normalised "HHMMSS.FFFFFF" copy for ranges and ordering.
static constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  patient_key TEXT NOT NULL UNIQUE,
  patient_name TEXT,
  patient_name_folded TEXT,
  patient_name_json TEXT,
  patient_id TEXT,
  issuer_of_patient_id TEXT,
  patient_birth_date TEXT,
  patient_sex TEXT,
  num_studies INTEGER NOT NULL DEFAULT 0,
  num_series INTEGER NOT NULL DEFAULT 0,
  num_instances INTEGER NOT NULL DEFAULT 0,
  latest_instance INTEGER
);
CREATE INDEX patients_by_name_folded ON patients(patient_name_folded);
CREATE INDEX patients_by_name ON patients(patient_name);
CREATE INDEX patients_by_patient_id ON patients(patient_id);
CREATE INDEX patients_by_birth_date ON patients(patient_birth_date);

CREATE TABLE studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  patient_pk INTEGER NOT NULL REFERENCES patients(id),
  study_uid TEXT NOT NULL UNIQUE,
  study_date TEXT,
  study_time TEXT,
  study_time_norm TEXT,
  accession_number TEXT,
  referring_physician_name TEXT,
  referring_physician_name_folded TEXT,
  referring_physician_name_json TEXT,
  study_id TEXT,
  study_description TEXT,
  timezone_offset TEXT,
  patient_name TEXT,
  patient_name_folded TEXT,
  patient_name_json TEXT,
  patient_id TEXT,
  issuer_of_patient_id TEXT,
  patient_birth_date TEXT,
  patient_sex TEXT,
  modalities TEXT,
  sop_classes TEXT,
  num_series INTEGER NOT NULL DEFAULT 0,
  num_instances INTEGER NOT NULL DEFAULT 0,
  revision INTEGER NOT NULL DEFAULT 0,
  latest_instance INTEGER
);
CREATE INDEX studies_by_patient ON studies(patient_pk);
CREATE INDEX studies_by_date_time ON studies(study_date, study_time_norm);
CREATE INDEX studies_by_accession ON studies(accession_number);
CREATE INDEX studies_by_study_id ON studies(study_id);
CREATE INDEX studies_by_description ON studies(study_description);
CREATE INDEX studies_by_referring_folded ON studies(referring_physician_name_folded);
CREATE INDEX studies_by_referring ON studies(referring_physician_name);
CREATE INDEX studies_by_patient_name_folded ON studies(patient_name_folded);
CREATE INDEX studies_by_patient_name ON studies(patient_name);
CREATE INDEX studies_by_patient_id ON studies(patient_id);
CREATE INDEX studies_by_birth_date ON studies(patient_birth_date);

CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  study_pk INTEGER NOT NULL REFERENCES studies(id),
  series_uid TEXT NOT NULL UNIQUE,
  modality TEXT,
  series_number INTEGER,
  series_description TEXT,
  series_date TEXT,
  series_time TEXT,
  series_time_norm TEXT,
  pps_start_date TEXT,
  pps_start_time TEXT,
  pps_start_time_norm TEXT,
  body_part_examined TEXT,
  num_instances INTEGER NOT NULL DEFAULT 0,
  latest_instance INTEGER
);
CREATE INDEX series_by_study ON series(study_pk, series_number);
CREATE INDEX series_by_study_modality ON series(study_pk, modality);
CREATE INDEX series_by_modality ON series(modality);
CREATE INDEX series_by_date ON series(series_date);
CREATE INDEX series_by_description ON series(series_description);
CREATE INDEX series_by_body_part ON series(body_part_examined);
CREATE INDEX series_by_pps_date ON series(pps_start_date);

CREATE TABLE instances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  series_pk INTEGER NOT NULL REFERENCES series(id),
  sop_instance_uid TEXT NOT NULL UNIQUE,
  sop_class_uid TEXT NOT NULL,
  instance_number INTEGER,
  pixel_rows INTEGER,
  pixel_columns INTEGER,
  bits_allocated INTEGER,
  number_of_frames INTEGER,
  transfer_syntax_uid TEXT NOT NULL,
  size INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
);
CREATE INDEX instances_by_series ON instances(series_pk, instance_number);
CREATE INDEX instances_by_series_class ON instances(series_pk, sop_class_uid);
CREATE INDEX instances_by_class ON instances(sop_class_uid);

CREATE TABLE instance_metadata (
  instance_pk INTEGER PRIMARY KEY REFERENCES instances(id),
  json TEXT NOT NULL
);

CREATE TABLE garbage (
  blob INTEGER PRIMARY KEY
);
)sql";

// The study list's date index also carries the folded patient name: a name
// prefix common enough to be read in date order (see SqlQuery::ordered_sql) is
// then tested in the index, without reading each study's row (30 -> 3 ms for
// "smi*" in a million studies).
static constexpr const char* kSchemaV2 = R"sql(
DROP INDEX studies_by_date_time;
CREATE INDEX studies_by_date_time ON studies(study_date, study_time_norm, patient_name_folded);
)sql";

// A patient name prefix's studies in the study list's order (newest first when
// read backwards), keyed on the name's first kNameStartCharacters (query_sql.h)
// characters: a page of "smi*" reads about a page of entries, not every "smi"
// (2.2 -> 0.7 ms in a million studies, where "smi" matches ten thousand).
static constexpr const char* kSchemaV3 = R"sql(
CREATE INDEX studies_by_name_start ON studies(
  substr(patient_name_folded, 1, 3), study_date, study_time_norm, patient_name_folded);
)sql";

// The number of studies, kept by triggers in the transactions that add and
// remove them: the study list's unfiltered total is then one row, not a walk of
// an index over every study (that walk made the explorer's first page take
// 0.96 ms in a million studies against 0.41 in ten thousand).
static constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE study_total (studies INTEGER NOT NULL);
INSERT INTO study_total SELECT count(*) FROM studies;
CREATE TRIGGER study_total_added AFTER INSERT ON studies
  BEGIN UPDATE study_total SET studies = studies + 1; END;
CREATE TRIGGER study_total_removed AFTER DELETE ON studies
  BEGIN UPDATE study_total SET studies = studies - 1; END;
)sql";

// FoldCaseUtf8 learnt Greek's final sigma (as σ) and its accented capitals,
// as Unicode's case folding has them: names folded before are folded again, so
// that "ΔΙΟΝΥΣΙΟΣ" finds "Διονυσιος". Only those code points changed.
static constexpr const char* kSchemaV5 = R"sql(
UPDATE patients SET patient_name_folded = replace(replace(replace(replace(
  replace(replace(replace(replace(patient_name_folded,
  'ς', 'σ'), 'Ά', 'ά'), 'Έ', 'έ'), 'Ή', 'ή'), 'Ί', 'ί'), 'Ό', 'ό'), 'Ύ', 'ύ'), 'Ώ', 'ώ')
  WHERE patient_name_folded GLOB '*[ςΆΈΉΊΌΎΏ]*';
UPDATE studies SET patient_name_folded = replace(replace(replace(replace(
  replace(replace(replace(replace(patient_name_folded,
  'ς', 'σ'), 'Ά', 'ά'), 'Έ', 'έ'), 'Ή', 'ή'), 'Ί', 'ί'), 'Ό', 'ό'), 'Ύ', 'ύ'), 'Ώ', 'ώ')
  WHERE patient_name_folded GLOB '*[ςΆΈΉΊΌΎΏ]*';
UPDATE studies SET referring_physician_name_folded = replace(replace(replace(replace(
  replace(replace(replace(replace(referring_physician_name_folded,
  'ς', 'σ'), 'Ά', 'ά'), 'Έ', 'έ'), 'Ή', 'ή'), 'Ί', 'ί'), 'Ό', 'ό'), 'Ύ', 'ύ'), 'Ώ', 'ώ')
  WHERE referring_physician_name_folded GLOB '*[ςΆΈΉΊΌΎΏ]*';
)sql";

// A patient name's Ideographic and Phonetic groups ("山田*", "=山田*", "やまだ*"),
// which only the value's JSON holds: without an index such a query read every
// study's row (26 ms for a kanji prefix in 20,000 studies, 0.5 ms with these).
// Partial: only names with more than an Alphabetic group have that JSON. The
// expressions are the ones query_sql.cpp writes, so that SQLite can use them.
static constexpr const char* kSchemaV6 = R"sql(
CREATE INDEX patients_by_name_ideographic ON patients(
  json_extract(patient_name_json, '$[0].Ideographic')) WHERE patient_name_json IS NOT NULL;
CREATE INDEX patients_by_name_phonetic ON patients(
  json_extract(patient_name_json, '$[0].Phonetic')) WHERE patient_name_json IS NOT NULL;
CREATE INDEX studies_by_patient_name_ideographic ON studies(
  json_extract(patient_name_json, '$[0].Ideographic')) WHERE patient_name_json IS NOT NULL;
CREATE INDEX studies_by_patient_name_phonetic ON studies(
  json_extract(patient_name_json, '$[0].Phonetic')) WHERE patient_name_json IS NOT NULL;
)sql";

// The same for the referring physician's name, the other person name a study
// query matches.
static constexpr const char* kSchemaV7 = R"sql(
CREATE INDEX studies_by_referring_ideographic ON studies(
  json_extract(referring_physician_name_json, '$[0].Ideographic'))
  WHERE referring_physician_name_json IS NOT NULL;
CREATE INDEX studies_by_referring_phonetic ON studies(
  json_extract(referring_physician_name_json, '$[0].Phonetic'))
  WHERE referring_physician_name_json IS NOT NULL;
)sql";

// FoldCaseUtf8 folded Ÿ (U+0178) to Ź (U+0179), which nothing else folds to
// (Ź itself folds to ź): folded names holding Ź had Ÿ, and now hold ÿ.
static constexpr const char* kSchemaV8 = R"sql(
UPDATE patients SET patient_name_folded = replace(patient_name_folded, 'Ź', 'ÿ')
  WHERE patient_name_folded GLOB '*Ź*';
UPDATE studies SET patient_name_folded = replace(patient_name_folded, 'Ź', 'ÿ')
  WHERE patient_name_folded GLOB '*Ź*';
UPDATE studies SET referring_physician_name_folded =
  replace(referring_physician_name_folded, 'Ź', 'ÿ')
  WHERE referring_physician_name_folded GLOB '*Ź*';
)sql";

static constexpr db::Migration kMigrations[] = {{1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3},
                                                {4, kSchemaV4}, {5, kSchemaV5}, {6, kSchemaV6},
                                                {7, kSchemaV7}, {8, kSchemaV8}};

std::span<const db::Migration> IndexMigrations() { return kMigrations; }

}  // namespace tessera::archive
