"""The DICOM network service of the real binary, driven by DCMTK's own tools.

echoscu; storescu of every pydicom test file (plain and over DICOM TLS) and QIDO-RS seeing
them; STOW-RS and findscu seeing that; findscu at each level and model with wildcards and
ranges; a refused unknown AE for find; movescu to a storescp the test runs, checking the
arrived files byte for byte; getscu; a broken file answered with a failure status while the
service keeps running; many parallel storescu associations; queries past the configured
maximum answer (QIDO-RS cut with a Warning, C-FIND and C-GET refused); a peer that stalls
inside a PDU is dropped after the association timeout while negotiating and after the DIMSE
timeout once associated.
"""
import concurrent.futures
import glob
import io
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pydicom
import pytest

from dicom_factory import make_instance, multipart_related, uid
from tessera_harness import (PYDICOM_FILES, TesseraServer, first_value, free_port, instance_url,
                             retrieve)

AE = "TESSERA"
VIEWER = "VIEWER"
DESTINATION = "MOVEDEST"
STUDY_ROOT = "-S"
PATIENT_ROOT = "-P"


# --- helpers --------------------------------------------------------------------------------

def run(*args, timeout=120):
    """Runs a DCMTK tool; returns (exit code, stdout + stderr)."""
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def peer(server):
    return ["127.0.0.1", str(server.dicom_port)]


def data_set_bytes(data):
    """The data set part of a Part 10 file: what travels in a C-STORE."""
    assert data[128:132] == b"DICM", "not a Part 10 file"
    at = 132
    while at + 8 <= len(data):
        group, = struct.unpack_from("<H", data, at)
        if group != 0x0002:
            return data[at:]
        vr = data[at + 4:at + 6]
        if vr in (b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
                  b"UT", b"UV"):
            length, = struct.unpack_from("<I", data, at + 8)
            at += 12 + length
        else:
            length, = struct.unpack_from("<H", data, at + 6)
            at += 8 + length
    return data[at:]


def write_modalities(server, destination_port):
    """Adds the known peers to <data>/tessera.toml."""
    with open(os.path.join(server.data_dir, "tessera.toml"), "a") as config:
        config.write(f"""
[[dicom.modalities]]
ae_title = "{VIEWER}"
host = "127.0.0.1"
port = {destination_port}
allow = ["echo", "find", "move", "get"]

[[dicom.modalities]]
ae_title = "{DESTINATION}"
host = "127.0.0.1"
port = {destination_port}
allow = ["echo"]
""")


def stow(session, server, parts):
    content_type, body = multipart_related(parts)
    r = session.post(server.pacs + "/studies", data=body,
                     headers={"Content-Type": content_type, "Accept": "application/dicom+json"})
    assert r.status_code == 200, r.text


def qido(session, server, path, **params):
    r = session.get(server.pacs + path, params=params, headers={"Accept": "application/dicom+json"})
    assert r.status_code in (200, 204), r.text
    return r.json() if r.status_code == 200 else []


VERIFICATION = "1.2.840.10008.1.1"
IMPLICIT_LITTLE_ENDIAN = "1.2.840.10008.1.2"


def pdu_item(item_type, payload):
    return struct.pack(">BBH", item_type, 0, len(payload)) + payload


def associate_rq(called, calling, abstract_syntax):
    """An A-ASSOCIATE-RQ PDU (PS3.8 9.3.2) proposing one presentation context."""
    context = (struct.pack(">BBBB", 1, 0, 0, 0) + pdu_item(0x30, abstract_syntax.encode())
               + pdu_item(0x40, IMPLICIT_LITTLE_ENDIAN.encode()))
    body = (struct.pack(">HH", 1, 0) + called.encode().ljust(16) + calling.encode().ljust(16)
            + bytes(32) + pdu_item(0x10, b"1.2.840.10008.3.1.1.1") + pdu_item(0x20, context)
            + pdu_item(0x50, pdu_item(0x51, struct.pack(">I", 16384))))
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


def seconds_until_closed(connection, limit=120):
    """Waits for the server to close `connection`; returns how long that took."""
    connection.settimeout(limit)
    started = time.monotonic()
    while connection.recv(4096):
        pass
    return time.monotonic() - started


