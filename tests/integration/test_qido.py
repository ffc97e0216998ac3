"""QIDO-RS against the real binary: every level and path, matching (single values, UID lists,
wildcards, date/time ranges, person names, other attributes by keyword or tag), includefield,
paging, ordering, counts, percent-decoding, warnings, errors, and the queries OHIF v3 sends."""
import pytest

import dicom_factory as factory
from dicom_factory import make_instance
from tessera_harness import first_value, stow

STUDY_UID = "0020000D"
SERIES_UID = "0020000E"
SOP_UID = "00080018"
PATIENT_NAME = "00100010"
RETRIEVE_URL = "00081190"


@pytest.fixture(scope="module")
def catalog(server, client):
    """Four studies with known attributes. Returns {label: {"study", "series": [...],
    "instances": [[...], ...]}}."""
    plans = {
        # label: (study attributes, [(series modality, instance count, series extras)])
        "smith": (dict(patient_name="Smith^Anna", patient_id="P-SMITH", study_date="20200315",
                       study_time="083000", accession="A1", study_description="Brain MRI"),
                  [("MR", 3, dict(BodyPartExamined="HEAD")), ("CT", 1, {})]),
        "mueller": (dict(patient_name="Müller^Hans", patient_id="P-MUELLER", charset="ISO_IR 192",
                         study_date="20201224", study_time="235959", accession="A2",
                         study_description="chest ct"),
                    [("CT", 1, dict(BodyPartExamined="CHEST"))]),
        "blacksmith": (dict(patient_name="Blacksmith^Joe", patient_id="P-BS",
                            study_date="20210101", study_time="000000", accession="a3",
                            study_description="Chest CT"),
                       [("MR", 2, {})]),
        "doe": (dict(patient_name="doe^jane", patient_id="P-DOE", study_date="20190607",
                     study_time="101010.5", accession="ACC-4", study_description="Knee"),
                [("OT", 3, dict(Manufacturer="ACME"))]),
    }
    catalog = {}
    blobs = []
    for label, (study_attrs, series_plan) in plans.items():
        study = factory.uid()
        entry = {"study": study, "series": [], "instances": []}
        for number, (modality, count, extras) in enumerate(series_plan, start=1):
            series = factory.uid()
            entry["series"].append(series)
            sops = []
            for i in range(1, count + 1):
                ds, data = make_instance(
                    study_uid=study, series_uid=series, modality=modality, series_number=number,
                    instance_number=i, seed=i,
                    AcquisitionDateTime=f"{study_attrs['study_date']}1200{i:02d}",
                    ContentDate=f"{study_attrs['study_date'][:6]}{10 + i:02d}",
                    **study_attrs, **extras)
                sops.append(ds.SOPInstanceUID)
                blobs.append(data)
            entry["instances"].append(sops)
        catalog[label] = entry
    r = stow(client, server, blobs)
    assert r.status_code == 200, r.text
    return catalog


def query(client, server, path, params=None, status=200, **kwargs):
    r = client.get(server.pacs + path, params=params, **kwargs)
    assert r.status_code == status, f"{path} {params}: {r.status_code} {r.text}"
    return r


def studies(client, server, params=None):
    """The study UIDs a /studies query answers, in order."""
    return [first_value(m, STUDY_UID) for m in query(client, server, "/studies", params).json()]


def labels(catalog, uids):
    by_uid = {entry["study"]: label for label, entry in catalog.items()}
    return [by_uid.get(uid, uid) for uid in uids]


def matched(client, server, catalog, params):
    return sorted(labels(catalog, studies(client, server, params)))


# --- levels and paths -------------------------------------------------------------------


