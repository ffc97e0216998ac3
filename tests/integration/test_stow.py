"""STOW-RS (POST .../studies[/{study}]) and the upload endpoint (POST /zhiva/instances) against
the real binary: PS3.18 responses and status codes, study mismatches, refused parts, zips, and
byte-for-byte storage of every pydicom test file the archive accepts."""
import io
import json
import os
import subprocess

import pydicom
import pytest

import dicom_factory as factory
from dicom_factory import make_instance, multipart_related, transfer_syntax_of, zip_of
from tessera_harness import (TesseraServer, first_value, instance_url, pydicom_test_files,
                             retrieve, stow, upload)

REFERENCED_SOP_SEQUENCE = "00081199"
FAILED_SOP_SEQUENCE = "00081198"
RETRIEVE_URL = "00081190"
FAILURE_REASON = "00081197"
REFERENCED_SOP_CLASS = "00081150"
REFERENCED_SOP_INSTANCE = "00081155"

# Files the archive must refuse although they end in .dcm: no usable Part 10 header or UIDs is
# computed below; these are malformed in ways pydicom forgives.
MALFORMED = {
    "MR_truncated.dcm": "pixel data cut short",
    "rtplan_truncated.dcm": "data set cut short",
    "SC_rgb_jpeg.dcm": "implicit VR data set under an explicit VR transfer syntax",
}


def items(body, tag):
    return body.get(tag, {}).get("Value", [])


def expected_refusal(path):
    """Why the archive must refuse `path`, or None when it must store it."""
    name = os.path.basename(path)
    if name in MALFORMED:
        return MALFORMED[name]
    with open(path, "rb") as f:
        head = f.read(132)
    if head[128:132] != b"DICM":
        return "no Part 10 preamble"
    ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        if not ds.get(keyword):
            return f"no {keyword}"
    return None


def query_instances(client, server, study):
    r = client.get(server.pacs + f"/studies/{study}/instances")
    assert r.status_code == 200, r.text
    return r.json()


def test_stow_stores_all_and_answers_200_with_retrieve_urls(server, client):
    study = factory.uid()
    first, first_bytes = make_instance(study_uid=study, instance_number=1, seed=1)
    second, second_bytes = make_instance(study_uid=study, series_uid=first.SeriesInstanceUID,
                                         instance_number=2, seed=2)
    r = stow(client, server, [first_bytes, second_bytes])
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/dicom+json")
    body = r.json()
    assert first_value(body, RETRIEVE_URL) == f"{server.pacs}/studies/{study}"
    assert items(body, FAILED_SOP_SEQUENCE) == []
    referenced = items(body, REFERENCED_SOP_SEQUENCE)
    assert [first_value(i, REFERENCED_SOP_INSTANCE) for i in referenced] == [
        first.SOPInstanceUID, second.SOPInstanceUID]
    assert all(first_value(i, REFERENCED_SOP_CLASS) == factory.CT_IMAGE_STORAGE
               for i in referenced)
    # Every RetrieveURL serves the bytes that were sent.
    for item, sent in zip(referenced, [first_bytes, second_bytes]):
        _, parts = retrieve(client, first_value(item, RETRIEVE_URL))
        assert [data for _, data in parts] == [sent]
    assert len(query_instances(client, server, study)) == 2


def test_stow_of_more_parts_than_are_kept_open_stores_every_one(server, client):
    # Parts past the 64th give their descriptors back until they are stored.
    study = factory.uid()
    series = factory.uid()
    sent = [make_instance(study_uid=study, series_uid=series, instance_number=i, seed=i)
            for i in range(1, 151)]
    r = stow(client, server, [data for _, data in sent])
    assert r.status_code == 200, r.text
    referenced = items(r.json(), REFERENCED_SOP_SEQUENCE)
    assert [first_value(i, REFERENCED_SOP_INSTANCE) for i in referenced] == [
        ds.SOPInstanceUID for ds, _ in sent]
    _, parts = retrieve(client, first_value(referenced[-1], RETRIEVE_URL))
    assert [data for _, data in parts] == [sent[-1][1]]
    assert len(query_instances(client, server, study)) == 150


