"""Bad input against the real binary: truncated or non-DICOM data, broken multipart bodies,
oversized bodies, malformed UIDs and query values, path traversal and junk on the wire. Each
gets its 4xx with a message; the server stays up and what it stored before is unchanged."""
import http.client
import io
import os
import socket
import ssl

import pytest
import requests

from dicom_factory import deflate_bomb, make_instance, many_items, multipart_related, nested_sequences
from tessera_harness import PYDICOM_FILES, TesseraServer, instance_url, retrieve, stow, upload

FAILED_SOP_SEQUENCE = "00081198"


@pytest.fixture(scope="module")
def baseline(server, client):
    """An instance stored before any bad input, and how the archive looked then."""
    ds, data = make_instance(patient_name="Before^Everything")
    assert stow(client, server, [data]).status_code == 200
    url = instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    studies = client.get(server.pacs + "/studies").json()
    return {"url": url, "data": data, "studies": studies}


def assert_message(r, status):
    assert r.status_code == status, f"{r.status_code} {r.text[:300]}"
    assert r.headers["Content-Type"].startswith("application/json")
    assert isinstance(r.json()["message"], str) and r.json()["message"]


def raw_get(server, target, token):
    """Sends `target` exactly as given (no client-side normalisation)."""
    context = ssl.create_default_context(cafile=server.verify)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=30, context=context)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


# --- bad DICOM --------------------------------------------------------------------------


def truncated_instance():
    _, data = make_instance(rows=64, columns=64)
    return data[: len(data) - 1000]


@pytest.mark.parametrize("label,data,fragment", [
    ("truncated", truncated_instance(), "truncated"),
    ("truncated header", make_instance()[1][:200], ""),
    ("not DICOM", b"%PDF-1.4 definitely not a DICOM file" * 30, "DICOM"),
    ("preamble only", b"\0" * 128 + b"DICM", ""),
])
def test_bad_dicom_through_stow_fails_that_instance(server, client, baseline, label, data,
                                                    fragment):
    ds, good = make_instance()
    r = stow(client, server, [good, data])
    assert r.status_code == 202, f"{label}: {r.status_code} {r.text}"
    failed = r.json()[FAILED_SOP_SEQUENCE]["Value"]
    assert len(failed) == 1
    assert failed[0]["00081197"]["Value"] == [0xC000]
    assert "part 2" in r.headers["Warning"] and fragment in r.headers["Warning"]
    r = stow(client, server, [data])
    assert r.status_code == 409, label


@pytest.mark.parametrize("data,fragment", [
    (truncated_instance(), "truncated"),
    (b"\x89PNG\r\n\x1a\n not DICOM either" * 20, "DICOM"),
    (b"PK\x03\x04 a broken zip" * 10, ""),
])
def test_bad_dicom_through_upload_is_400(server, client, baseline, data, fragment):
    r = upload(client, server, data)
    assert r.status_code in (400, 409), r.text
    message = r.json()["message"] if isinstance(r.json(), dict) else str(r.json())
    assert fragment in message


def test_real_malformed_files_are_refused_with_reasons(server, client, baseline):
    for name in ("MR_truncated.dcm", "rtplan_truncated.dcm", "no_meta.dcm", "UN_sequence.dcm"):
        with open(os.path.join(PYDICOM_FILES, name), "rb") as f:
            r = upload(client, server, f.read())
        assert_message(r, 400)


# --- broken multipart -------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"--other\r\nContent-Type: application/dicom\r\n\r\nxx\r\n--other--\r\n",  # wrong boundary
    b"--b\r\nContent-Type: application/dicom\r\n\r\nno closing delimiter",
    b"--b\r\nContent-Type: application/dicom\r\nno blank line after the headers",
    b"--b--\r\n",
    b"\r\n\r\n\r\n",
    b"--b" + b"\r\n" * 10,
])
def test_broken_multipart_bodies_are_400(server, client, baseline, body):
    r = client.post(server.pacs + "/studies", data=body,
                    headers={"Content-Type": 'multipart/related; type="application/dicom"; '
                                             "boundary=b"})
    assert_message(r, 400)