def test_study_level_lists_all_studies_with_counts_and_retrieve_url(server, client, catalog):
    results = query(client, server, "/studies").json()
    by_uid = {first_value(m, STUDY_UID): m for m in results}
    assert set(by_uid) == {entry["study"] for entry in catalog.values()}
    smith = by_uid[catalog["smith"]["study"]]
    assert first_value(smith, "00201206") == 2  # NumberOfStudyRelatedSeries
    assert first_value(smith, "00201208") == 4  # NumberOfStudyRelatedInstances
    assert sorted(smith["00080061"]["Value"]) == ["CT", "MR"]  # ModalitiesInStudy
    assert first_value(smith, RETRIEVE_URL) == f"{server.pacs}/studies/{catalog['smith']['study']}"
    assert first_value(smith, PATIENT_NAME) == {"Alphabetic": "Smith^Anna"}
    assert first_value(smith, "00080020") == "20200315"
    assert smith["00080020"]["vr"] == "DA"


def test_series_of_a_study(server, client, catalog):
    smith = catalog["smith"]
    results = query(client, server, f"/studies/{smith['study']}/series").json()
    assert sorted(first_value(m, SERIES_UID) for m in results) == sorted(smith["series"])
    by_uid = {first_value(m, SERIES_UID): m for m in results}
    mr = by_uid[smith["series"][0]]
    assert first_value(mr, "00080060") == "MR"
    assert first_value(mr, "00201209") == 3  # NumberOfSeriesRelatedInstances
    assert first_value(by_uid[smith["series"][1]], "00201209") == 1
    assert first_value(mr, RETRIEVE_URL) == (
        f"{server.pacs}/studies/{smith['study']}/series/{smith['series'][0]}")


def test_all_series(server, client, catalog):
    results = query(client, server, "/series").json()
    expected = [s for entry in catalog.values() for s in entry["series"]]
    assert sorted(first_value(m, SERIES_UID) for m in results) == sorted(expected)
    assert all(first_value(m, "00201209") for m in results)
    # Series answers name their study (needed for the RetrieveURL).
    assert all(first_value(m, STUDY_UID) for m in results)


def test_instances_of_a_series_of_a_study_and_all_instances(server, client, catalog):
    doe = catalog["doe"]
    path = f"/studies/{doe['study']}/series/{doe['series'][0]}/instances"
    results = query(client, server, path).json()
    assert sorted(first_value(m, SOP_UID) for m in results) == sorted(doe["instances"][0])
    for m in results:
        sop = first_value(m, SOP_UID)
        assert first_value(m, RETRIEVE_URL) == (
            f"{server.pacs}/studies/{doe['study']}/series/{doe['series'][0]}/instances/{sop}")
        assert first_value(m, "00080016") == factory.SECONDARY_CAPTURE
        assert first_value(m, "00200013") in (1, 2, 3)

    smith = catalog["smith"]
    results = query(client, server, f"/studies/{smith['study']}/instances").json()
    assert sorted(first_value(m, SOP_UID) for m in results) == sorted(
        smith["instances"][0] + smith["instances"][1])

    total = sum(len(sops) for entry in catalog.values() for sops in entry["instances"])
    assert len(query(client, server, "/instances").json()) == total


def test_series_and_instances_carry_their_studys_context(server, client, catalog):
    """PS3.18 tables 10.6.3-4 and -5: Instance Availability and Timezone Offset From UTC are
    returned at series and instance level too."""
    smith = catalog["smith"]
    paths = [f"/studies/{smith['study']}/series", "/series",
             f"/studies/{smith['study']}/series/{smith['series'][0]}/instances", "/instances"]
    for path in paths:
        for match in query(client, server, path).json():
            assert first_value(match, "00080056") == "ONLINE", path
            assert match["00080201"]["vr"] == "SH", path
    assert len(studies(client, server, {"InstanceAvailability": "ONLINE"})) == 4
    assert studies(client, server, {"InstanceAvailability": "OFFLINE"}) == []
    assert first_value(query(client, server, "/studies").json()[0], "00080056") == "ONLINE"


def test_unknown_study_in_the_path_matches_nothing(server, client, catalog):
    assert query(client, server, "/studies/1.2.3.4/series").json() == []
    assert query(client, server, "/studies/1.2.3.4/series/1.2.3.5/instances").json() == []


# --- matching ---------------------------------------------------------------------------