def test_stow_to_study_url_fails_instances_of_other_studies_with_202(server, client):
    study = factory.uid()
    member, member_bytes = make_instance(study_uid=study)
    stranger, stranger_bytes = make_instance()
    r = stow(client, server, [member_bytes, stranger_bytes], study_uid=study)
    assert r.status_code == 202, r.text
    body = r.json()
    assert [first_value(i, REFERENCED_SOP_INSTANCE)
            for i in items(body, REFERENCED_SOP_SEQUENCE)] == [member.SOPInstanceUID]
    failed = items(body, FAILED_SOP_SEQUENCE)
    assert len(failed) == 1
    assert first_value(failed[0], FAILURE_REASON) == 0xC409
    assert stranger.StudyInstanceUID in r.headers["Warning"]
    # The stranger was not stored anywhere.
    r = client.get(server.pacs + "/instances",
                   params={"SOPInstanceUID": stranger.SOPInstanceUID})
    assert r.status_code == 200 and r.json() == []
    assert len(query_instances(client, server, study)) == 1


def test_stow_answers_409_when_nothing_is_stored(server, client):
    study = factory.uid()
    _, stranger_bytes = make_instance()
    r = stow(client, server, [stranger_bytes, b"not DICOM at all" * 20], study_uid=study)
    assert r.status_code == 409, r.text
    body = r.json()
    assert items(body, REFERENCED_SOP_SEQUENCE) == []
    reasons = [first_value(i, FAILURE_REASON) for i in items(body, FAILED_SOP_SEQUENCE)]
    assert reasons == [0xC409, 0xC000]
    assert RETRIEVE_URL not in body


def test_stow_failed_items_name_the_refused_instance(server, client):
    stranger, stranger_bytes = make_instance()
    r = stow(client, server, [stranger_bytes], study_uid=factory.uid())
    assert r.status_code == 409
    failed = items(r.json(), FAILED_SOP_SEQUENCE)[0]
    assert first_value(failed, REFERENCED_SOP_INSTANCE) == stranger.SOPInstanceUID
    assert first_value(failed, REFERENCED_SOP_CLASS) == factory.CT_IMAGE_STORAGE


