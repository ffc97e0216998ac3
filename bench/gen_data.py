#!/usr/bin/python3
"""Generates the benchmark's deterministic DICOM data (pydicom + numpy, seeded).

Three sets, each in its own folder under --out named by its parameters, so a set is made once
and reused by later runs (a folder is complete when its manifest.json exists):

  ct-<studies>x<series>x<instances>-<size>-s<seed>/   CT Image Storage, <size>x<size> 16-bit,
      one folder per series; list.txt (all files), manifest.json (UIDs, files per series).
  index-<studies>-s<seed>/   one-instance studies (32x32 16-bit Secondary Capture) with varied
      patient names, IDs, dates and modalities; list.txt, manifest.json (the query values).
      Made from one pydicom template whose fixed-width fields are overwritten in place, so a
      million studies take minutes, not hours.
  big-<mb>MB-s<seed>/   one multi-frame instance of about <mb> MB (for peak memory while one
      huge STOW body is received), written frame by frame.

Usage: gen_data.py --out bench/out/data [--ct 4x2x150] [--ct-size 512] [--studies 10000]
                   [--big-mb 2000] [--seed 1]
Prints the manifest paths as JSON on stdout.
"""
import argparse
import io
import json
import os
import random
import sys
import uuid

import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
IMPLEMENTATION_UID = "1.2.826.0.1.3680043.10.1339.1"  # fixed: files are byte-identical per seed

LAST_NAMES = """SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ
LOPEZ GONZALEZ WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS
SANCHEZ CLARK RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT TORRES NGUYEN HILL
FLORES GREEN ADAMS NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER ROBERTS KOWALSKI NOWAK
WISNIEWSKI WOJCIK KOWALCZYK KAMINSKI LEWANDOWSKI ZIELINSKI SZYMANSKI WOZNIAK MULLER SCHMIDT
SCHNEIDER FISCHER WEBER MEYER WAGNER BECKER SCHULZ HOFFMANN ROSSI RUSSO FERRARI ESPOSITO BIANCHI
ROMANO COLOMBO RICCI MARINO GRECO DUBOIS DURAND LEROY MOREAU SIMON LAURENT LEFEBVRE MICHEL
SATO SUZUKI TAKAHASHI TANAKA WATANABE ITO YAMAMOTO NAKAMURA KOBAYASHI KATO""".split()
FIRST_NAMES = """JAMES MARY JOHN PATRICIA ROBERT JENNIFER MICHAEL LINDA WILLIAM ELIZABETH DAVID BARBARA
RICHARD SUSAN JOSEPH JESSICA THOMAS SARAH CHARLES KAREN ANNA PIOTR KATARZYNA TOMASZ AGNIESZKA
LUKAS SOFIA LUCA GIULIA HUGO EMMA YUKI HARUTO""".split()
MODALITIES = ["CT", "MR", "CR", "DX", "US", "MG", "PT", "NM", "XA", "RF"]
DESCRIPTIONS = ["CHEST", "HEAD", "ABDOMEN", "PELVIS", "SPINE", "KNEE", "SHOULDER", "BREAST",
                "CARDIAC", "NECK"]


def uid(seed, *parts):
    """A deterministic 2.25 UID of exactly 43 characters (38-digit component, no leading 0)."""
    digest = uuid.uuid5(uuid.NAMESPACE_OID, f"tessera-bench/{seed}/" + "/".join(map(str, parts)))
    return "2.25." + str(10**37 + digest.int % (9 * 10**37))


def file_meta(sop_class, sop_instance):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_UID
    meta.ImplementationVersionName = "TESSERA_BENCH"
    return meta


def new_dataset(meta):
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SpecificCharacterSet = "ISO_IR 100"
    return ds


def save(ds, path):
    ds.save_as(path, write_like_original=False)


def done(folder):
    return os.path.exists(os.path.join(folder, "manifest.json"))


def write_manifest(folder, manifest, files):
    with open(os.path.join(folder, "list.txt"), "w") as f:
        f.writelines(os.path.relpath(p, folder) + "\n" for p in files)
    tmp = os.path.join(folder, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f)
    os.replace(tmp, os.path.join(folder, "manifest.json"))


# --- CT set ----------------------------------------------------------------------------------