def test_single_value_and_uid_lists(server, client, catalog):
    smith, doe = catalog["smith"]["study"], catalog["doe"]["study"]
    assert matched(client, server, catalog, {"StudyInstanceUID": smith}) == ["smith"]
    assert matched(client, server, catalog, {"StudyInstanceUID": f"{smith},{doe}"}) == [
        "doe", "smith"]
    assert matched(client, server, catalog, {"0020000D": f"{smith}\\{doe}"}) == ["doe", "smith"]
    assert matched(client, server, catalog, {"PatientID": "P-BS"}) == ["blacksmith"]
    assert matched(client, server, catalog, {"PatientID": "P-B"}) == []
    series = catalog["smith"]["series"]
    r = query(client, server, "/series", {"SeriesInstanceUID": f"{series[0]}\\{series[1]}"})
    assert sorted(first_value(m, SERIES_UID) for m in r.json()) == sorted(series)


def test_wildcards(server, client, catalog):
    assert matched(client, server, catalog, {"PatientID": "P-*"}) == [
        "blacksmith", "doe", "mueller", "smith"]
    assert matched(client, server, catalog, {"PatientID": "P-?MITH"}) == ["smith"]
    assert matched(client, server, catalog, {"PatientID": "P-??"}) == ["blacksmith"]
    assert matched(client, server, catalog, {"AccessionNumber": "A*"}) == [
        "doe", "mueller", "smith"]
    assert matched(client, server, catalog, {"StudyDescription": "*CT"}) == ["blacksmith"]
    assert matched(client, server, catalog, {"PatientID": "*"}) == [
        "blacksmith", "doe", "mueller", "smith"]


def test_date_and_time_ranges(server, client, catalog):
    assert matched(client, server, catalog, {"StudyDate": "20200315"}) == ["smith"]
    assert matched(client, server, catalog, {"StudyDate": "20200101-20201231"}) == [
        "mueller", "smith"]
    assert matched(client, server, catalog, {"StudyDate": "20201224-"}) == ["blacksmith", "mueller"]
    assert matched(client, server, catalog, {"StudyDate": "-20200315"}) == ["doe", "smith"]
    assert matched(client, server, catalog, {"StudyDate": "20211231-20200101"}) == []
    assert matched(client, server, catalog, {"StudyTime": "080000-090000"}) == ["smith"]
    assert matched(client, server, catalog, {"StudyTime": "2300-"}) == ["mueller"]
    assert matched(client, server, catalog, {"StudyTime": "101010-101011"}) == ["doe"]
    assert matched(client, server, catalog, {"00080020": "20190607"}) == ["doe"]


def test_datetime_range_at_instance_level(server, client, catalog):
    doe = catalog["doe"]
    r = query(client, server, "/instances",
              {"AcquisitionDateTime": "20190607120002-20190607120003"})
    assert sorted(first_value(m, SOP_UID) for m in r.json()) == sorted(doe["instances"][0][1:])
    r = query(client, server, f"/studies/{doe['study']}/instances", {"ContentDate": "20190612-"})
    assert sorted(first_value(m, SOP_UID) for m in r.json()) == sorted(doe["instances"][0][1:])


def test_person_names_match_case_insensitively(server, client, catalog):
    assert matched(client, server, catalog, {"PatientName": "smith^anna"}) == ["smith"]
    assert matched(client, server, catalog, {"PatientName": "DOE^JANE"}) == ["doe"]
    assert matched(client, server, catalog, {"PatientName": "*SMITH*"}) == ["blacksmith", "smith"]
    assert matched(client, server, catalog, {"00100010": "bl*"}) == ["blacksmith"]


def test_other_attributes_match_case_sensitively(server, client, catalog):
    assert matched(client, server, catalog, {"AccessionNumber": "a3"}) == ["blacksmith"]
    assert matched(client, server, catalog, {"AccessionNumber": "A3"}) == []
    assert matched(client, server, catalog, {"StudyDescription": "Chest CT"}) == ["blacksmith"]
    assert matched(client, server, catalog, {"StudyDescription": "chest*"}) == ["mueller"]
    assert matched(client, server, catalog, {"PatientID": "p-doe"}) == []