def test_a_malformed_part_header_fails_the_request_or_the_part(server, client, baseline):
    body = b"--b\r\nBroken header line without colon\r\n\r\nx\r\n--b--\r\n"
    r = client.post(server.pacs + "/studies", data=body,
                    headers={"Content-Type": "multipart/related; boundary=b"})
    assert r.status_code in (400, 409), r.text
    if r.status_code == 409:
        assert r.headers["Warning"]
    else:
        assert r.json()["message"]


@pytest.mark.parametrize("content_type", [
    "multipart/related; type=\"application/dicom\"; boundary=",
    "multipart/related; type=\"application/dicom\"; boundary=" + "x" * 200,
    "multipart/related; boundary=\"unterminated",
])
def test_broken_boundaries_are_400(server, client, baseline, content_type):
    _, body = multipart_related([make_instance()[1]], boundary="x" * 200)
    r = client.post(server.pacs + "/studies", data=body, headers={"Content-Type": content_type})
    assert_message(r, 400)


def test_oversized_bodies_are_413_and_the_server_carries_on():
    small = TesseraServer(extra_env={"TESSERA_HTTP_MAX_UPLOAD_MIB": "1"}).init().start()
    try:
        client = small.session()
        ds, data = make_instance()
        assert stow(client, small, [data]).status_code == 200
        blob = b"\0" * (2 << 20)
        assert_message(stow(client, small, [blob]), 413)
        assert_message(upload(client, small, blob), 413)
        # Declared small, sent big: still refused.
        r = client.post(small.url("/zhiva/instances"), data=iter([blob[:1 << 20], blob]),
                        headers={"Content-Type": "application/dicom"})
        assert_message(r, 413)
        url = instance_url(small, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert retrieve(client, url)[1][0][1] == data
        assert len(client.get(small.pacs + "/instances").json()) == 1
    finally:
        small.cleanup()


def test_a_deflate_bomb_is_refused_without_taking_its_size_in_memory():
    """A few MB of deflated zeros would inflate to 2 GiB in memory at every parse: it is
    refused past 256 MiB, by STOW-RS, the upload and C-STORE alike."""
    bomb = deflate_bomb(2 << 30)
    assert len(bomb) < 4 << 20
    fresh = TesseraServer().init().start()
    try:
        client = fresh.session()
        r = stow(client, fresh, [bomb])
        assert r.status_code == 409, r.text
        assert "inflates to more than 256 MiB" in r.headers["Warning"]
        assert_message(upload(client, fresh, bomb), 400)
        assert "inflates to more than 256 MiB" in upload(client, fresh, bomb).json()["message"]
        assert fresh.peak_memory_mib() < 700
        assert client.get(fresh.pacs + "/instances").json() == []
        # A deflated instance of a sensible size is still taken.
        with open(os.path.join(PYDICOM_FILES, "image_dfl.dcm"), "rb") as f:
            assert upload(client, fresh, f.read()).status_code == 200
    finally:
        fresh.cleanup()


@pytest.mark.parametrize("label,build,fragment", [
    ("undefined lengths", lambda: nested_sequences(100_000), "nests sequences more than 128 deep"),
    ("defined lengths", lambda: nested_sequences(2_000, defined_lengths=True), "more than 128 deep"),
    ("implicit VR", lambda: nested_sequences(100_000, explicit=False), "more than 128 deep"),
    ("implicit VR, defined lengths",
     lambda: nested_sequences(2_000, explicit=False, defined_lengths=True), "more than 128 deep"),
    ("deflated", lambda: nested_sequences(200_000, deflate=True), "more than 128 deep"),
    ("UN holding implicit VR", lambda: nested_sequences(100_000, outer_vr=b"UN"),
     "more than 128 deep"),
    ("an unknown VR, deflated", lambda: nested_sequences(200_000, deflate=True, outer_vr=b"ZZ"),
     "more than 128 deep"),
    ("many items", lambda: many_items(3_000_000), "more than 2000000 elements and items"),
], ids=["undefined-lengths", "defined-lengths", "implicit-vr", "implicit-vr-defined-lengths",
        "deflated", "un-implicit-inside", "unknown-vr-deflated", "many-items"])
def test_data_sets_that_would_exhaust_the_parser_are_refused(label, build, fragment):
    """Nesting deep enough to overflow DCMTK's recursive parse (a crash, for anyone allowed
    to store), or millions of empty items (gigabytes of parsed objects) are refused up front;
    a sensibly nested data set is still taken."""
    fresh = TesseraServer().init().start()
    try:
        client = fresh.session()
        r = upload(client, fresh, build())
        assert r.status_code == 400, f"{label}: {r.status_code} {r.text[:200]}"
        assert fragment in r.json()["message"]
        assert fresh.process.poll() is None
        assert fresh.peak_memory_mib() < 700
        assert upload(client, fresh, nested_sequences(50)).status_code == 200
    finally:
        fresh.cleanup()


def test_a_compressed_image_claiming_a_huge_size_is_not_decoded():
    """Rows and Columns of 60,000 over a few KB of JPEG: decoding would allocate 10 GB."""
    import pydicom
    ds = pydicom.dcmread(os.path.join(PYDICOM_FILES, "SC_rgb_jpeg_dcmtk.dcm"))
    ds.Rows = ds.Columns = 60000
    buffer = io.BytesIO()
    ds.save_as(buffer)
    fresh = TesseraServer().init().start()
    try:
        client = fresh.session()
        r = upload(client, fresh, buffer.getvalue())
        assert r.status_code == 200, r.text
        url = r.json()["Path"]
        for path, accept in (("/rendered", "image/jpeg"), ("/frames/1", "application/octet-stream"),
                             ("", 'multipart/related; type="application/dicom"; '
                                  "transfer-syntax=1.2.840.10008.1.2.1")):
            r = client.get(url + path, headers={"Accept": accept})
            assert r.status_code in (406, 415), f"{path}: {r.status_code} {r.text[:200]}"
            assert "too large to decode" in r.json()["message"], path
        assert fresh.peak_memory_mib() < 700
        r = client.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; '
                                               "transfer-syntax=*"})
        assert r.status_code == 200  # as stored, it is served
    finally:
        fresh.cleanup()


