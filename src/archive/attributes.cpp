#include "archive/attributes.h"

#include <algorithm>
#include <cstdio>

#include "dicom/attribute_dictionary.h"

namespace tessera::archive {

namespace {

using enum ColumnKind;
using L = QueryLevel;

// PS3.18 Table 6.7.1-1/-2 and what OHIF's study list asks for. Column names
// match schema.cpp.
constexpr IndexedAttribute kAttributes[] = {
    {0x00100010, "PN", L::kPatient, "patient_name", kPersonName},
    {0x00100020, "LO", L::kPatient, "patient_id", kText},
    {0x00100021, "LO", L::kPatient, "issuer_of_patient_id", kText},
    {0x00100030, "DA", L::kPatient, "patient_birth_date", kDate},
    {0x00100040, "CS", L::kPatient, "patient_sex", kText},
    {0x00201200, "IS", L::kPatient, "num_studies", kCount},
    {0x00201202, "IS", L::kPatient, "num_series", kCount},
    {0x00201204, "IS", L::kPatient, "num_instances", kCount},

    {0x0020000D, "UI", L::kStudy, "study_uid", kUid},
    {0x00080020, "DA", L::kStudy, "study_date", kDate},
    {0x00080030, "TM", L::kStudy, "study_time", kTime},
    {0x00080050, "SH", L::kStudy, "accession_number", kText},
    {0x00080090, "PN", L::kStudy, "referring_physician_name", kPersonName},
    {0x00200010, "SH", L::kStudy, "study_id", kText},
    {0x00081030, "LO", L::kStudy, "study_description", kText},
    {0x00080201, "SH", L::kStudy, "timezone_offset", kText},
    {0x00080061, "CS", L::kStudy, "modalities", kList},
    {0x00080062, "UI", L::kStudy, "sop_classes", kList},
    {0x00201206, "IS", L::kStudy, "num_series", kCount},
    {0x00201208, "IS", L::kStudy, "num_instances", kCount},
    // Instance Availability: everything stored is on line (PS3.18 returns it at every level).
    {0x00080056, "CS", L::kStudy, "'ONLINE'", kConstant},

    {0x0020000E, "UI", L::kSeries, "series_uid", kUid},
    {0x00080060, "CS", L::kSeries, "modality", kText},
    {0x00200011, "IS", L::kSeries, "series_number", kInteger},
    {0x0008103E, "LO", L::kSeries, "series_description", kText},
    {0x00080021, "DA", L::kSeries, "series_date", kDate},
    {0x00080031, "TM", L::kSeries, "series_time", kTime},
    {0x00400244, "DA", L::kSeries, "pps_start_date", kDate},
    {0x00400245, "TM", L::kSeries, "pps_start_time", kTime},
    {0x00180015, "CS", L::kSeries, "body_part_examined", kText},
    {0x00201209, "IS", L::kSeries, "num_instances", kCount},

    {0x00080018, "UI", L::kInstance, "sop_instance_uid", kUid},
    {0x00080016, "UI", L::kInstance, "sop_class_uid", kUid},
    {0x00200013, "IS", L::kInstance, "instance_number", kInteger},
    {0x00280010, "US", L::kInstance, "pixel_rows", kInteger},
    {0x00280011, "US", L::kInstance, "pixel_columns", kInteger},
    {0x00280100, "US", L::kInstance, "bits_allocated", kInteger},
    {0x00280008, "IS", L::kInstance, "number_of_frames", kInteger},
};

}  // namespace

std::span<const IndexedAttribute> IndexedAttributes() { return kAttributes; }

const IndexedAttribute* FindIndexedAttribute(Tag tag) {
  const auto* it = std::find_if(std::begin(kAttributes), std::end(kAttributes),
                                [tag](const IndexedAttribute& a) { return a.tag == tag; });
  return it == std::end(kAttributes) ? nullptr : it;
}

std::string TagKey(Tag tag) {
  char key[9];
  std::snprintf(key, sizeof key, "%08X", tag);
  return std::string(key, 8);
}

std::string VrOfTag(Tag tag) {
  if (const auto* attribute = FindIndexedAttribute(tag)) return std::string(attribute->vr);
  return dicom::VrOf(tag);
}

}  // namespace tessera::archive