def test_query_values_are_percent_decoded_as_utf8(server, client, catalog):
    def raw(target):
        r = query(client, server, target)
        return sorted(labels(catalog, [first_value(m, STUDY_UID) for m in r.json()]))

    assert raw("/studies?PatientName=M%C3%BCller*") == ["mueller"]
    assert raw("/studies?PatientName=m%C3%BCller%5Ehans") == ["mueller"]
    assert raw("/studies?PatientName=Smith%5EAnna") == ["smith"]
    assert raw("/studies?StudyDescription=Brain%20MRI") == ["smith"]
    assert raw("/studies?StudyDescription=Brain+MRI") == ["smith"]
    r = query(client, server, "/studies?PatientName=M%C3%BCller*")
    assert first_value(r.json()[0], PATIENT_NAME) == {"Alphabetic": "Müller^Hans"}


def test_modalities_in_study_and_series_attributes(server, client, catalog):
    assert matched(client, server, catalog, {"ModalitiesInStudy": "CT"}) == ["mueller", "smith"]
    assert matched(client, server, catalog, {"ModalitiesInStudy": "OT,MR"}) == [
        "blacksmith", "doe", "smith"]
    r = query(client, server, "/series", {"Modality": "MR"})
    expected = [catalog["smith"]["series"][0], catalog["blacksmith"]["series"][0]]
    assert sorted(first_value(m, SERIES_UID) for m in r.json()) == sorted(expected)
    r = query(client, server, "/series", {"BodyPartExamined": "CHEST"})
    assert [first_value(m, SERIES_UID) for m in r.json()] == catalog["mueller"]["series"]
    r = query(client, server, "/series", {"00080070": "ACME"})  # Manufacturer by tag
    assert [first_value(m, SERIES_UID) for m in r.json()] == catalog["doe"]["series"]
    r = query(client, server, "/instances", {"InstanceNumber": "2",
                                             "StudyInstanceUID": catalog["smith"]["study"]})
    assert [first_value(m, SOP_UID) for m in r.json()] == [catalog["smith"]["instances"][0][1]]


def test_higher_level_attributes_match_at_lower_levels(server, client, catalog):
    r = query(client, server, "/series", {"PatientName": "smith*"})
    assert sorted(first_value(m, SERIES_UID) for m in r.json()) == sorted(
        catalog["smith"]["series"])
    r = query(client, server, "/instances", {"StudyDate": "20201224-20210101", "Modality": "MR"})
    assert sorted(first_value(m, SOP_UID) for m in r.json()) == sorted(
        catalog["blacksmith"]["instances"][0])
    r = query(client, server, "/studies", {"Modality": "MR"}, status=400)
    assert "study level" in r.json()["message"]


def test_fuzzymatching_is_accepted(server, client, catalog):
    strict = {"PatientName": "smith*", "fuzzymatching": "false"}
    assert matched(client, server, catalog, strict) == ["smith"]
    found = matched(client, server, catalog, {"PatientName": "anna", "fuzzymatching": "true"})
    assert "smith" in found and "doe" not in found



def test_fuzzymatching_compares_descriptions_regardless_of_case(server, client, catalog):
    fuzzy = {"fuzzymatching": "true"}
    assert matched(client, server, catalog, {"StudyDescription": "*CHEST*", **fuzzy}) == [
        "blacksmith", "mueller"]
    assert matched(client, server, catalog, {"StudyDescription": "brain mri", **fuzzy}) == [
        "smith"]
    assert matched(client, server, catalog, {"AccessionNumber": "A3", **fuzzy}) == []
    r = query(client, server, f"/studies/{catalog['smith']['study']}/series",
              {"SeriesDescription": "*", "fuzzymatching": "true", "includefield": "0008103E"})
    described = [s["0008103E"]["Value"][0] for s in r.json() if "0008103E" in s]
    assert described, "the factory gives series a description"
    wanted = described[0].swapcase()
    r = query(client, server, f"/studies/{catalog['smith']['study']}/series",
              {"SeriesDescription": wanted, "fuzzymatching": "true"})
    assert len(r.json()) == described.count(described[0])