# --- malformed UIDs and query values ----------------------------------------------------


@pytest.mark.parametrize("path", [
    "/studies/1.2.3.", "/studies/.1.2", "/studies/1.2.03", "/studies/1..2", "/studies/abc",
    "/studies/1.2.3%20", "/studies/1.2.%C3%A9", "/studies/" + "1.2" * 40,
    "/studies/1.2/series/x/instances", "/studies/1.2/series/1.3/instances/1.4a/metadata",
])
def test_malformed_uids_are_400(server, client, baseline, path):
    r = client.get(server.pacs + path)
    assert_message(r, 400)
    assert "not a valid UID" in r.json()["message"]
    assert len(r.json()["message"]) < 200  # junk is not echoed at length


@pytest.mark.parametrize("target", [
    "/zhiva/pacs/studies?StudyDate=2020-13-01",
    "/zhiva/pacs/studies?StudyDate=20200230",
    "/zhiva/pacs/studies?StudyDate=20230229",
    "/zhiva/pacs/studies?StudyTime=996060",
    "/zhiva/pacs/studies?StudyInstanceUID=1.2.*",
    "/zhiva/pacs/studies?limit=1e3",
    "/zhiva/pacs/studies?offset=-5",
    "/zhiva/pacs/studies?PatientName=%FF%FE",
    "/zhiva/pacs/studies?NumberOfStudyRelatedInstances=1;DROP",
    "/zhiva/pacs/studies?includefield=0010001",
    "/zhiva/pacs/studies?PatientID=a&PatientID=b",
    "/zhiva/pacs/studies?PatientName=%",
    "/zhiva/pacs/studies?PatientName=%G1",
    "/zhiva/pacs/studies?PatientName=*%00*",
    "/zhiva/wado?requestType=WADO&{uids}&frameNumber=x",
    "/zhiva/wado?requestType=WADO&{uids}&rows=big",
])
def test_malformed_query_values_are_400(server, client, baseline, target):
    study, series, sop = baseline["url"].split("/")[-5::2]
    target = target.replace("{uids}", f"studyUID={study}&seriesUID={series}&objectUID={sop}")
    status, content_type, body = raw_get(server, target, client.headers["Authorization"][7:])
    assert status == 400, f"{target}: {status} {body[:200]}"
    assert content_type.startswith("application/json") and b'"message"' in body