def findscu(server, tmp_path, name, *keys, model=STUDY_ROOT, aet=VIEWER):
    out = tmp_path / name
    out.mkdir()
    args = ["findscu", "-aet", aet, "-aec", AE, model, "-X", "-od", str(out)]
    for key in keys:
        args += ["-k", key]
    code, output = run(*args, *peer(server))
    responses = [pydicom.dcmread(str(p)) for p in sorted(out.glob("rsp*.dcm"))]
    return code, output, responses


# storescu proposes only uncompressed transfer syntaxes unless told; these options make
# it propose a compressed file's own syntax, so the file goes as it is.
PROPOSE = {
    "1.2.840.10008.1.2.4.50": "-xy",
    "1.2.840.10008.1.2.4.51": "-xx",
    "1.2.840.10008.1.2.4.70": "-xs",
    "1.2.840.10008.1.2.4.80": "-xt",
    "1.2.840.10008.1.2.4.81": "-xu",
    "1.2.840.10008.1.2.4.90": "-xv",
    "1.2.840.10008.1.2.4.91": "-xw",
    "1.2.840.10008.1.2.5": "-xr",
    "1.2.840.10008.1.2.1.99": "-xd",
}


def propose_option(path):
    try:
        meta = pydicom.dcmread(path, stop_before_pixels=True).file_meta
        return [PROPOSE[meta.TransferSyntaxUID]] if meta.TransferSyntaxUID in PROPOSE else []
    except Exception:  # noqa: BLE001 - storescu will not read it either
        return []


def sop_instance_uid(path):
    try:
        return str(pydicom.dcmread(path, force=True, stop_before_pixels=True).SOPInstanceUID)
    except Exception:  # noqa: BLE001 - files pydicom cannot read are not sent either
        return None