# --- includefield, paging, ordering, counting -------------------------------------------


def test_includefield_by_tag_keyword_and_all(server, client, catalog):
    smith = catalog["smith"]["study"]
    plain = query(client, server, "/studies", {"StudyInstanceUID": smith}).json()[0]
    assert "00101010" not in plain and "00201200" not in plain
    r = query(client, server, "/studies",
              {"StudyInstanceUID": smith,
               "includefield": ["00101010", "NumberOfPatientRelatedStudies"]})
    assert "00101010" in r.json()[0] and "00201200" in r.json()[0]
    r = query(client, server, "/studies",
              {"StudyInstanceUID": smith, "includefield": "00101010,NumberOfPatientRelatedStudies"})
    assert "00101010" in r.json()[0] and "00201200" in r.json()[0]
    everything = query(client, server, "/studies",
                       {"StudyInstanceUID": smith, "includefield": "all"}).json()[0]
    assert set(plain) < set(everything)
    series = query(client, server, f"/studies/{smith}/series", {"includefield": "all"}).json()
    assert all("0008103E" in m for m in series)  # SeriesDescription


def test_limit_offset_and_orderby(server, client, catalog):
    ordered = labels(catalog, studies(client, server, {"orderby": "StudyDate"}))
    assert ordered == ["doe", "smith", "mueller", "blacksmith"]
    ordered = labels(catalog, studies(client, server, {"orderby": "-StudyDate"}))
    assert ordered == ["blacksmith", "mueller", "smith", "doe"]
    ordered = labels(catalog, studies(client, server, {"orderby": "-00100020"}))  # PatientID
    assert ordered == ["smith", "mueller", "doe", "blacksmith"]
    page = labels(catalog, studies(client, server,
                                   {"orderby": "StudyDate", "limit": "2", "offset": "1"}))
    assert page == ["smith", "mueller"]
    assert studies(client, server, {"orderby": "StudyDate", "offset": "4"}) == []
    assert len(studies(client, server, {"limit": "3"})) == 3
    # A limit above what the server answers is reduced to it, not refused (PS3.18 8.3.4.4).
    assert len(studies(client, server, {"limit": "2147483647"})) == 4
    assert len(studies(client, server, {"limit": "99999999999999999999999"})) == 4
    assert studies(client, server, {"offset": "99999999999999999999999"}) == []


def test_count_true_sets_x_total_count(server, client, catalog):
    r = query(client, server, "/studies", {"count": "true", "limit": "1"})
    assert r.headers["X-Total-Count"] == "4"
    assert len(r.json()) == 1
    r = query(client, server, "/series", {"count": "true", "Modality": "MR"})
    assert r.headers["X-Total-Count"] == "2"
    r = query(client, server, "/studies", {"count": "false"})
    assert "X-Total-Count" not in r.headers


def test_ignored_parameters_get_a_warning(server, client, catalog):
    r = query(client, server, "/studies", {"charset": "utf-8", "PatientID": "P-DOE"})
    assert r.headers["Warning"].startswith("299 ")
    assert "charset" in r.headers["Warning"]
    assert labels(catalog, [first_value(m, STUDY_UID) for m in r.json()]) == ["doe"]
    assert "Warning" not in query(client, server, "/studies", {"PatientID": "P-DOE"}).headers


# --- errors and negotiation -------------------------------------------------------------