def phantom(size, rng):
    """A body-like 16-bit slice: an ellipse of soft tissue with a few denser discs, plus noise
    drawn per slice by the caller."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    image = np.full((size, size), -1000.0, dtype=np.float32)  # air
    image[(x / 0.45) ** 2 + (y / 0.35) ** 2 <= 1] = 40.0  # soft tissue
    for _ in range(6):
        cx, cy, r = rng.uniform(-0.25, 0.25), rng.uniform(-0.2, 0.2), rng.uniform(0.02, 0.08)
        image[(x - cx) ** 2 + (y - cy) ** 2 <= r * r] = rng.uniform(200, 1200)
    return image


def make_ct(out, studies, series_per_study, instances, size, seed):
    folder = os.path.join(out, f"ct-{studies}x{series_per_study}x{instances}-{size}-s{seed}")
    if done(folder):
        return folder
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    base = phantom(size, rng)
    manifest = {"kind": "ct", "studies": [], "size": size, "file_bytes": 0}
    files = []
    for st in range(studies):
        study_uid = uid(seed, "ct", st)
        study = {"uid": study_uid, "series": []}
        for se in range(series_per_study):
            series_uid = uid(seed, "ct", st, se)
            series_dir = os.path.join(folder, f"study{st}", f"series{se}")
            os.makedirs(series_dir, exist_ok=True)
            series = {"uid": series_uid, "instances": [], "files": []}
            for i in range(instances):
                sop_uid = uid(seed, "ct", st, se, i)
                ds = new_dataset(file_meta(CT_IMAGE_STORAGE, sop_uid))
                ds.SOPClassUID = CT_IMAGE_STORAGE
                ds.SOPInstanceUID = sop_uid
                ds.StudyInstanceUID = study_uid
                ds.SeriesInstanceUID = series_uid
                ds.FrameOfReferenceUID = uid(seed, "ct", st, "for")
                ds.PatientName = f"BENCH^CT{st:02d}"
                ds.PatientID = f"CTP{st:05d}"
                ds.PatientBirthDate = "19600101"
                ds.PatientSex = "O"
                ds.StudyDate = f"2023{(st % 12) + 1:02d}15"
                ds.StudyTime = "101500"
                ds.StudyID = f"CT{st}"
                ds.AccessionNumber = f"CTACC{st:05d}"
                ds.StudyDescription = "CT CHEST ABDOMEN"
                ds.ReferringPhysicianName = "REFERRER^BENCH"
                ds.Modality = "CT"
                ds.Manufacturer = "TESSERA BENCH"
                ds.SeriesNumber = se + 1
                ds.SeriesDescription = f"AXIAL {['SOFT', 'LUNG', 'BONE'][se % 3]}"
                ds.InstanceNumber = i + 1
                ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
                ds.ImagePositionPatient = [-250.0, -250.0, -1.25 * i]
                ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
                ds.SliceLocation = -1.25 * i
                ds.SliceThickness = 1.25
                ds.PixelSpacing = [500.0 / size, 500.0 / size]
                ds.KVP = 120
                ds.SamplesPerPixel = 1
                ds.PhotometricInterpretation = "MONOCHROME2"
                ds.Rows = size
                ds.Columns = size
                ds.BitsAllocated = 16
                ds.BitsStored = 12
                ds.HighBit = 11
                ds.PixelRepresentation = 0
                ds.RescaleIntercept = -1024
                ds.RescaleSlope = 1
                ds.WindowCenter = 40
                ds.WindowWidth = 400
                noise = rng.normal(0, 12, (size, size)).astype(np.float32)
                hu = base * (0.9 + 0.1 * np.sin(i / 9.0)) + noise
                ds.PixelData = np.clip(hu + 1024, 0, 4095).astype("<u2").tobytes()
                path = os.path.join(series_dir, f"{i:04d}.dcm")
                save(ds, path)
                files.append(path)
                manifest["file_bytes"] += os.path.getsize(path)
                series["instances"].append(sop_uid)
                series["files"].append(os.path.relpath(path, folder))
            study["series"].append(series)
        manifest["studies"].append(study)
        print(f"gen_data: CT study {st + 1}/{studies}", file=sys.stderr)
    manifest["instances"] = len(files)
    write_manifest(folder, manifest, files)
    return folder


# --- index set -------------------------------------------------------------------------------

# Fixed-width placeholders, overwritten per study. UIDs are 43 characters (padded to 44 with
# NUL by DICOM); text values are padded with spaces, as DICOM pads them.
PLACEHOLDERS = {
    "study_uid": "2.25." + "1" * 38,
    "series_uid": "2.25." + "2" * 38,
    "sop_uid": "2.25." + "3" * 38,
    "name": "N" * 32,
    "patient_id": "I" * 12,
    "birth_date": "B" * 8,
    "study_date": "D" * 8,
    "accession": "A" * 10,
    "description": "E" * 16,
    "modality": "M" * 2,
}


def index_template(size):
    ph = PLACEHOLDERS
    ds = new_dataset(file_meta(SECONDARY_CAPTURE, ph["sop_uid"]))
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = ph["sop_uid"]
    ds.StudyInstanceUID = ph["study_uid"]
    ds.SeriesInstanceUID = ph["series_uid"]
    ds.PatientName = ph["name"]
    ds.PatientID = ph["patient_id"]
    ds.PatientBirthDate = ph["birth_date"]
    ds.PatientSex = "O"
    ds.StudyDate = ph["study_date"]
    ds.StudyTime = "083000"
    ds.StudyID = "1"
    ds.AccessionNumber = ph["accession"]
    ds.StudyDescription = ph["description"]
    ds.ReferringPhysicianName = "REFERRER^BENCH"
    ds.Modality = ph["modality"]
    ds.ConversionType = "WSD"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = size
    ds.Columns = size
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(size * size, dtype="<u2") * 37).tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    template = buffer.getvalue()
    offsets = {}
    for key, value in ph.items():
        encoded = value.encode("ascii")
        positions = []
        start = template.find(encoded)
        while start >= 0:
            positions.append(start)
            start = template.find(encoded, start + len(encoded))
        expected = 2 if key == "sop_uid" else 1  # the SOP instance UID is in the meta too
        assert len(positions) == expected, (key, positions)
        offsets[key] = positions
    return template, offsets


def index_values(seed, i):
    """The attributes of study i, derived from a per-study RNG so any study can be recomputed
    without generating the others."""
    patient = i * 2 // 3  # about 1.5 studies per patient
    prng = random.Random(f"{seed}/patient/{patient}")
    srng = random.Random(f"{seed}/study/{i}")
    name = f"{prng.choice(LAST_NAMES)}^{prng.choice(FIRST_NAMES)}"
    year = 2000 + srng.randrange(25)
    return {
        "study_uid": uid(seed, "index", i),
        "series_uid": uid(seed, "index", i, 0),
        "sop_uid": uid(seed, "index", i, 0, 0),
        "name": name,
        "patient_id": f"BP{patient:010d}",
        "birth_date": f"{1930 + prng.randrange(80)}{prng.randrange(1, 13):02d}"
                      f"{prng.randrange(1, 29):02d}",
        "study_date": f"{year}{srng.randrange(1, 13):02d}{srng.randrange(1, 29):02d}",
        "accession": f"A{i:09d}",
        "description": srng.choice(DESCRIPTIONS),
        "modality": srng.choice(MODALITIES),
    }


def make_index(out, studies, seed, size=32):
    folder = os.path.join(out, f"index-{studies}-s{seed}")
    if done(folder):
        return folder
    os.makedirs(folder, exist_ok=True)
    template, offsets = index_template(size)
    files = []
    sample = []
    for i in range(studies):
        values = index_values(seed, i)
        data = bytearray(template)
        for key, positions in offsets.items():
            width = len(PLACEHOLDERS[key])
            encoded = values[key].encode("ascii").ljust(width, b" ")
            assert len(encoded) == width, (key, values[key])
            for p in positions:
                data[p:p + width] = encoded
        sub = os.path.join(folder, f"{i // 1000:04d}")
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        path = os.path.join(sub, f"{i:07d}.dcm")
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
        if i % max(1, studies // 500) == 0:
            sample.append(values)
        if (i + 1) % 100000 == 0:
            print(f"gen_data: index {i + 1}/{studies}", file=sys.stderr)
    manifest = {"kind": "index", "studies": studies, "seed": seed, "sample": sample,
                "file_bytes": len(template) * studies}
    write_manifest(folder, manifest, files)
    return folder


# --- one huge instance -----------------------------------------------------------------------

def make_big(out, megabytes, seed, size=512):
    folder = os.path.join(out, f"big-{megabytes}MB-s{seed}")
    if done(folder):
        return folder
    os.makedirs(folder, exist_ok=True)
    frame_bytes = size * size * 2
    frames = max(1, megabytes * 1000 * 1000 // frame_bytes)
    sop_uid = uid(seed, "big", megabytes)
    ds = new_dataset(file_meta(SECONDARY_CAPTURE, sop_uid))
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = uid(seed, "big", megabytes, "study")
    ds.SeriesInstanceUID = uid(seed, "big", megabytes, "series")
    ds.PatientName = "BENCH^BIG"
    ds.PatientID = "BIG00001"
    ds.StudyDate = "20240101"
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = frames
    ds.Rows = size
    ds.Columns = size
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    pixel_bytes = frames * frame_bytes
    assert pixel_bytes < 2**32 - 1
    frame = (np.arange(size * size, dtype=np.uint32) * 2654435761 >> 16).astype("<u2").tobytes()
    path = os.path.join(folder, "big.dcm")
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
        # (7FE0,0010) OW, explicit VR little endian: tag, VR, 2 reserved bytes, 32-bit length.
        f.write(b"\xe0\x7f\x10\x00OW\x00\x00" + pixel_bytes.to_bytes(4, "little"))
        for _ in range(frames):
            f.write(frame)
    manifest = {"kind": "big", "sop_uid": sop_uid, "study_uid": ds.StudyInstanceUID,
                "frames": frames, "file_bytes": os.path.getsize(path)}
    write_manifest(folder, manifest, [path])
    return folder


def main():
    # The index template's placeholders are not valid dates; they never reach a file.
    warnings.filterwarnings("ignore", category=UserWarning, module="pydicom")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--ct", default="4x2x150", help="studies x series x instances")
    parser.add_argument("--ct-size", type=int, default=512)
    parser.add_argument("--studies", type=int, default=10000)
    parser.add_argument("--big-mb", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    studies, series, instances = (int(v) for v in args.ct.split("x"))
    os.makedirs(args.out, exist_ok=True)
    result = {
        "ct": make_ct(args.out, studies, series, instances, args.ct_size, args.seed),
        "index": make_index(args.out, args.studies, args.seed),
    }
    if args.big_mb > 0:
        result["big"] = make_big(args.out, args.big_mb, args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