class StoreScp:
    """A storescp the test runs as the C-MOVE destination."""

    def __init__(self, port, folder, log=None):
        """`log`: a file for storescp's debug output (the PDUs it sees)."""
        self.folder = folder
        debug = ["-d"] if log else []
        self.process = subprocess.Popen(
            ["storescp", *debug, "-aet", DESTINATION, "--bit-preserving", "-od", folder,
             str(port)],
            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            code, _ = run("echoscu", "-aec", DESTINATION, "127.0.0.1", str(port), timeout=10)
            if code == 0:
                return
            time.sleep(0.1)
        raise AssertionError("storescp did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)

    def files(self):
        found = {}
        for path in glob.glob(os.path.join(self.folder, "*")):
            with open(path, "rb") as f:
                data = f.read()
            found[str(pydicom.dcmread(path).SOPInstanceUID)] = data
        return found


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def destination_port():
    return free_port()


@pytest.fixture(scope="module")
def dimse_server(destination_port):
    s = TesseraServer().init()
    write_modalities(s, destination_port)
    s.start()
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def session(dimse_server):
    return dimse_server.session("editor")


@pytest.fixture(scope="module")
def studies(dimse_server, session):
    """Three studies stored by STOW-RS: {name: [(dataset, bytes), ...]}."""
    made = {}
    for name, patient, date, modality, count in [
            ("first", "Doe^John", "20240115", "CT", 2),
            ("second", "Doe^John", "20240220", "CT", 2),
            ("third", "Smith^Anna", "20230310", "MR", 1)]:
        study, series = uid(), uid()
        instances = [make_instance(study_uid=study, series_uid=series, patient_name=patient,
                                   patient_id="PID-" + patient.split("^")[0], study_date=date,
                                   modality=modality, instance_number=i + 1, seed=i)
                     for i in range(count)]
        stow(session, dimse_server, [data for _, data in instances])
        made[name] = instances
    return made


# --- tests ----------------------------------------------------------------------------------

def test_echoscu(dimse_server):
    code, output = run("echoscu", "-aec", AE, *peer(dimse_server))
    assert code == 0, output


def test_storescu_of_every_pydicom_file_then_qido_sees_them(dimse_server, session):
    sent = []
    for path in sorted(glob.glob(os.path.join(PYDICOM_FILES, "*.dcm"))):
        code, output = run("storescu", "-v", *propose_option(path), "-aec", AE,
                           *peer(dimse_server), path)
        if "(Success)" not in output:
            continue  # storescu could not read it, or the archive refused it (checked below)
        sop = sop_instance_uid(path)
        if sop:
            sent.append((os.path.basename(path), sop))
    assert len(sent) >= 45, sent
    for name, sop in sent:
        found = qido(session, dimse_server, "/instances", SOPInstanceUID=sop)
        assert len(found) == 1, name
    # The service is still up.
    assert run("echoscu", "-aec", AE, *peer(dimse_server))[0] == 0


def test_storescu_of_a_data_set_spanning_many_pdus_is_stored_byte_for_byte(dimse_server, session,
                                                                           tmp_path):
    # 512 x 512 x 16 bit: the pixel data arrives in several PDVs, which the archive writes
    # straight to the file, around small pieces that it gathers first.
    ds, data = make_instance(rows=512, columns=512, seed=11, patient_name="Large^Pixel",
                             study_date="20190101")
    path = tmp_path / "large.dcm"
    path.write_bytes(data)
    code, output = run("storescu", "-v", "-aec", AE, *peer(dimse_server), str(path))
    assert code == 0 and "(Success)" in output, output
    url = instance_url(dimse_server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    stored = retrieve(session, url)[1][0][1]
    assert len(data_set_bytes(data)) > 4 * 116794
    assert data_set_bytes(stored) == data_set_bytes(data)


def test_stow_then_findscu_sees_it(dimse_server, tmp_path, studies):
    study = str(studies["third"][0][0].StudyInstanceUID)
    code, output, responses = findscu(dimse_server, tmp_path, "stow",
                                      "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study}",
                                      "PatientName", "ModalitiesInStudy")
    assert code == 0, output
    assert len(responses) == 1, output
    assert str(responses[0].PatientName) == "Smith^Anna"


def test_findscu_at_each_level_and_model(dimse_server, tmp_path, studies):
    first = studies["first"][0][0]
    # Study Root, STUDY: wildcard and range.
    code, output, found = findscu(dimse_server, tmp_path, "study", "QueryRetrieveLevel=STUDY",
                                  "PatientName=Doe*", "StudyDate=20240101-20241231",
                                  "StudyInstanceUID", "AccessionNumber")
    assert code == 0, output
    assert sorted(str(r.StudyInstanceUID) for r in found) == sorted(
        str(studies[n][0][0].StudyInstanceUID) for n in ("first", "second"))
    assert all("StudyDescription" not in r for r in found)  # only what was asked for
    # Patient Root, PATIENT.
    code, output, found = findscu(dimse_server, tmp_path, "patient", "QueryRetrieveLevel=PATIENT",
                                  "PatientName=Smith^Anna", "PatientID", model=PATIENT_ROOT)
    assert code == 0, output
    assert [str(r.PatientID) for r in found] == ["PID-Smith"]
    # Trailing empty components are the same name (PS3.5 6.2), as some workstations send them.
    code, output, found = findscu(dimse_server, tmp_path, "patient-carets",
                                  "QueryRetrieveLevel=PATIENT", "PatientName=SMITH^ANNA^^^",
                                  "PatientID", model=PATIENT_ROOT)
    assert code == 0, output
    assert [str(r.PatientID) for r in found] == ["PID-Smith"]
    # Patient Root, STUDY within a patient, open range.
    code, output, found = findscu(dimse_server, tmp_path, "patient-study",
                                  "QueryRetrieveLevel=STUDY", "PatientID=PID-Doe",
                                  "StudyDate=-20240131", "StudyInstanceUID", model=PATIENT_ROOT)
    assert code == 0, output
    assert [str(r.StudyInstanceUID) for r in found] == [str(first.StudyInstanceUID)]
    # Study Root, SERIES.
    code, output, found = findscu(dimse_server, tmp_path, "series", "QueryRetrieveLevel=SERIES",
                                  f"StudyInstanceUID={first.StudyInstanceUID}",
                                  "SeriesInstanceUID", "Modality")
    assert code == 0, output
    assert [(str(r.SeriesInstanceUID), r.Modality) for r in found] == [
        (str(first.SeriesInstanceUID), "CT")]
    # Study Root, IMAGE with a UID list.
    wanted = [str(ds.SOPInstanceUID) for ds, _ in studies["first"]]
    code, output, found = findscu(dimse_server, tmp_path, "image", "QueryRetrieveLevel=IMAGE",
                                  f"StudyInstanceUID={first.StudyInstanceUID}",
                                  f"SeriesInstanceUID={first.SeriesInstanceUID}",
                                  "SOPInstanceUID=" + "\\".join(wanted), "InstanceNumber")
    assert code == 0, output
    assert sorted(str(r.SOPInstanceUID) for r in found) == sorted(wanted)


def test_findscu_from_an_unknown_ae_is_refused(dimse_server, tmp_path):
    code, output, found = findscu(dimse_server, tmp_path, "unknown", "QueryRetrieveLevel=STUDY",
                                  aet="STRANGER")
    assert code != 0
    assert "Calling AE Title Not Recognized" in output, output
    assert found == []


@pytest.fixture(scope="module")
def capped_server(destination_port):
    """A server whose answers hold at most two matches, holding three studies."""
    s = TesseraServer(extra_env={"TESSERA_ARCHIVE_MAX_QUERY_RESULTS": "2"}).init()
    write_modalities(s, destination_port)
    s.start()
    session = s.session("editor")
    s.study_uids = []
    for n in range(3):
        ds, data = make_instance(patient_name=f"Capped^{n}", study_date=f"2024010{n + 1}")
        stow(session, s, [data])
        s.study_uids.append(str(ds.StudyInstanceUID))
    yield s
    s.cleanup()


def test_answers_past_the_maximum_are_cut_with_a_warning_or_refused(capped_server, tmp_path):
    session = capped_server.session("editor")

    def studies(**params):
        r = session.get(capped_server.pacs + "/studies", params=params,
                        headers={"Accept": "application/dicom+json"})
        assert r.status_code == 200, r.text
        return [m["00100010"]["Value"][0]["Alphabetic"] for m in r.json()], \
            r.headers.get("Warning", "")

    names, warning = studies()
    assert names == ["Capped^2", "Capped^1"]
    assert "The number of results exceeded the maximum supported by the server" in warning
    names, warning = studies(limit=5, offset=1, count="true")
    assert names == ["Capped^1", "Capped^0"] and warning == ""
    names, warning = studies(limit=2)
    assert names == ["Capped^2", "Capped^1"] and warning == ""

    # C-FIND cannot say "only the first ones": the query is refused, and a narrower one answered.
    def find(name):
        return run("findscu", "-d", "-aet", VIEWER, "-aec", AE, STUDY_ROOT, "-k",
                   "QueryRetrieveLevel=STUDY", "-k", f"PatientName={name}", *peer(capped_server))

    code, output = find("")
    assert "0xa700: Refused: Out of resources" in output, output
    assert "too many matches; narrow the query" in output, output
    assert "Pending" not in output, output
    code, output = find("Capped^1")
    assert code == 0, output
    assert output.count("0xff00: Pending") == 1 and "Capped^1" in output, output

    # Nor may a retrieval send only some of what was asked for.
    def get(uids, folder):
        folder.mkdir()
        return run("getscu", "-d", "-aet", VIEWER, "-aec", AE, STUDY_ROOT, "-od", str(folder),
                   "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + "\\".join(uids),
                   *peer(capped_server))

    code, output = get(capped_server.study_uids, tmp_path / "all-three")
    assert "0xa702" in output.lower() and "too many matches" in output, output
    assert list((tmp_path / "all-three").iterdir()) == []
    code, output = get(capped_server.study_uids[:2], tmp_path / "two")
    assert code == 0, output
    assert len(list((tmp_path / "two").iterdir())) == 2


def test_movescu_to_storescp_byte_for_byte(dimse_server, destination_port, tmp_path, studies):
    storescp = StoreScp(destination_port, str(tmp_path))
    try:
        study = studies["second"][0][0].StudyInstanceUID
        code, output = run("movescu", "-v", "-aet", VIEWER, "-aec", AE, "-aem", DESTINATION,
                           STUDY_ROOT, "-k", "QueryRetrieveLevel=STUDY", "-k",
                           f"StudyInstanceUID={study}", *peer(dimse_server))
        assert code == 0, output
        arrived = storescp.files()
    finally:
        storescp.stop()
    sent = {str(ds.SOPInstanceUID): data for ds, data in studies["second"]}
    assert sorted(arrived) == sorted(sent)
    for sop, data in sent.items():
        assert data_set_bytes(arrived[sop]) == data_set_bytes(data), sop


def test_tessera_names_itself_in_associations_and_received_files(dimse_server, session,
                                                                 destination_port, tmp_path,
                                                                 studies):
    implementation = "2.25.73710557333683375587601965386534289883"
    code, output = run("echoscu", "-d", "-aec", AE, *peer(dimse_server))
    assert code == 0, output
    assert f"Their Implementation Class UID:    {implementation}" in output, output
    assert "Their Implementation Version Name: TESSERA_" in output, output

    ds, data = make_instance(seed=23)
    path = tmp_path / "named.dcm"
    path.write_bytes(data)
    code, output = run("storescu", "-aec", AE, *peer(dimse_server), str(path))
    assert code == 0, output
    url = instance_url(dimse_server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    stored = pydicom.dcmread(io.BytesIO(retrieve(session, url)[1][0][1]))
    assert stored.file_meta.ImplementationClassUID == implementation
    assert stored.file_meta.ImplementationVersionName.startswith("TESSERA_")

    received = tmp_path / "moved"
    received.mkdir()
    with open(tmp_path / "storescp.log", "w") as log:
        storescp = StoreScp(destination_port, str(received), log=log)
        try:
            study = studies["second"][0][0].StudyInstanceUID
            code, output = run("movescu", "-aet", VIEWER, "-aec", AE, "-aem", DESTINATION,
                               STUDY_ROOT, "-k", "QueryRetrieveLevel=STUDY", "-k",
                               f"StudyInstanceUID={study}", *peer(dimse_server))
            assert code == 0, output
        finally:
            storescp.stop()
    seen = (tmp_path / "storescp.log").read_text()
    assert f"Their Implementation Class UID:    {implementation}" in seen, seen[-3000:]


def test_movescu_to_an_unknown_destination_is_refused(dimse_server, studies):
    study = studies["first"][0][0].StudyInstanceUID
    code, output = run("movescu", "-v", "-aet", VIEWER, "-aec", AE, "-aem", "NOWHERE",
                       STUDY_ROOT, "-k", "QueryRetrieveLevel=STUDY", "-k",
                       f"StudyInstanceUID={study}", *peer(dimse_server))
    assert "Final Move Response (Refused: MoveDestinationUnknown)" in output, output


def test_getscu(dimse_server, tmp_path, studies):
    ds = studies["first"][0][0]
    code, output = run("getscu", "-aet", VIEWER, "-aec", AE, STUDY_ROOT, "--bit-preserving",
                       "-od", str(tmp_path), "-k", "QueryRetrieveLevel=SERIES", "-k",
                       f"StudyInstanceUID={ds.StudyInstanceUID}", "-k",
                       f"SeriesInstanceUID={ds.SeriesInstanceUID}", *peer(dimse_server))
    assert code == 0, output
    arrived = {}
    for path in tmp_path.iterdir():
        arrived[str(pydicom.dcmread(str(path)).SOPInstanceUID)] = path.read_bytes()
    sent = {str(d.SOPInstanceUID): data for d, data in studies["first"]}
    assert sorted(arrived) == sorted(sent)
    for sop, data in sent.items():
        assert data_set_bytes(arrived[sop]) == data_set_bytes(data), sop


def test_a_uid_list_longer_than_4_kib_matches_only_its_uids(dimse_server, tmp_path, studies):
    """Viewers ask for chosen images by a list of UIDs; past 4 KiB, DCMTK leaves a value
    unread unless told, and an empty key would match every image."""
    ds = studies["first"][0][0]
    wanted = str(ds.SOPInstanceUID)
    listed = "\\".join([f"1.2.826.0.1.3680043.8.498.{n}.{n}" for n in range(150)] + [wanted])
    assert len(listed) > 4096
    keys = ["QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={ds.StudyInstanceUID}",
            f"SeriesInstanceUID={ds.SeriesInstanceUID}", f"SOPInstanceUID={listed}"]
    code, output, found = findscu(dimse_server, tmp_path, "long-list", *keys)
    assert code == 0, output
    assert [str(r.SOPInstanceUID) for r in found] == [wanted]
    received = tmp_path / "got"
    received.mkdir()
    args = ["getscu", "-aet", VIEWER, "-aec", AE, STUDY_ROOT, "-od", str(received)]
    for key in keys:
        args += ["-k", key]
    code, output = run(*args, *peer(dimse_server))
    assert code == 0, output
    assert [str(pydicom.dcmread(str(p)).SOPInstanceUID) for p in received.iterdir()] == [wanted]


@pytest.mark.parametrize("option,arrives_in", [
    ("+xs", "1.2.840.10008.1.2.4.70"),  # JPEG Lossless first: encoded so, losslessly
    ("+xy", "1.2.840.10008.1.2.1"),  # JPEG Baseline first: lossy, so Explicit VR LE
    ("+xv", "1.2.840.10008.1.2.1"),  # JPEG 2000 first: no encoder, so Explicit VR LE
])
def test_getscu_preferring_compression_gets_every_image(dimse_server, tmp_path, studies, option,
                                                         arrives_in):
    """A C-GET peer that lists a compressed syntax first, before the uncompressed ones, is
    sent the images stored uncompressed too: in that syntax when it is lossless and can be
    encoded, else in the uncompressed one it also offered."""
    ds = studies["first"][0][0]
    received = tmp_path / "got"
    received.mkdir()
    code, output = run("getscu", "-aet", VIEWER, "-aec", AE, STUDY_ROOT, option, "-od",
                       str(received), "-k", "QueryRetrieveLevel=SERIES", "-k",
                       f"StudyInstanceUID={ds.StudyInstanceUID}", "-k",
                       f"SeriesInstanceUID={ds.SeriesInstanceUID}", *peer(dimse_server))
    assert code == 0, output
    sent = {str(d.SOPInstanceUID): d for d, _ in studies["first"]}
    arrived = sorted(received.iterdir())
    assert len(arrived) == len(sent), output
    for path in arrived:
        got = pydicom.dcmread(str(path))
        assert got.file_meta.TransferSyntaxUID == arrives_in
        if arrives_in != "1.2.840.10008.1.2.1":
            native = tmp_path / (path.name + ".native")
            code, output = run("dcmdjpeg", str(path), str(native))
            assert code == 0, output
            got = pydicom.dcmread(str(native))
        assert got.PixelData == sent[str(got.SOPInstanceUID)].PixelData


def test_a_broken_file_gets_a_failure_status_and_the_service_keeps_running(dimse_server,
                                                                             tmp_path):
    ds, _ = make_instance()
    del ds.StudyInstanceUID
    path = str(tmp_path / "broken.dcm")
    ds.save_as(path, write_like_original=False)
    code, output = run("storescu", "-v", "-aec", AE, *peer(dimse_server), path)
    assert "(Success)" not in output, output
    assert "Received Store Response (Error: CannotUnderstand)" in output, output
    assert run("echoscu", "-aec", AE, *peer(dimse_server))[0] == 0


def test_storescu_of_an_instance_that_would_refile_a_stored_series_is_refused(dimse_server,
                                                                             session, tmp_path):
    ds, data = make_instance(seed=12)
    stored, other_study = tmp_path / "stored.dcm", tmp_path / "other_study.dcm"
    stored.write_bytes(data)
    other_study.write_bytes(make_instance(series_uid=ds.SeriesInstanceUID, seed=13)[1])
    code, output = run("storescu", "-v", "-aec", AE, *peer(dimse_server), str(stored))
    assert code == 0 and "(Success)" in output, output
    code, output = run("storescu", "-v", "-aec", AE, *peer(dimse_server), str(other_study))
    assert "(Success)" not in output, output
    assert "Received Store Response (Error: CannotUnderstand)" in output, output
    found = qido(session, dimse_server, "/instances", SeriesInstanceUID=ds.SeriesInstanceUID)
    assert [first_value(i, "0020000D") for i in found] == [ds.StudyInstanceUID]


def test_many_parallel_storescu_associations(dimse_server, session, tmp_path):
    senders = 8
    study = uid()
    jobs = []
    for sender in range(senders):
        files = []
        for i in range(3):
            _, data = make_instance(study_uid=study, patient_id="PID-PAR", seed=sender * 3 + i,
                                    instance_number=sender * 3 + i + 1)
            path = tmp_path / f"{sender}-{i}.dcm"
            path.write_bytes(data)
            files.append(str(path))
        jobs.append(["storescu", "-aet", f"SENDER{sender}", "-aec", AE, *peer(dimse_server),
                     *files])
    with concurrent.futures.ThreadPoolExecutor(max_workers=senders) as pool:
        results = list(pool.map(lambda args: run(*args), jobs))
    for code, output in results:
        assert code == 0, output
    found = qido(session, dimse_server, f"/studies/{study}/instances")
    assert len(found) == senders * 3


def test_storescu_over_tls_then_qido_sees_it(tmp_path):
    server = TesseraServer(extra_env={"TESSERA_DICOM_TLS": "true"}).init().start()
    try:
        certificate = os.path.join(server.data_dir, "tls", "server.crt")
        ds, data = make_instance()
        path = tmp_path / "tls.dcm"
        path.write_bytes(data)
        code, output = run("storescu", "-v", "-aec", AE, "+tla", "+cf", certificate,
                           *peer(server), str(path))
        assert code == 0 and "(Success)" in output, output
        # Without TLS the association cannot even start.
        code, output = run("echoscu", "-to", "5", "-ta", "5", "-aec", AE, *peer(server))
        assert code != 0
        found = qido(server.session(), server, "/instances", SOPInstanceUID=str(ds.SOPInstanceUID))
        assert len(found) == 1
    finally:
        server.cleanup()


def test_dicom_tls_takes_tls_1_2_modalities_and_refuses_retired_profiles():
    """With the certificate `tessera init` makes (ECDSA): DCMTK's Extended BCP 195 profile
    (TLS 1.2 only, as a modality without TLS 1.3 speaks) connects; the retired AES profile
    (TLS 1.0 suites) does not; openssl's TLS 1.1 client gets a protocol alert."""
    server = TesseraServer(extra_env={"TESSERA_DICOM_TLS": "true"}).init().start()
    try:
        certificate = os.path.join(server.data_dir, "tls", "server.crt")
        code, output = run("echoscu", "-v", "-to", "10", "-aec", AE, "+tla", "+pz",
                           "+cf", certificate, *peer(server))
        assert code == 0 and "Received Echo Response (Success)" in output, output
        code, output = run("echoscu", "-to", "10", "-aec", AE, "+tla", "+pa",
                           "+cf", certificate, *peer(server))
        assert code != 0, output
        handshake = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{server.dicom_port}", "-tls1_1",
             "-cipher", "DEFAULT:@SECLEVEL=0"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
        assert "Cipher is (NONE)" in handshake.stdout, handshake.stdout
    finally:
        server.cleanup()


def test_a_pdu_before_the_association_request_is_aborted_and_logged_as_such(dimse_server):
    with socket.create_connection(("127.0.0.1", dimse_server.dicom_port)) as early:
        early.sendall(struct.pack(">BBI", 0x04, 0, 6) + bytes([0, 0, 0, 2, 1, 3]))  # P-DATA-TF
        early.settimeout(30)
        assert early.recv(1) == b"\x07", "expected an A-ABORT"
    deadline = time.time() + 10
    while "the peer sent another PDU first" not in dimse_server.log() and time.time() < deadline:
        time.sleep(0.1)
    assert "the peer sent another PDU first" in dimse_server.log()
    assert "unsupported application context" not in dimse_server.log()


def test_a_peer_stalling_inside_a_pdu_is_dropped_after_the_timeout_of_its_phase():
    association_timeout, dimse_timeout = 2, 8
    server = TesseraServer(extra_env={
        "TESSERA_DICOM_ASSOCIATION_TIMEOUT_SECONDS": str(association_timeout),
        "TESSERA_DICOM_DIMSE_TIMEOUT_SECONDS": str(dimse_timeout)}).init().start()
    try:
        request = associate_rq(AE, "STALLER", VERIFICATION)
        # Half an association request: DCMTK's own receive timeout (60 s) used to apply.
        with socket.create_connection(("127.0.0.1", server.dicom_port)) as half:
            half.sendall(request[:20])
            assert seconds_until_closed(half) < 30
        # Associated, then half a P-DATA-TF: the DIMSE timeout applies, not the shorter one.
        with socket.create_connection(("127.0.0.1", server.dicom_port)) as associated:
            associated.sendall(request)
            associated.settimeout(30)
            assert associated.recv(1)[0] == 0x02, "expected an A-ASSOCIATE-AC"
            associated.sendall(struct.pack(">BBI", 0x04, 0, 100) + bytes(10))
            assert dimse_timeout - 1 <= seconds_until_closed(associated) < 60
        assert run("echoscu", "-aec", AE, *peer(server))[0] == 0
    finally:
        server.cleanup()
