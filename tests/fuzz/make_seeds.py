#!/usr/bin/python3
"""Writes the seed inputs of tests/fuzz/corpus/ (run with Debian's python3 and
python3-pydicom: /usr/bin/python3 tests/fuzz/make_seeds.py). Idempotent: seeds
are named seed-*, other corpus files (minimised fuzzer finds) are left alone."""

import io
import json
import os
import shutil
import struct
import zipfile

import pydicom
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
TEST_FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
CHARSET_FILES = "/usr/lib/python3/dist-packages/pydicom/data/charset_files"


def put(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(CORPUS, target, "seed-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def dataset_bytes(ds, implicit):
    buffer = DicomBytesIO()
    buffer.is_little_endian = True
    buffer.is_implicit_VR = implicit
    write_dataset(buffer, ds)
    return buffer.getvalue()


# --- multipart: Content-Type line, chunking seed byte, body ---------------------
def multipart(boundary, parts, closing=True, preamble=""):
    body = preamble
    for headers, content in parts:
        body += "\r\n--" + boundary + "\r\n" + headers + "\r\n\r\n" + content
    if closing:
        body += "\r\n--" + boundary + "--\r\nepilogue"
    return body

put("multipart", "simple", 'multipart/related; type="application/dicom"; boundary=abc123\n\x07' +
    multipart("abc123", [("Content-Type: application/dicom", "DICM" * 10),
                         ("Content-Type: application/dicom\r\nContent-Location: x", "\r\n--abc12\r\n")]))
put("multipart", "formdata", 'multipart/form-data; boundary="----WebKitFormBoundary7MA4YWxkTrZu0gW"\n\x03' +
    multipart("----WebKitFormBoundary7MA4YWxkTrZu0gW",
              [('Content-Disposition: form-data; name="file"; filename="a.dcm"; filename*=UTF-8\'\'%C3%A9.dcm\r\n'
                'Content-Type: application/octet-stream', "\x00\x01\r\n\r\n-- data"),
               ('Content-Disposition: form-data; name="x"\r\n folded: continued', "")]))
put("multipart", "no-leading-crlf", "multipart/related; boundary=b\n\x11--b\r\n\r\nabc\r\n--b  \t\r\nX: y\n\ndef\r\n--b--")
put("multipart", "unterminated", "multipart/related; boundary=zz\n\x00--zz\r\nA: b\r\n\r\n\r\n--z\r\n--zz")

# --- media types: header line, accept= line, stored syntax line -----------------
for i, (header, accept, stored) in enumerate([
        ('multipart/related; type="application/dicom"; transfer-syntax=*', "", "1.2.840.10008.1.2.4.50"),
        ("application/dicom+json, */*;q=0.5, image/png;q=0", "", "1.2.840.10008.1.2.1"),
        ('multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.90;q=0.9, multipart/related; type="image/jp2"',
         "", "1.2.840.10008.1.2.4.90"),
        ("image/*;q=.5, image/jpeg;q=0, text/html; charset=\"utf\\\"-8\"", "application/zip", "1.2.840.10008.1.2.5"),
        ('application/dicom; transfer-syntax="1.2.840.10008.1.2.1"', 'multipart/related;type="application/dicom"', "1.2.840.10008.1.2"),
        ("*", "image/png,image/gif", "1.2.840.10008.1.2.4.80")]):
    put("media_type", str(i), header + "\n" + accept + "\n" + stored)

# --- QIDO: level/flags byte, query string ---------------------------------------
for i, (flags, query) in enumerate([
        (1, "PatientName=Doe*&StudyDate=20200101-20201231&limit=10&offset=5&includefield=all&count=true"),
        (2, "Modality=CT,MR&00100020=ab%3Fc&fuzzymatching=true&orderby=-StudyDate"),
        (3, "SOPInstanceUID=1.2.3,1.2.4%5C1.2.5&StudyTime=1010-&includefield=00080016,StudyDescription"),
        (0x41, "PatientName=%E5%B1%B1%E7%94%B0*&PatientBirthDate=-19700101&AccessionNumber=A?C"),
        (0x11, "SeriesDescription=*head*&SeriesNumber=3&AcquisitionDateTime=20200101101010.5-"),
        (0x31, "InstanceNumber=12&Rows=512&ContentDate=20201010&limit=0"),
        (1, "ModalitiesInStudy=CT&PatientName=Lestrade^G^^&ReferringPhysicianName=*^John&StudyInstanceUID=1.2.840.1")]):
    put("qido", str(i), bytes([flags]) + query.encode())

# --- match values: attribute byte, flags byte, value ----------------------------
for i, (attr, flags, value) in enumerate([
        (0, 3, "Doe*^J?hn"), (0, 0, "Doe^John^^"), (1, 0, "20200101-20201231"), (2, 1, "1010-1230.5"),
        (3, 0, "20200101101010+0100-"), (4, 1, "1.2.3,1.2.4\\1.2.5"), (5, 1, "CT\\MR , OT"),
        (8, 0, "12"), (9, 0, "1.5e3"), (6, 2, "\u00c9COLE*[x]"), (0, 2, "\u5c71\u7530^\u592a\u90ce"),
        (19, 0, "007"), (16, 0, "-0.25")]):
    put("match_value", str(i), bytes([attr, flags]) + value.encode())

# --- strings --------------------------------------------------------------------
for i, text in enumerate([b"Doe^John", "\u00c9l\u00e8ve \u0391\u0392\u03a3 \u0416\u0443\u043a \u0130I".encode(),
                          b"%41%zz+%2B", b"-9223372036854775808", b"18446744073709551615",
                          b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82", b" \t a,b,,c \r\n"]):
    put("strings", str(i), text)

# --- text decoder: character set line, delimiter byte, raw value ----------------
for name in ["chrJapMulti.dcm", "chrH31.dcm", "chrKoreanMulti.dcm", "chrX1.dcm", "chrRuss.dcm",
             "chrGreek.dcm", "chrArab.dcm", "chrI2.dcm", "chrFrenMulti.dcm", "chrH32.dcm"]:
    ds = pydicom.dcmread(os.path.join(CHARSET_FILES, name))
    charset = ds.get((0x0008, 0x0005))
    charset = "" if charset is None else charset.value
    charset = charset if isinstance(charset, str) else "\\".join(charset)
    raw = ds[(0x0010, 0x0010)].value
    raw = raw.original_string if hasattr(raw, "original_string") else raw
    if isinstance(raw, str):
        raw = raw.encode("latin-1", "replace")
    put("text_decoder", name, charset.encode() + b"\n\x01" + raw)
put("text_decoder", "jis-katakana", b"\x04\n\x00\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B")
put("text_decoder", "latin1-fallback", b"\x03\n\x00caf\xe9 \x1b$)C\xb1\xe8")

# --- DICOM files: instance reader and frames ------------------------------------
for name in ["empty_charset_LEI.dcm", "nested_priv_SQ.dcm", "UN_sequence.dcm", "SC_rgb_small_odd.dcm",
             "rtplan.dcm", "reportsi.dcm", "image_dfl.dcm", "rtdose_1frame.dcm", "meta_missing_tsyntax.dcm",
             "no_meta_group_length.dcm"]:
    put("instance_reader", name, read(os.path.join(TEST_FILES, name)))
for name in ["chrJapMulti.dcm", "chrSQEncoding.dcm", "chrX2.dcm"]:
    put("instance_reader", name, read(os.path.join(CHARSET_FILES, name)))
for name, selector in [("SC_rgb_rle_2frame.dcm", 0x11), ("SC_rgb_small_odd_jpeg.dcm", 0x10),
                       ("JPEG2000.dcm", 0x10), ("rtdose_1frame.dcm", 0x01), ("SC_rgb_rle_16bit.dcm", 0x00),
                       ("693_J2KI.dcm", 0x12), ("SC_rgb_small_odd.dcm", 0x13),
                       ("JPEG2000-embedded-sequence-delimiter.dcm", 0x00)]:
    put("frames", name, read(os.path.join(TEST_FILES, name)) + bytes([selector]))

# --- DICOM JSON -------------------------------------------------------------------
put("dataset_json", "test_PN.json", read(os.path.join(TEST_FILES, "test_PN.json")))
for name in ["rtplan.dcm", "reportsi.dcm", "nested_priv_SQ.dcm"]:
    ds = pydicom.dcmread(os.path.join(TEST_FILES, name))
    del ds.file_meta
    put("dataset_json", name + ".json", ds.to_json(bulk_data_threshold=64,
                                                    bulk_data_element_handler=lambda e: "bulk:x"))
put("dataset_json", "mixed.json", json.dumps({
    "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Yamada^Tarou", "Ideographic": "\u5c71\u7530^\u592a\u90ce"}, None]},
    "00200013": {"vr": "IS", "Value": [1, "2x"]}, "00181030": {"vr": "DS", "Value": [1.5e300, -0.0]},
    "00280010": {"vr": "US", "Value": [65535]}, "00091001": {"vr": "OB", "InlineBinary": "AAECAw=="},
    "00201041": {"vr": "FD", "Value": ["NaN", "Infinity"]}, "00209165": {"vr": "AT", "Value": ["00100010"]},
    "00400275": {"vr": "SQ", "Value": [{"00400007": {"vr": "LO", "Value": ["x\\y"]}}, {}]},
    "7FE00010": {"vr": "OW", "BulkDataURI": "http://x/bulk"}, "00720056": {"vr": "SV", "Value": [-9007199254740993]},
}))

# --- storage commitment: syntax byte, Action Information ------------------------
def commitment(items, uid="1.2.826.0.1.3680043.2.1545.1"):
    ds = Dataset()
    ds.TransactionUID = uid
    seq = []
    for cls, inst in items:
        item = Dataset()
        item.ReferencedSOPClassUID = cls
        item.ReferencedSOPInstanceUID = inst
        seq.append(item)
    ds.ReferencedSOPSequence = Sequence(seq)
    return ds
ds = commitment([("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5"), ("1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.6")])
put("commitment", "implicit", b"\x00" + dataset_bytes(ds, True))
put("commitment", "explicit", b"\x01" + dataset_bytes(ds, False))
put("commitment", "bad-uid", b"\x00" + dataset_bytes(commitment([("1.2.840.10008.5.1.4.1.1.2", "1.02.x")]), True))
put("commitment_file", "0", CommitmentText := json.dumps({"peer": "MODALITY", "transaction_uid": "1.2.3",
    "items": [["1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5"], ["1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.6"]]}))
put("commitment_file", "1", '{"peer":"A","transaction_uid":"1.2","items":[["1.2","1.3"]],"extra":[1,{"x":null}]}')

# --- C-FIND / C-MOVE identifiers: selector byte, identifier --------------------
def identifier(level, **keys):
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for k, v in keys.items():
        setattr(ds, k, v)
    return ds
for i, (selector, ds) in enumerate([
        (0, identifier("STUDY", PatientName="Doe*", StudyDate="20200101-", StudyInstanceUID="",
                       ModalitiesInStudy="CT\\MR", SpecificCharacterSet="ISO_IR 100")),
        (1, identifier("SERIES", StudyInstanceUID="1.2.3", SeriesInstanceUID="", Modality="MR",
                       SeriesNumber="4")),
        (2, identifier("PATIENT", PatientID="ABC", PatientName="", PatientBirthDate="19700101")),
        (3, identifier("IMAGE", PatientID="ABC", StudyInstanceUID="1.2.3", SeriesInstanceUID="1.2.3.4",
                       SOPInstanceUID="1.2.3.4.5\\1.2.3.4.6", InstanceNumber="")),
        (4, identifier("STUDY", SpecificCharacterSet=["", "ISO 2022 IR 87"], PatientName="\u5c71\u7530*",
                       StudyTime="1010-1200", AccessionNumber="A?1", StudyDescription="*head*"))]):
    try:
        put("query_identifier", str(i), bytes([selector]) + dataset_bytes(ds, selector % 2 == 0))
    except Exception:  # pydicom cannot encode some character sets: write it as ASCII
        ds.PatientName = "Yamada*"
        put("query_identifier", str(i), bytes([selector]) + dataset_bytes(ds, selector % 2 == 0))

# --- zip uploads ---------------------------------------------------------------
def zipped(entries, method):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buffer.getvalue()
dcm = read(os.path.join(TEST_FILES, "empty_charset_LEI.dcm"))
put("zip_reader", "stored.zip", zipped([("a/one.dcm", dcm), ("a/", b""), ("__MACOSX/._one.dcm", b"x"),
                                        ("._x", b"y"), (".DS_Store", b"z")], zipfile.ZIP_STORED))
put("zip_reader", "deflated.zip", zipped([("one.dcm", dcm), ("two.dcm", b"\x00" * 3000)], zipfile.ZIP_DEFLATED))
put("zip_reader", "empty.zip", zipped([], zipfile.ZIP_STORED))

# --- JWT: mode byte, token or payload to sign -----------------------------------
claims = {"iss": "https://pacs.example", "sub": "alice", "username": "alice", "name": "Alice A",
          "tokenType": "access", "userVersion": "3", "jti": "abc", "iat": 1700000000, "exp": 1700003600,
          "canEditResource": True, "aud": "https://viewer.example"}
put("jwt", "access", b"\x01" + json.dumps(claims).encode())
oneoff = dict(claims, tokenType="one-off", tokenServer="https://x/t", refreshServer="https://x/r", pacs="https://x/p")
del oneoff["aud"]
put("jwt", "one-off", b"\x01" + json.dumps(oneoff).encode())
put("jwt", "raw", b"\x00eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJ4In0.c2ln")
put("jwt", "none", b"\x00eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
