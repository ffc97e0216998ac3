"""Makes DICOM Part 10 files for tests with pydicom: small, valid, with chosen attributes."""
import io

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
UID_ROOT = "1.2.826.0.1.3680043.10.1"


def uid():
    return generate_uid(prefix=UID_ROOT + ".")


def make_instance(study_uid=None, series_uid=None, sop_uid=None, patient_name="Doe^John",
                  patient_id="PID-1", study_date="20240115", study_time="101500",
                  modality="CT", accession="ACC-1", study_description="Chest CT",
                  series_number=1, instance_number=1, rows=16, columns=16, frames=1,
                  charset=None, seed=0, **extra):
    """Returns (dataset, bytes) of an uncompressed 16-bit monochrome instance."""
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = CT_IMAGE_STORAGE if modality == "CT" else SECONDARY_CAPTURE
    ds.SOPInstanceUID = sop_uid or uid()
    ds.StudyInstanceUID = study_uid or uid()
    ds.SeriesInstanceUID = series_uid or uid()
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyDate = study_date
    ds.StudyTime = study_time
    ds.AccessionNumber = accession
    ds.StudyDescription = study_description
    ds.StudyID = "1"
    ds.ReferringPhysicianName = "Ref^Doc"
    ds.Modality = modality
    ds.SeriesNumber = series_number
    ds.SeriesDescription = f"Series {series_number}"
    ds.InstanceNumber = instance_number
    ds.Rows = rows
    ds.Columns = columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = 1024
    ds.WindowWidth = 2048
    if frames > 1:
        ds.NumberOfFrames = frames
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 4096, size=(frames, rows, columns), dtype=np.uint16)
    ds.PixelData = pixels.tobytes()
    for key, value in extra.items():
        setattr(ds, key, value)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID_ROOT + ".99"
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    return ds, buffer.getvalue()


def multipart_related(parts, boundary="tessera-test-boundary", part_type="application/dicom"):
    """Builds a multipart/related body; returns (content_type, body)."""
    out = bytearray()
    for data in parts:
        out += f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode()
        out += data
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f'multipart/related; type="{part_type}"; boundary={boundary}', bytes(out)


def parse_multipart(content_type, body):
    """Splits a multipart/related response; returns [(headers dict, bytes)]."""
    params = dict(
        p.strip().split("=", 1) for p in content_type.split(";")[1:] if "=" in p)
    boundary = params["boundary"].strip('"')
    delimiter = b"--" + boundary.encode()
    assert body.startswith(delimiter), "body must start with the boundary"
    parts = []
    for chunk in body.split(b"\r\n" + delimiter)[0:]:
        if chunk.startswith(delimiter):
            chunk = chunk[len(delimiter):]
        if chunk.startswith(b"--"):
            break
        assert chunk.startswith(b"\r\n"), chunk[:40]
        head, _, data = chunk[2:].partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, data))
    return parts


def zip_of(named_blobs):
    """A zip archive (bytes) holding the given (name, bytes) pairs."""
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in named_blobs:
            archive.writestr(name, data)
    return buffer.getvalue()


