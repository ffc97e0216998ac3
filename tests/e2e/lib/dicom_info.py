"""Prints JSON facts about DICOM files for the e2e test: per file its SHA-256,
whether it has the Part 10 preamble ("DICM" at byte 128) and the UIDs, name
and date the explorer should show. Usage: dicom_info.py FILE...
Needs Debian's python3-pydicom (run with /usr/bin/python3)."""
import hashlib
import json
import sys
import warnings

import pydicom

warnings.simplefilter("ignore")


def describe(path):
    with open(path, "rb") as f:
        data = f.read()
    info = {
        "path": path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "preamble": len(data) >= 132 and data[128:132] == b"DICM",
    }
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception as error:  # unreadable files are reported, not fatal
        info["error"] = str(error)
        return info
    for key in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "StudyDate",
                "Modality", "PatientID"):
        info[key] = str(ds.get(key, "") or "")
    info["PatientName"] = str(ds.get("PatientName", "") or "")
    try:
        info["NumberOfFrames"] = int(ds.get("NumberOfFrames", 1) or 1)
    except (TypeError, ValueError):
        info["NumberOfFrames"] = 1
    return info


if __name__ == "__main__":
    json.dump([describe(p) for p in sys.argv[1:]], sys.stdout)