@pytest.mark.parametrize("params,fragment", [
    ({"NoSuchAttribute": "x"}, "NoSuchAttribute"),
    ({"StudyDate": "2020x"}, "StudyDate"),
    ({"StudyDate": "2020*"}, "StudyDate"),
    ({"StudyDate": "20201301"}, "StudyDate"),
    ({"StudyTime": "25"}, "StudyTime"),
    ({"StudyInstanceUID": "1.2.abc"}, "1.2.abc"),
    ({"StudyInstanceUID": "1.2.3,x.y"}, "x.y"),
    ({"NumberOfStudyRelatedInstances": "many"}, "NumberOfStudyRelatedInstances"),
    ({"limit": "-1"}, "limit"),
    ({"offset": "ten"}, "offset"),
    ({"includefield": "NotAKeyword"}, "NotAKeyword"),
    ({"orderby": "NotAKeyword"}, "NotAKeyword"),
    ({"fuzzymatching": "maybe"}, "fuzzymatching"),
    ({"ReferencedSOPSequence": "1"}, "ReferencedSOPSequence"),
    ({"includefield": "RequestAttributesSequence"}, "sequence attributes cannot be returned"),
    ({"limit": "1e9"}, "limit"),
    ({"00081199.00081150": "1"}, "00081199.00081150"),
])
def test_bad_queries_are_400_with_a_message(server, client, catalog, params, fragment):
    r = query(client, server, "/studies", params, status=400)
    assert fragment in r.json()["message"]


def test_values_that_are_not_utf8_are_400(server, client, catalog):
    r = query(client, server, "/studies?PatientName=M%FCller", status=400)
    assert "UTF-8" in r.json()["message"]


def test_malformed_uid_in_the_path_is_400(server, client, catalog):
    r = query(client, server, "/studies/1.2.x/series", status=400)
    assert "not a valid UID" in r.json()["message"]


def test_answers_are_not_cached(server, client, catalog):
    assert query(client, server, "/studies").headers["Cache-Control"] == "private, no-store"


def test_accept_negotiation(server, client, catalog):
    assert query(client, server, "/studies", headers={"Accept": "application/json"}).json()
    assert query(client, server, "/studies", headers={"Accept": "*/*"}).json()
    # Many HTTP clients add a charset; DICOM JSON is UTF-8 anyway.
    for accept in ("application/dicom+json; charset=utf-8", "application/json;charset=UTF-8"):
        assert query(client, server, "/studies", headers={"Accept": accept}).json()
    r = query(client, server, "/studies", headers={"Accept": "image/jpeg"}, status=406)
    assert r.json()["message"]


def test_a_read_only_user_can_query(server, reader, catalog):
    assert len(query(reader, server, "/studies").json()) == 4


# --- OHIF v3 ----------------------------------------------------------------------------


def test_ohif_study_list_query(server, client, catalog):
    r = query(client, server, "/studies?limit=101&offset=0&fuzzymatching=false"
                              "&includefield=00081030%2C00080060")
    results = r.json()
    assert len(results) == 4
    for m in results:
        for tag in ("0020000D", "00100010", "00100020", "00080020", "00080050",
                    "00081030", "00080061", "00201208"):
            assert tag in m, tag
    r = query(client, server, "/studies?limit=101&offset=0&fuzzymatching=false"
                              "&includefield=00081030%2C00080060&PatientName=*smith*"
                              "&StudyDate=20200101-20201231")
    assert labels(catalog, [first_value(m, STUDY_UID) for m in r.json()]) == ["smith"]
    r = query(client, server, "/studies?limit=25&offset=0&fuzzymatching=false"
                              "&includefield=00081030%2C00080060&PatientID=P-DOE")
    assert labels(catalog, [first_value(m, STUDY_UID) for m in r.json()]) == ["doe"]


def test_ohif_series_query(server, client, catalog):
    smith = catalog["smith"]
    r = query(client, server, f"/studies/{smith['study']}/series?includefield=00080021"
                              "%2C00080031%2C0008103E%2C00200011")
    results = r.json()
    assert sorted(first_value(m, SERIES_UID) for m in results) == sorted(smith["series"])
    for m in results:
        for tag in ("0020000E", "00080060", "00200011", "0008103E", "00201209"):
            assert tag in m, tag
    numbers = sorted(first_value(m, "00200011") for m in results)
    assert numbers == [1, 2]