def transfer_syntax_of(content_type):
    """The transfer-syntax parameter of a part's Content-Type, or None."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "transfer-syntax":
            return value.strip('"')
    return None


def _part10(data_set, transfer_syntax, deflate=False):
    """Preamble, File Meta and `data_set` (raw bytes), deflated when asked."""
    import zlib
    from pydicom.filewriter import write_file_meta_info
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = uid()
    meta.TransferSyntaxUID = transfer_syntax
    head = io.BytesIO()
    head.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(head, meta, enforce_standard=True)
    if deflate:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        data_set = compressor.compress(data_set) + compressor.flush()
    return head.getvalue() + data_set


def _identity(explicit=True):
    """SOP class and instance, study and series UIDs as explicit or implicit VR LE bytes."""
    import struct
    out = b""
    for group, number, value in ((0x0008, 0x0016, "1.2.840.10008.5.1.4.1.1.7"),
                                 (0x0008, 0x0018, uid()), (0x0020, 0x000D, uid()),
                                 (0x0020, 0x000E, uid())):
        raw = value.encode() + (b"\0" if len(value) % 2 else b"")
        out += (struct.pack("<HH2sH", group, number, b"UI", len(raw)) if explicit
                else struct.pack("<HHI", group, number, len(raw))) + raw
    return out


def nested_sequences(depth, explicit=True, deflate=False, defined_lengths=False, outer_vr=None):
    """A Part 10 file whose data set nests `depth` sequences (each in an item of the one
    before), with undefined lengths or, when asked, defined ones. `outer_vr` (b"UN", or an
    unknown code): the outermost one has that VR and undefined length, so that what it holds
    is Implicit VR (PS3.5 6.2.2), however explicit the data set."""
    import struct
    undefined = 0xFFFFFFFF
    if defined_lengths:
        body = b""
        for _ in range(depth):
            item = struct.pack("<HHI", 0xFFFE, 0xE000, len(body)) + body
            body = (struct.pack("<HH2s2xI", 0x0040, 0xA730, b"SQ", len(item)) if explicit
                    else struct.pack("<HHI", 0x0040, 0xA730, len(item))) + item
    else:
        open_sq = (struct.pack("<HH2s2xI", 0x0040, 0xA730, b"SQ", undefined) if explicit
                   else struct.pack("<HHI", 0x0040, 0xA730, undefined))
        open_item = struct.pack("<HHI", 0xFFFE, 0xE000, undefined)
        closing = struct.pack("<HHI", 0xFFFE, 0xE00D, 0) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
        body = (open_sq + open_item) * depth + closing * depth
        if outer_vr:
            inner_sq = struct.pack("<HHI", 0x0040, 0xA730, undefined)
            body = (struct.pack("<HH2s2xI", 0x0040, 0xA730, outer_vr, undefined) + open_item +
                    (inner_sq + open_item) * (depth - 1) + closing * depth)
    syntax = "1.2.840.10008.1.2.1.99" if deflate else (
        "1.2.840.10008.1.2.1" if explicit else "1.2.840.10008.1.2")
    return _part10(_identity(explicit) + body, syntax, deflate)


def many_items(count, deflate=True):
    """A Part 10 file with one sequence of `count` empty items."""
    import struct
    items = struct.pack("<HHI", 0xFFFE, 0xE000, 0) * count
    body = struct.pack("<HH2s2xI", 0x0040, 0xA730, b"SQ", len(items)) + items
    syntax = "1.2.840.10008.1.2.1.99" if deflate else "1.2.840.10008.1.2.1"
    return _part10(_identity() + body, syntax, deflate)


def deflate_bomb(inflated_bytes, study_uid=None):
    """A Part 10 file in Deflated Explicit VR Little Endian whose data set inflates to more
    than `inflated_bytes` (zeros in a private OB element), a thousandth of that on disk."""
    import struct
    import zlib
    from pydicom.filewriter import write_file_meta_info

    sop_class, sop = "1.2.840.10008.5.1.4.1.1.7", uid()

    def element(group, number, vr, value):
        if len(value) % 2:
            value += b"\0"
        return struct.pack("<HH2sH", group, number, vr, len(value)) + value

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    head = io.BytesIO()
    head.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(head, meta, enforce_standard=True)
    data_set = (element(0x0008, 0x0016, b"UI", sop_class.encode())
                + element(0x0008, 0x0018, b"UI", sop.encode())
                + element(0x0020, 0x000D, b"UI", (study_uid or uid()).encode())
                + element(0x0020, 0x000E, b"UI", uid().encode())
                + element(0x7FE1, 0x0010, b"LO", b"BOMB")
                + struct.pack("<HH2s2xI", 0x7FE1, 0x1000, b"OB", inflated_bytes))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = [deflate.compress(data_set)]
    zeros = bytes(1 << 20)
    for _ in range(0, inflated_bytes, len(zeros)):
        body.append(deflate.compress(zeros))
    body.append(deflate.flush())
    return head.getvalue() + b"".join(body)