def test_stow_warns_of_every_refused_part(server, client):
    ds, data = make_instance()
    _, other = make_instance()
    r = stow(client, server, [other[:len(other) // 2], b"not DICOM at all" * 20, data])
    assert r.status_code == 202, r.text
    warning = r.headers["Warning"]  # requests joins the Warning headers with ", "
    assert "part 1: " in warning and "part 2: " in warning, warning
    assert "part 3" not in warning
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


def test_stow_refuses_a_non_dicom_part_but_stores_the_rest(server, client):
    ds, data = make_instance()
    boundary = "mixed-parts"
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{{}}\r\n"
            f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    r = client.post(server.pacs + "/studies", data=body, headers={
        "Content-Type": f"multipart/related; type=application/dicom; boundary={boundary}"})
    assert r.status_code == 202, r.text
    failed = items(r.json(), FAILED_SOP_SEQUENCE)
    assert [first_value(i, FAILURE_REASON) for i in failed] == [0xC000]
    assert "part 1: its media type is application/json, not application/dicom" in r.headers[
        "Warning"]
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


@pytest.mark.parametrize("content_type", [
    'multipart/related; type="application/dicom"; boundary="quoted-boundary"',
    "multipart/related; type=application/dicom; boundary=quoted-boundary",
    "multipart/related; boundary=quoted-boundary",
    'Multipart/Related; Type="Application/DICOM"; Boundary=quoted-boundary',
])
def test_stow_accepts_content_type_spellings(server, client, content_type):
    ds, data = make_instance()
    _, body = multipart_related([data], boundary="quoted-boundary")
    r = client.post(server.pacs + "/studies", data=body, headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


def test_stow_refuses_an_answer_type_it_cannot_give_before_storing(server, client):
    ds, data = make_instance()
    content_type, body = multipart_related([data])
    for accept, status in (("application/dicom+xml", 406),
                           ("application/dicom+json; charset=utf-8", 200)):
        r = client.post(server.pacs + "/studies", data=body,
                        headers={"Content-Type": content_type, "Accept": accept})
        assert r.status_code == status, r.text
        assert len(query_instances(client, server, ds.StudyInstanceUID)) == (status == 200)
    assert "dicom+json" in client.post(
        server.pacs + "/studies", data=body,
        headers={"Content-Type": content_type, "Accept": "text/html"}).json()["message"]


def test_stow_parts_without_content_type_are_dicom(server, client):
    ds, data = make_instance()
    body = b"--b\r\n\r\n" + data + b"\r\n--b--\r\n"
    r = client.post(server.pacs + "/studies", data=body,
                    headers={"Content-Type": "multipart/related; boundary=b"})
    assert r.status_code == 200, r.text
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


def test_stow_with_a_chunked_body(server, client):
    study = factory.uid()
    blobs = [make_instance(study_uid=study, instance_number=i, rows=300, columns=300)[1]
             for i in range(1, 4)]
    content_type, body = multipart_related(blobs)

    def chunks():
        for start in range(0, len(body), 50_000):
            yield body[start:start + 50_000]

    r = client.post(server.pacs + "/studies", data=chunks(), headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text
    assert len(items(r.json(), REFERENCED_SOP_SEQUENCE)) == 3


def test_stow_with_curl_and_expect_100_continue(server, tmp_path):
    ds, data = make_instance(rows=300, columns=300)
    content_type, body = multipart_related([data])
    path = tmp_path / "body.bin"
    path.write_bytes(body)
    out = tmp_path / "out.json"
    token = server.access_token("editor")
    result = subprocess.run(
        ["curl", "-sS", "-v", "--cacert", server.verify, "-H", f"Authorization: Bearer {token}",
         "-H", "Expect: 100-continue",
         "-H", f"Content-Type: {content_type}", "--data-binary", f"@{path}", "-o", str(out),
         "-w", "%{http_code}", server.pacs + "/studies"],
        capture_output=True, text=True, timeout=60)
    assert result.stdout == "200", result.stderr[-2000:]
    assert "< HTTP/1.1 100 Continue" in result.stderr
    body = json.loads(out.read_text())
    assert first_value(items(body, REFERENCED_SOP_SEQUENCE)[0],
                       REFERENCED_SOP_INSTANCE) == ds.SOPInstanceUID


@pytest.mark.parametrize("content_type", [
    "application/dicom",
    "application/json",
    'multipart/related; type="application/dicom+json"; boundary=b',
    'multipart/form-data; boundary=b',
])
def test_stow_answers_415_for_other_media_types(server, client, content_type):
    _, data = make_instance()
    r = client.post(server.pacs + "/studies", data=data, headers={"Content-Type": content_type})
    assert r.status_code == 415
    assert r.json()["message"]


@pytest.mark.parametrize("content_type,body", [
    ('multipart/related; type="application/dicom"', b"--x\r\n\r\n--x--\r\n"),  # no boundary
    ('multipart/related; type="application/dicom"; boundary=x', b"no delimiter anywhere"),
    ('multipart/related; type="application/dicom"; boundary=x',
     b"--x\r\nContent-Type: application/dicom\r\n\r\nDICM but never closed"),
    ('multipart/related; type="application/dicom"; boundary=x', b"--x--\r\n"),  # no parts
    ('multipart/related; type="application/dicom"; boundary=x', b""),
])
def test_stow_answers_400_for_malformed_multipart(server, client, content_type, body):
    r = client.post(server.pacs + "/studies", data=body, headers={"Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["message"]


def test_stow_with_a_malformed_study_uid_in_the_url_is_400(server, client):
    _, data = make_instance()
    r = stow(client, server, [data], study_uid="1.2.3.abc")
    assert r.status_code == 400
    assert "not a valid UID" in r.json()["message"]


def test_stow_needs_a_user_who_may_edit(server, reader):
    _, data = make_instance()
    r = stow(reader, server, [data])
    assert r.status_code == 403
    assert r.json()["message"]


def test_stow_answers_413_over_the_configured_body_limit():
    small = TesseraServer(extra_env={"TESSERA_HTTP_MAX_UPLOAD_MIB": "1"}).init().start()
    try:
        client = small.session()
        _, data = make_instance(rows=512, columns=1100)  # about 1.1 MiB of pixels
        r = stow(client, small, [data])
        assert r.status_code == 413
        assert r.json()["message"]
        r = upload(client, small, data)
        assert r.status_code == 413
        # A small zip that would expand past the limit (16 x the upload limit) stores
        # nothing, not even the entries before the bomb.
        _, first = make_instance()
        bomb = zip_of([("first.dcm", first), ("bomb.bin", b"\0" * (40 << 20))])
        assert len(bomb) < (1 << 20)
        r = upload(client, small, bomb, content_type="application/zip")
        assert r.status_code == 413 and "zip" in r.json()["message"]
        assert client.get(small.pacs + "/instances").json() == []
        # Under the limit still works, on the same server.
        ds, data = make_instance()
        assert stow(client, small, [data]).status_code == 200
        r = client.get(small.pacs + "/studies", params={"StudyInstanceUID": ds.StudyInstanceUID})
        assert len(r.json()) == 1
    finally:
        small.cleanup()


def test_stow_stores_the_first_of_two_parts_with_one_sop_instance_uid(server, client):
    ds, data = make_instance(seed=21)
    _, second = make_instance(seed=22, study_uid=ds.StudyInstanceUID,
                              sop_uid=ds.SOPInstanceUID, series_number=2)
    r = stow(client, server, [data, second])
    assert r.status_code == 202, r.text
    body = r.json()
    stored = items(body, REFERENCED_SOP_SEQUENCE)
    assert [first_value(i, REFERENCED_SOP_INSTANCE) for i in stored] == [ds.SOPInstanceUID]
    failed = items(body, FAILED_SOP_SEQUENCE)
    assert [first_value(i, FAILURE_REASON) for i in failed] == [0xC409]
    assert "more than once" in r.headers["Warning"]
    _, parts = retrieve(client, first_value(stored[0], RETRIEVE_URL))
    assert [part for _, part in parts] == [data]


def test_stow_replaces_a_resent_instance(server, client):
    ds, data = make_instance(seed=5)
    assert stow(client, server, [data]).status_code == 200
    ds.PatientName = "Changed^Name"
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    changed = buffer.getvalue()
    assert stow(client, server, [changed]).status_code == 200
    url = instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    _, parts = retrieve(client, url)
    assert [data for _, data in parts] == [changed]
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1
    r = client.get(server.pacs + "/studies", params={"StudyInstanceUID": ds.StudyInstanceUID})
    assert r.json()[0]["00100010"]["Value"][0]["Alphabetic"] == "Changed^Name"


def test_stow_refuses_an_instance_that_would_refile_a_stored_series_or_study(server, client):
    ds, data = make_instance(seed=6, patient_id="PID-REFILE")
    assert stow(client, server, [data]).status_code == 200
    # The stored series, said to be in another study; the stored study, said to be another
    # patient's. Taking either would move the stored images with it.
    _, other_study = make_instance(series_uid=ds.SeriesInstanceUID, patient_id="PID-REFILE")
    _, other_patient = make_instance(study_uid=ds.StudyInstanceUID, patient_id="PID-OTHER")
    r = stow(client, server, [other_study, other_patient])
    assert r.status_code == 409, r.text
    reasons = [first_value(i, FAILURE_REASON) for i in items(r.json(), FAILED_SOP_SEQUENCE)]
    assert reasons == [0xC409, 0xC409]
    assert f"another study: Series Instance UID {ds.SeriesInstanceUID}" in r.headers["Warning"]
    assert "PID-REFILE" not in r.headers["Warning"]
    r = client.get(server.pacs + "/studies", params={"StudyInstanceUID": ds.StudyInstanceUID})
    assert r.json()[0]["00100020"]["Value"] == ["PID-REFILE"]
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


def test_keep_policy_acknowledges_a_resent_instance_without_storing_it():
    keeper = TesseraServer(extra_env={"TESSERA_ARCHIVE_DUPLICATES": "keep"}).init().start()
    try:
        client = keeper.session()
        ds, original = make_instance(seed=1)
        assert upload(client, keeper, original).json()["Status"] == "Success"
        ds.PatientName = "Other^Name"
        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, ds, write_like_original=False)
        r = upload(client, keeper, buffer.getvalue())
        assert r.status_code == 200 and r.json()["Status"] == "AlreadyStored"
        assert stow(client, keeper, [buffer.getvalue()]).status_code == 200
        url = instance_url(keeper, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert retrieve(client, url)[1][0][1] == original
    finally:
        keeper.cleanup()


# --- upload endpoint ----------------------------------------------------------------------


def test_upload_stores_one_file(server, client):
    ds, data = make_instance()
    r = upload(client, server, data)
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["Status"] == "Success"
    assert entry["SOPInstanceUID"] == ds.SOPInstanceUID
    assert entry["StudyInstanceUID"] == ds.StudyInstanceUID
    assert entry["Path"] == instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                         ds.SOPInstanceUID)
    _, parts = retrieve(client, entry["Path"])
    assert parts[0][1] == data
    # Again: the same instance is replaced.
    r = upload(client, server, data, content_type="application/octet-stream")
    assert r.status_code == 200 and r.json()["Status"] == "Replaced"


def test_upload_stores_every_file_of_a_zip(server, client):
    study = factory.uid()
    blobs = [make_instance(study_uid=study, instance_number=i, seed=i) for i in range(1, 4)]
    archive = zip_of([(f"dir/{i}.dcm", data) for i, (_, data) in enumerate(blobs)])
    r = upload(client, server, archive, content_type="application/zip")
    assert r.status_code == 200, r.text
    entries = r.json()
    assert [e["Status"] for e in entries] == ["Success"] * 3
    assert sorted(e["SOPInstanceUID"] for e in entries) == sorted(
        ds.SOPInstanceUID for ds, _ in blobs)
    assert {e["File"] for e in entries} == {"dir/0.dcm", "dir/1.dcm", "dir/2.dcm"}
    for ds, data in blobs:
        url = instance_url(server, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert retrieve(client, url)[1][0][1] == data


def test_upload_zip_with_a_bad_entry_answers_202_naming_it(server, client):
    ds, data = make_instance()
    archive = zip_of([("good.dcm", data), ("notes.txt", b"hello")])
    r = upload(client, server, archive, content_type="application/zip")
    assert r.status_code == 202, r.text
    by_file = {e["File"]: e for e in r.json()}
    assert by_file["good.dcm"]["Status"] == "Success"
    assert by_file["notes.txt"]["Status"] == "Failure" and by_file["notes.txt"]["Message"]
    assert len(query_instances(client, server, ds.StudyInstanceUID)) == 1


def test_upload_zip_larger_than_one_store_batch_answers_every_entry_in_order(server, client):
    # The server stores a zip's entries 64 at a time: 130 entries span three
    # batches, with a bad one inside the second.
    study = factory.uid()
    made = [make_instance(study_uid=study, instance_number=i, seed=i) for i in range(1, 130)]
    named = [(f"{i:03}.dcm", data) for i, (_, data) in enumerate(made)]
    named.insert(100, ("100-notes.txt", b"not dicom"))
    r = upload(client, server, zip_of(named), content_type="application/zip")
    assert r.status_code == 202, r.text
    entries = r.json()
    assert [e["File"] for e in entries] == [name for name, _ in named]
    assert [e["Status"] for e in entries] == ["Failure" if "notes" in name else "Success"
                                              for name, _ in named]
    assert [e.get("SOPInstanceUID") for e in entries if e["Status"] == "Success"] == [
        ds.SOPInstanceUID for ds, _ in made]
    assert len(query_instances(client, server, study)) == len(made)


@pytest.mark.parametrize("data,content_type,status", [
    (b"", "application/dicom", 400),
    (b"plain text, not DICOM" * 10, "application/dicom", 400),
    (b"--b\r\n\r\n--b--", "multipart/related; boundary=b", 415),
])
def test_upload_refusals_say_why(server, client, data, content_type, status):
    r = upload(client, server, data, content_type=content_type)
    assert r.status_code == status, r.text
    assert r.json()["message"]


def test_upload_needs_a_user_who_may_edit(server, reader):
    _, data = make_instance()
    assert upload(reader, server, data).status_code == 403


# --- every real test file ---------------------------------------------------------------


def stored_ok(client, server, path, data, response_uids):
    study, series, sop = response_uids
    r, parts = retrieve(client, instance_url(server, study, series, sop))
    assert len(parts) == 1, path
    headers, retrieved = parts[0]
    assert retrieved == data, f"{path}: retrieved bytes differ from the stored file"
    stored_syntax = pydicom.dcmread(path, force=True, stop_before_pixels=True) \
        .file_meta.TransferSyntaxUID
    assert transfer_syntax_of(headers["content-type"]) == stored_syntax, path


@pytest.mark.parametrize("via", ["stow", "upload"])
def test_every_accepted_pydicom_file_is_returned_byte_for_byte(server, client, via):
    accepted = refused = 0
    for path in pydicom_test_files():
        with open(path, "rb") as f:
            data = f.read()
        refusal = expected_refusal(path)
        if via == "stow":
            r = stow(client, server, [data])
        else:
            r = upload(client, server, data)
        if refusal:
            assert r.status_code in (400, 409), f"{path} ({refusal}): {r.status_code} {r.text}"
            refused += 1
            continue
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        if via == "stow":
            item = items(r.json(), REFERENCED_SOP_SEQUENCE)[0]
            parts = first_value(item, "00081190").split("/")
            uids = (parts[-5], parts[-3], parts[-1])
        else:
            entry = r.json()
            uids = (entry["StudyInstanceUID"], entry["SeriesInstanceUID"],
                    entry["SOPInstanceUID"])
        stored_ok(client, server, path, data, uids)
        accepted += 1
    assert accepted >= 60 and refused >= 10, (accepted, refused)