def test_sql_like_values_are_just_values(server, client, baseline):
    r = client.get(server.pacs + "/studies", params={"PatientName": "x' OR '1'='1"})
    assert r.status_code == 200 and r.json() == []
    r = client.get(server.pacs + "/studies", params={"PatientID": "%' --"})
    assert r.status_code == 200 and r.json() == []


# --- path traversal ---------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/zhiva/pacs/studies/..%2F..%2F",
    "/zhiva/pacs/studies/..%2F..%2F..%2Fetc%2Fpasswd",
    "/zhiva/pacs/studies/1.2.3/series/..%2F..%2Fetc",
    "/zhiva/app/../../etc/passwd",
    "/zhiva/app/%2e%2e/%2e%2e/etc/passwd",
    "/zhiva/app/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/zhiva/app/..%5c..%5cetc%5cpasswd",
    "/zhiva/app/%252e%252e/%252e%252e/etc/passwd",
    "/zhiva/app/%c0%ae%c0%ae/etc/passwd",
    "/zhiva/app/....//....//etc/passwd",
    "/zhiva/app/..;/etc/passwd",
    "/zhiva/app/explorer.html%00.png",
    "/zhiva/pacs/../../../etc/passwd",
    "/../../../../etc/passwd",
    "//etc/passwd",
    "/zhiva/wado?requestType=WADO&studyUID=../../etc&seriesUID=..&objectUID=passwd",
    "/auth/../../etc/passwd",
])
def test_path_traversal_gets_4xx_and_never_a_file(server, client, baseline, target):
    status, content_type, body = raw_get(server, target, client.headers["Authorization"][7:])
    assert 400 <= status < 500, f"{target}: {status}"
    assert content_type.startswith("application/json"), target
    assert b'"message"' in body
    assert b"root:" not in body


# --- junk on the wire -------------------------------------------------------------------


def test_junk_requests_are_answered_and_forgotten(server, baseline):
    context = ssl.create_default_context(cafile=server.verify)
    for junk in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                 b"GET /zhiva/app/config.json HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                 b"POST /zhiva/instances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(junk)
                answer = b""
                while True:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 4") or status_line.startswith(b"HTTP/1.1 5"), (
            junk, answer[:200])
        assert b'"message"' in answer
    # Plain HTTP and random bytes on the TLS port only cost a failed handshake.
    for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(2048)):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(junk)
            try:
                raw.recv(4096)
            except ConnectionResetError:
                pass


def test_server_is_up_and_earlier_data_unchanged(server, client, baseline):
    assert requests.get(server.url("/zhiva/app/config.json"), verify=server.verify).ok
    _, parts = retrieve(client, baseline["url"])
    assert [data for _, data in parts] == [baseline["data"]]
    studies = client.get(server.pacs + "/studies",
                         params={"PatientName": "Before^Everything"}).json()
    assert studies == [m for m in baseline["studies"]
                       if m["00100010"]["Value"][0]["Alphabetic"] == "Before^Everything"]
    assert server.process.poll() is None
