"""WADO-RS against the real binary: study/series/instance retrieval and transfer syntax
negotiation, metadata with ETags, bulk data, frames, rendered images and thumbnails, the study
zip, and the errors for unknown or malformed UIDs."""
import io
import os
import zipfile

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.encaps import generate_pixel_data_frame

import dicom_factory as factory
from dicom_factory import make_instance, parse_multipart, transfer_syntax_of
from tessera_harness import (DICOM_ANY_SYNTAX, PYDICOM_FILES, TesseraServer, instance_url,
                             retrieve, stow, upload)

EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
RLE = "1.2.840.10008.1.2.5"
MPEG2 = "1.2.840.10008.1.2.4.100"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"


def pydicom_file(name):
    return os.path.join(PYDICOM_FILES, name)


class Stored:
    """One stored instance: its dataset, bytes and URL."""

    def __init__(self, ds, data, url):
        self.ds, self.data, self.url = ds, data, url


@pytest.fixture(scope="module")
def study(server, client):
    """A study of two series: three 16x16 CT images and one four-frame image of 8x12."""
    study_uid = factory.uid()
    series_a, series_b = factory.uid(), factory.uid()
    made = [make_instance(study_uid=study_uid, series_uid=series_a, series_number=1,
                          instance_number=i, seed=i) for i in (1, 2, 3)]
    made.append(make_instance(study_uid=study_uid, series_uid=series_b, series_number=2,
                              instance_number=1, frames=4, rows=8, columns=12, seed=9))
    r = stow(client, server, [data for _, data in made])
    assert r.status_code == 200, r.text
    instances = [Stored(ds, data, instance_url(server, study_uid, ds.SeriesInstanceUID,
                                               ds.SOPInstanceUID)) for ds, data in made]
    return {"uid": study_uid, "url": f"{server.pacs}/studies/{study_uid}",
            "series": [f"{server.pacs}/studies/{study_uid}/series/{s}"
                       for s in (series_a, series_b)],
            "instances": instances}


@pytest.fixture(scope="module")
def real(server, client):
    """Real pydicom test files, stored through the upload endpoint: {name: Stored}. (Several
    pydicom files share SOP Instance UIDs: these do not.)"""
    stored = {}
    for name in ("MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm", "JPEG2000.dcm", "CT_small.dcm",
                 "SC_rgb_jpeg_dcmtk.dcm", "test-SR.dcm", "waveform_ecg.dcm"):
        with open(pydicom_file(name), "rb") as f:
            data = f.read()
        r = upload(client, server, data)
        assert r.status_code == 200, f"{name}: {r.text}"
        stored[name] = Stored(pydicom.dcmread(io.BytesIO(data)), data, r.json()["Path"])
    return stored


def dataset(data):
    return pydicom.dcmread(io.BytesIO(data))


def image(data):
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


# --- instances --------------------------------------------------------------------------


def test_study_series_and_instance_retrieval(server, client, study):
    r, parts = retrieve(client, study["url"])
    assert r.headers["Content-Type"].startswith("multipart/related")
    assert 'type="application/dicom"' in r.headers["Content-Type"]
    # Ordered by series number, then instance number.
    assert [data for _, data in parts] == [i.data for i in study["instances"]]
    for (headers, _), instance in zip(parts, study["instances"]):
        assert headers["content-type"] == f"application/dicom; transfer-syntax={EXPLICIT_LE}"
        assert headers["content-location"] == instance.url

    _, parts = retrieve(client, study["series"][0])
    assert [data for _, data in parts] == [i.data for i in study["instances"][:3]]
    _, parts = retrieve(client, study["instances"][1].url)
    assert [data for _, data in parts] == [study["instances"][1].data]


@pytest.mark.parametrize("accept", [
    'multipart/related; type="application/dicom"',
    "multipart/related; type=application/dicom",
    "multipart/related; type=application/dicom; transfer-syntax=*",
    f'multipart/related; type="application/dicom"; transfer-syntax="{EXPLICIT_LE}"',
    "multipart/related",
    "*/*",
    "",
    'Multipart/Related; Type="Application/Dicom"',
])
def test_accept_spellings_for_instances(server, client, study, accept):
    r = client.get(study["series"][0], headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    parts = parse_multipart(r.headers["Content-Type"], r.content)
    assert [data for _, data in parts] == [i.data for i in study["instances"][:3]]


def test_no_transfer_syntax_means_explicit_vr_little_endian_decompressed(server, client, real):
    stored = real["MR_small_RLE.dcm"]
    _, parts = retrieve(client, stored.url, accept='multipart/related; type="application/dicom"')
    headers, data = parts[0]
    assert transfer_syntax_of(headers["content-type"]) == EXPLICIT_LE
    ds = dataset(data)
    assert ds.file_meta.TransferSyntaxUID == EXPLICIT_LE
    assert ds.SOPInstanceUID == stored.ds.SOPInstanceUID
    assert np.array_equal(ds.pixel_array, stored.ds.pixel_array)

    # JPEG 2000 as well (pydicom cannot decode it here: check the native size).
    stored = real["JPEG2000.dcm"]
    _, parts = retrieve(client, stored.url, accept="multipart/related; type=application/dicom")
    ds = dataset(parts[0][1])
    assert ds.file_meta.TransferSyntaxUID == EXPLICIT_LE
    assert len(ds.PixelData) == (stored.ds.Rows * stored.ds.Columns * stored.ds.SamplesPerPixel
                                 * stored.ds.BitsAllocated // 8)


def test_transfer_syntax_star_sends_files_as_stored(server, client, real):
    for stored in real.values():
        _, parts = retrieve(client, stored.url, accept=DICOM_ANY_SYNTAX)
        headers, data = parts[0]
        assert data == stored.data
        assert transfer_syntax_of(headers["content-type"]) == stored.ds.file_meta.TransferSyntaxUID


def test_a_named_transfer_syntax_is_produced(server, client, study, real):
    accept = f'multipart/related; type="application/dicom"; transfer-syntax={IMPLICIT_LE}'
    _, parts = retrieve(client, study["instances"][0].url, accept=accept)
    ds = dataset(parts[0][1])
    assert transfer_syntax_of(parts[0][0]["content-type"]) == IMPLICIT_LE
    assert ds.file_meta.TransferSyntaxUID == IMPLICIT_LE
    assert np.array_equal(ds.pixel_array, study["instances"][0].ds.pixel_array)

    accept = f'multipart/related; type="application/dicom"; transfer-syntax={EXPLICIT_LE}'
    _, parts = retrieve(client, real["MR_small_RLE.dcm"].url, accept=accept)
    assert dataset(parts[0][1]).file_meta.TransferSyntaxUID == EXPLICIT_LE


def test_several_media_ranges_with_q_values(server, client, real):
    stored = real["MR_small_RLE.dcm"]
    # The preferred range cannot be produced (RLE to MPEG-2); the next one can.
    accept = (f'multipart/related; type="application/dicom"; transfer-syntax={MPEG2}; q=0.9, '
              f'multipart/related; type="application/dicom"; transfer-syntax={EXPLICIT_LE}; q=0.5')
    _, parts = retrieve(client, stored.url, accept=accept)
    assert transfer_syntax_of(parts[0][0]["content-type"]) == EXPLICIT_LE
    # The higher q wins whatever the order.
    accept = (f'multipart/related; type="application/dicom"; transfer-syntax={IMPLICIT_LE}; q=0.3, '
              f'multipart/related; type="application/dicom"; transfer-syntax={RLE}; q=0.8')
    _, parts = retrieve(client, stored.url, accept=accept)
    assert transfer_syntax_of(parts[0][0]["content-type"]) == RLE
    assert parts[0][1] == stored.data


def test_pixels_deeper_than_a_lossy_target_are_never_rescaled(server, client):
    """JPEG Extended keeps 12 bits: a 16-bit image is refused before the response begins, or
    sent as stored where the request also accepts that, instead of being rescaled to fit."""
    study_uid, series_uid = factory.uid(), factory.uid()
    made = [make_instance(study_uid=study_uid, series_uid=series_uid, instance_number=1, seed=1),
            make_instance(study_uid=study_uid, series_uid=series_uid, instance_number=2, seed=2,
                          BitsStored=16, HighBit=15)]
    assert stow(client, server, [data for _, data in made]).status_code == 200
    study_url = f"{server.pacs}/studies/{study_uid}"
    deep = str(made[1][0].SOPInstanceUID)
    only_extended = f'multipart/related; type="application/dicom"; transfer-syntax={JPEG_EXTENDED}'
    r = client.get(study_url, headers={"Accept": only_extended})
    assert r.status_code == 406, r.text
    assert deep in r.json()["message"] and "16-bit" in r.json()["message"]
    r = client.get(f"{study_url}/series/{series_uid}/instances/{deep}",
                   headers={"Accept": only_extended})
    assert r.status_code == 406, r.text
    _, parts = retrieve(client, study_url, accept=only_extended + ", " + DICOM_ANY_SYNTAX + ";q=0.5")
    syntaxes = {str(dataset(data).SOPInstanceUID): transfer_syntax_of(headers["content-type"])
                for headers, data in parts}
    assert syntaxes == {str(made[0][0].SOPInstanceUID): JPEG_EXTENDED, deep: EXPLICIT_LE}
    assert [data for _, data in parts if dataset(data).SOPInstanceUID == deep] == [made[1][1]]


def test_a_syntax_preferred_over_star_is_produced(server, client, real):
    stored = real["MR_small_RLE.dcm"]
    accept = (f'multipart/related; type="application/dicom"; transfer-syntax={EXPLICIT_LE}, '
              'multipart/related; type="application/dicom"; transfer-syntax=*; q=0.5')
    _, parts = retrieve(client, stored.url, accept=accept)
    assert transfer_syntax_of(parts[0][0]["content-type"]) == EXPLICIT_LE
    accept = ('multipart/related; type="application/dicom"; transfer-syntax=*, '
              f'multipart/related; type="application/dicom"; transfer-syntax={EXPLICIT_LE}; q=0.5')
    _, parts = retrieve(client, stored.url, accept=accept)
    assert parts[0][1] == stored.data
    # A lower range without a transfer-syntax makes the stored form a last resort.
    accept = (f'multipart/related; type="application/dicom"; transfer-syntax={MPEG2}, '
              'multipart/related; type="application/dicom"; q=0.2')
    _, parts = retrieve(client, real["JPEG2000.dcm"].url, accept=accept)
    assert transfer_syntax_of(parts[0][0]["content-type"]) == EXPLICIT_LE


def test_406_only_when_no_acceptable_syntax_can_be_produced(server, client, real):
    stored = real["MR_small_RLE.dcm"]
    r = client.get(stored.url, headers={
        "Accept": f'multipart/related; type="application/dicom"; transfer-syntax={MPEG2}'})
    assert r.status_code == 406
    assert r.json()["message"]
    r = client.get(stored.url, headers={"Accept": "image/jpeg"})
    assert r.status_code == 406 and r.json()["message"]


def test_a_named_syntax_the_codec_cannot_produce_is_406_not_a_cut_body(server, client):
    # DCMTK's JPEG Lossless encoder takes at most 16 bits; this RLE image has 32. The failure
    # surfaces only when converting, which for a series happens before the response begins.
    data = with_new_uids(pydicom.dcmread(pydicom_file("SC_rgb_rle_32bit.dcm")))
    url = upload(client, server, data).json()["Path"]
    series_url = url.rsplit("/instances/", 1)[0]
    jpeg_lossless = "1.2.840.10008.1.2.4.70"
    r = client.get(series_url, headers={
        "Accept": f'multipart/related; type="application/dicom"; transfer-syntax={jpeg_lossless}'})
    assert r.status_code == 406, (r.status_code, r.headers.get("Content-Type"))
    assert "cannot be converted" in r.json()["message"]
    r = client.get(url, headers={"Accept": f"application/dicom; transfer-syntax={jpeg_lossless}"})
    assert r.status_code == 406 and "cannot be converted" in r.json()["message"]
    # Named no syntax: the stored form is an acceptable answer.
    r = client.get(series_url, headers={"Accept": "multipart/related; type=application/dicom"})
    assert r.status_code == 200


def test_application_dicom_for_one_instance_is_a_single_part(server, client, study, real):
    instance = study["instances"][2]
    r = client.get(instance.url, headers={"Accept": "application/dicom"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == f"application/dicom; transfer-syntax={EXPLICIT_LE}"
    assert r.content == instance.data
    r = client.get(real["MR_small_RLE.dcm"].url,
                   headers={"Accept": "application/dicom; transfer-syntax=*"})
    assert r.status_code == 200 and r.content == real["MR_small_RLE.dcm"].data


def with_new_uids(ds):
    """`ds` as a new instance (new study, series and SOP Instance UIDs), written as it was."""
    ds.StudyInstanceUID, ds.SeriesInstanceUID = factory.uid(), factory.uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = factory.uid()
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=True)
    return buffer.getvalue()


def test_a_corrupt_bitstream_is_sent_as_stored_when_no_syntax_was_named(server, client):
    # The codec refuses this file's pixel data (pydicom's README: not a valid JPEG 2000
    # anymore); a client that named no syntax gets the stored file rather than a broken body.
    data = with_new_uids(pydicom.dcmread(pydicom_file("JPEG2000-embedded-sequence-delimiter.dcm")))
    url = upload(client, server, data).json()["Path"]
    r = client.get(url)
    assert r.status_code == 200
    parts = parse_multipart(r.headers["Content-Type"], r.content)
    assert [d for _, d in parts] == [data]
    assert transfer_syntax_of(parts[0][0]["content-type"]) == "1.2.840.10008.1.2.4.91"
    r = client.get(url, headers={"Accept": "application/dicom"})
    assert r.status_code == 200 and r.content == data



def test_an_image_that_cannot_be_decoded_renders_as_a_500_saying_so(server, client):
    data = with_new_uids(pydicom.dcmread(pydicom_file("JPEG2000-embedded-sequence-delimiter.dcm")))
    url = upload(client, server, data).json()["Path"]
    for resource in ("/rendered", "/thumbnail", "/frames/1/rendered"):
        r = client.get(url + resource)
        assert r.status_code == 500, resource
        assert "cannot be decoded" in r.text, resource
    # The request was fine and nothing else is harmed: the stored file is still served.
    assert client.get(url, headers={"Accept": "application/dicom"}).content == data


def test_an_rle_header_pointing_past_its_fragment_is_refused_and_the_server_lives(server, client):
    # A crafted RLE header made DCMTK's decoder read past the fragment and crash the server.
    ds = pydicom.dcmread(pydicom_file("MR_small_RLE.dcm"))
    data = bytearray(with_new_uids(ds))
    pixel_data = data.rfind(b"\xe0\x7f\x10\x00")
    table = data.find(b"\xfe\xff\x00\xe0", pixel_data)
    header = table + 8 + int.from_bytes(data[table + 4:table + 8], "little") + 8
    assert data[header] == 2  # two segments
    data[header + 8:header + 12] = (0xFFFFFCD0).to_bytes(4, "little")
    url = upload(client, server, bytes(data)).json()["Path"]
    for resource in ("/frames/1", "/rendered"):
        r = client.get(url + resource, headers={
            "Accept": "multipart/related; type=application/octet-stream"
            if resource.startswith("/frames") else "image/jpeg"})
        assert r.status_code == 500 and "damaged" in r.text, (resource, r.status_code, r.text)
    r = client.get(url, headers={"Accept": f"application/dicom; transfer-syntax={EXPLICIT_LE}"})
    assert r.status_code == 406
    # Asked for nothing in particular, the client gets the stored file, as for other codecs.
    for accept in ("application/dicom", "application/dicom; transfer-syntax=*"):
        r = client.get(url, headers={"Accept": accept})
        assert r.status_code == 200 and r.content == bytes(data), accept


def test_a_jpeg_tem_marker_before_the_frame_is_refused_not_spun_on(server, client):
    # DCMTK's scan for the bit depth never moved past a TEM marker (FF01): the request's
    # thread spun for ever.
    data = bytearray(with_new_uids(pydicom.dcmread(pydicom_file("SC_rgb_jpeg_dcmtk.dcm"))))
    soi = data.find(b"\xff\xd8\xff", data.rfind(b"\xe0\x7f\x10\x00"))
    data[soi + 3] = 0x01
    url = upload(client, server, bytes(data)).json()["Path"]
    for resource in ("/frames/1", "/rendered"):
        r = client.get(url + resource, timeout=20, headers={
            "Accept": "multipart/related; type=application/octet-stream"
            if resource.startswith("/frames") else "image/jpeg"})
        assert r.status_code == 500 and "damaged" in r.text, (resource, r.status_code, r.text)


def test_a_codestream_claiming_more_than_rows_and_columns_is_refused_unallocated():
    """OpenJPEG and IJG allocate the image a codestream's header declares, whatever Rows and
    Columns say: a few KB claiming a huge image took gigabytes at every decoding request."""
    j2k = bytearray(with_new_uids(pydicom.dcmread(pydicom_file("MR_small_jp2klossless.dcm"))))
    siz = j2k.find(b"\xff\x4f\xff\x51", j2k.rfind(b"\xe0\x7f\x10\x00"))
    j2k[siz + 12:siz + 16] = (1 << 20).to_bytes(4, "big")  # 64 x 1,048,576 pixels, 16,384 tiles
    jpeg = bytearray(with_new_uids(pydicom.dcmread(pydicom_file("SC_rgb_jpeg_dcmtk.dcm"))))
    sof = jpeg.find(b"\xff\xc0", jpeg.rfind(b"\xe0\x7f\x10\x00"))
    jpeg[sof + 5:sof + 9] = (60000).to_bytes(2, "big") * 2
    fresh = TesseraServer().init().start()
    try:
        client = fresh.session()
        urls = [upload(client, fresh, bytes(data)).json()["Path"] for data in (j2k, jpeg)]
        before = fresh.peak_memory_mib()
        for url in urls:
            for resource, accept in (("/frames/1", "multipart/related; type=application/octet-stream"),
                                     ("/rendered", "image/jpeg")):
                r = client.get(url + resource, timeout=20, headers={"Accept": accept})
                assert r.status_code == 500, (url, resource, r.status_code, r.text)
        assert fresh.peak_memory_mib() - before < 100
    finally:
        fresh.cleanup()

# --- zip --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["archive", "accept"])
def test_study_zip_holds_the_stored_bytes(server, client, study, how):
    if how == "archive":
        r = client.get(study["url"] + "/archive")
    else:
        r = client.get(study["url"], headers={"Accept": "application/zip"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    expected = {f"{study['uid']}/{i.ds.SeriesInstanceUID}/{i.ds.SOPInstanceUID}.dcm": i.data
                for i in study["instances"]}
    assert sorted(archive.namelist()) == sorted(expected)
    for name, data in expected.items():
        assert archive.read(name) == data


def test_the_accept_query_parameter_replaces_the_header(server, client, study):
    r = client.get(study["url"], params={"accept": "application/zip"},
                   headers={"Accept": 'multipart/related; type="application/dicom"'})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    r = client.get(study["instances"][0].url + "/rendered", params={"accept": "image/png"})
    assert r.headers["Content-Type"] == "image/png"


def test_instances_are_not_offered_as_octet_streams(server, client, study):
    r = client.get(study["url"],
                   headers={"Accept": 'multipart/related; type="application/octet-stream"'})
    assert r.status_code == 406 and r.json()["message"]


# --- metadata ---------------------------------------------------------------------------


def test_metadata_at_every_level_with_etag(server, client, study):
    for url, count in [(study["url"], 4), (study["series"][0], 3), (study["instances"][3].url, 1)]:
        r = client.get(url + "/metadata")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/dicom+json")
        documents = r.json()
        assert len(documents) == count
        assert all(d["00100010"]["Value"][0]["Alphabetic"] == "Doe^John" for d in documents)
        etag = r.headers["ETag"]
        assert etag.startswith('"') or etag.startswith('W/"')
        assert r.headers["Cache-Control"] == "private, no-cache"  # never in a shared cache
        again = client.get(url + "/metadata", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag
        assert client.get(url + "/metadata",
                          headers={"If-None-Match": '"nope"'}).status_code == 200
    r = client.get(study["url"] + "/metadata", headers={"Accept": "application/json"})
    assert r.status_code == 200 and len(r.json()) == 4
    r = client.get(study["url"] + "/metadata", headers={"Accept": "application/dicom"})
    assert r.status_code == 406 and r.json()["message"]
    multi = client.get(study["instances"][3].url + "/metadata").json()[0]
    assert multi["00280008"]["Value"] == [4]
    assert multi["0020000D"]["Value"] == [study["uid"]]


def test_metadata_etag_changes_when_the_study_changes(server, client):
    ds, data = make_instance()
    assert stow(client, server, [data]).status_code == 200
    url = f"{server.pacs}/studies/{ds.StudyInstanceUID}/metadata"
    etag = client.get(url).headers["ETag"]
    _, more = make_instance(study_uid=ds.StudyInstanceUID, instance_number=2)
    assert stow(client, server, [more]).status_code == 200
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 200 and len(r.json()) == 2
    assert r.headers["ETag"] != etag


def bulk_data_uris(document, prefix=""):
    """(tag path, uri) for every BulkDataURI in a DICOM JSON object, sequences included."""
    for tag, attribute in document.items():
        if "BulkDataURI" in attribute:
            yield prefix + tag, attribute["BulkDataURI"]
        if attribute.get("vr") == "SQ":
            for index, item in enumerate(attribute.get("Value", [])):
                yield from bulk_data_uris(item, f"{prefix}{tag}/{index}/")


def value_at(ds, tag_path):
    parts = tag_path.split("/")
    for i in range(0, len(parts) - 1, 2):
        ds = ds[int(parts[i], 16)].value[int(parts[i + 1])]
    return ds[int(parts[-1], 16)].value


def fetch_bulk(client, uri, accept=None):
    r = client.get(uri, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, f"{uri}: {r.status_code} {r.text[:200]}"
    if r.headers["Content-Type"].startswith("multipart/related"):
        return parse_multipart(r.headers["Content-Type"], r.content)
    return [({"content-type": r.headers["Content-Type"]}, r.content)]


def big_endian_instance(client, server):
    """A 16-bit image written in Explicit VR Big Endian, stored."""
    ds, _ = make_instance(rows=16, columns=16, seed=3)
    pixels = np.frombuffer(ds.PixelData, "<u2")
    ds.PixelData = pixels.astype(">u2").tobytes()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.2"
    ds.is_little_endian = False
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    data = buffer.getvalue()
    r = upload(client, server, data)
    assert r.status_code == 200, r.text
    stored = Stored(dataset(data), data, r.json()["Path"])
    assert np.array_equal(stored.ds.pixel_array, pixels.reshape(16, 16))
    return stored, pixels.tobytes()


def test_every_bulk_data_uri_of_native_data_is_fetchable(server, client, real):
    seen = 0
    big_endian, little_endian_pixels = big_endian_instance(client, server)
    for stored in (real["CT_small.dcm"], real["waveform_ecg.dcm"], big_endian):
        name = stored.ds.SOPInstanceUID
        document = client.get(stored.url + "/metadata").json()[0]
        uris = list(bulk_data_uris(document))
        assert uris, name
        for tag_path, uri in uris:
            assert uri.startswith(stored.url + "/bulkdata/"), uri
            expected = value_at(stored.ds, tag_path)
            if stored is big_endian:
                expected = little_endian_pixels
            for accept in (None, "application/octet-stream"):
                parts = fetch_bulk(client, uri, accept)
                assert len(parts) == 1
                assert parts[0][1] == expected, f"{name} {tag_path}"
                assert parts[0][0]["content-type"].startswith("application/octet-stream")
                syntax = transfer_syntax_of(parts[0][0]["content-type"])
                assert syntax in (None, EXPLICIT_LE), f"{name}: bytes are little endian"
            seen += 1
    assert seen >= 4


def test_compressed_pixel_data_bulk_data_is_fetchable(server, client, real):
    stored = real["SC_rgb_rle_2frame.dcm"]
    document = client.get(stored.url + "/metadata").json()[0]
    uri = dict(bulk_data_uris(document))["7FE00010"]
    parts = fetch_bulk(client, uri)
    assert len(parts) == 1
    assert parts[0][1] == stored.ds.pixel_array.tobytes()  # decompressed, frame after frame
    assert transfer_syntax_of(parts[0][0]["content-type"]) == EXPLICIT_LE
    parts = fetch_bulk(client, uri, "multipart/related; type=application/octet-stream; "
                                    "transfer-syntax=*")
    stored_frames = list(generate_pixel_data_frame(stored.ds.PixelData, 2))
    assert [data for _, data in parts] == stored_frames
    assert all(h["content-type"] == f"image/dicom-rle; transfer-syntax={RLE}" for h, _ in parts)


def test_unknown_bulk_data_is_404(server, client, real):
    r = client.get(real["CT_small.dcm"].url + "/bulkdata/00291010")
    assert r.status_code == 404 and r.json()["message"]


# --- frames -----------------------------------------------------------------------------


def native_frames(ds):
    pixels = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1)) == 1:
        pixels = pixels[np.newaxis]
    return [frame.astype(pixels.dtype.newbyteorder("<")).tobytes() for frame in pixels]


def test_uncompressed_frames(server, client, study):
    multi = study["instances"][3]
    expected = native_frames(multi.ds)
    r, parts = retrieve(client, multi.url + "/frames/1,3",
                        accept="multipart/related; type=application/octet-stream")
    assert 'type="application/octet-stream"' in r.headers["Content-Type"]
    assert [data for _, data in parts] == [expected[0], expected[2]]
    assert [h["content-location"] for h, _ in parts] == [multi.url + "/frames/1",
                                                         multi.url + "/frames/3"]
    assert all(transfer_syntax_of(h["content-type"]) == EXPLICIT_LE for h, _ in parts)
    _, parts = retrieve(client, multi.url + "/frames/4,2,4", accept="*/*")
    assert [data for _, data in parts] == [expected[3], expected[1], expected[3]]
    r = client.get(multi.url + "/frames/2", headers={"Accept": "application/octet-stream"})
    assert r.status_code == 200 and r.content == expected[1]


def test_compressed_frames_as_stored_or_decompressed(server, client, real):
    stored = real["SC_rgb_rle_2frame.dcm"]
    fragments = list(generate_pixel_data_frame(stored.ds.PixelData, 2))
    for accept in ('multipart/related; type="application/octet-stream"; transfer-syntax=*',
                   'multipart/related; type="image/dicom-rle"',
                   f'multipart/related; type="image/dicom-rle"; transfer-syntax={RLE}'):
        _, parts = retrieve(client, stored.url + "/frames/2,1", accept=accept)
        assert [data for _, data in parts] == [fragments[1], fragments[0]], accept
        assert all(h["content-type"] == f"image/dicom-rle; transfer-syntax={RLE}"
                   for h, _ in parts)
    _, parts = retrieve(client, stored.url + "/frames/2",
                        accept="multipart/related; type=application/octet-stream")
    assert parts[0][1] == stored.ds.pixel_array[1].tobytes()
    assert transfer_syntax_of(parts[0][0]["content-type"]) == EXPLICIT_LE

    jpeg = real["SC_rgb_jpeg_dcmtk.dcm"]
    syntax = jpeg.ds.file_meta.TransferSyntaxUID
    _, parts = retrieve(client, jpeg.url + "/frames/1",
                        accept='multipart/related; type="image/jpeg"')
    assert parts[0][0]["content-type"] == f"image/jpeg; transfer-syntax={syntax}"
    assert parts[0][1] == next(generate_pixel_data_frame(jpeg.ds.PixelData, 1))
    assert image(parts[0][1]).size == (jpeg.ds.Columns, jpeg.ds.Rows)
    r = client.get(jpeg.url + "/frames/1", headers={"Accept": "image/jpeg"})
    assert r.status_code == 200 and r.content == parts[0][1]
    assert r.headers["Content-Type"].startswith("image/jpeg")


def test_frames_of_a_syntax_dcmtk_cannot_read_are_refused_not_garbled(server, client):
    # High-Throughput JPEG 2000: newer than this DCMTK, which reads such a data set as native.
    htj2k = "1.2.840.10008.1.2.4.201"
    ds, _ = make_instance(seed=41)
    ds.PixelData = pydicom.encaps.encapsulate([b"\xff\x4f\xff\x51" + bytes(60)])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.91"  # same length; pydicom knows it
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    # This pydicom does not know the syntax either: its UID goes in by hand, with the two
    # lengths that change, the element's and the meta group's.
    data = buffer.getvalue()
    old = b"\x02\x00\x10\x00UI\x16\x001.2.840.10008.1.2.4.91"
    assert data.count(old) == 1
    data = data.replace(old, b"\x02\x00\x10\x00UI\x18\x00" + htj2k.encode() + b"\x00")
    group_length = data.index(b"\x02\x00\x00\x00UL\x04\x00") + 8
    length = int.from_bytes(data[group_length:group_length + 4], "little") + 2
    data = data[:group_length] + length.to_bytes(4, "little") + data[group_length + 4:]
    assert stow(client, server, [data]).status_code == 200
    url = instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    for accept in ('multipart/related; type="image/jphc"',
                   "multipart/related; type=application/octet-stream; transfer-syntax=*"):
        r = client.get(url + "/frames/1", headers={"Accept": accept})
        assert r.status_code == 406, (accept, r.status_code, r.text[:200])
        assert "High-Throughput JPEG 2000" in r.json()["message"]
    _, parts = retrieve(client, url)
    assert parts[0][1] == data  # the instance itself, as stored


def test_frame_errors(server, client, study, real):
    multi = study["instances"][3]
    r = client.get(multi.url + "/frames/5")
    assert r.status_code == 404 and "5" in r.json()["message"]
    for bad in ("0", "x", "1,,2", "-1"):
        r = client.get(multi.url + f"/frames/{bad}")
        assert r.status_code == 400, bad
        assert r.json()["message"]
    r = client.get(real["test-SR.dcm"].url + "/frames/1")
    assert r.status_code in (400, 404) and r.json()["message"]
    r = client.get(real["SC_rgb_rle_2frame.dcm"].url + "/frames/1",
                   headers={"Accept": "image/jpeg"})
    assert r.status_code == 406 and r.json()["message"]


# --- rendered and thumbnails ------------------------------------------------------------


def test_rendered_instance_jpeg_png_viewport_quality(server, client, real):
    stored = real["CT_small.dcm"]
    r = client.get(stored.url + "/rendered")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
    picture = image(r.content)
    assert picture.format == "JPEG" and picture.size == (stored.ds.Columns, stored.ds.Rows)
    default_size = len(r.content)

    r = client.get(stored.url + "/rendered", headers={"Accept": "image/png"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert image(r.content).format == "PNG"

    r = client.get(stored.url + "/rendered", params={"viewport": "64,32"})
    width, height = image(r.content).size
    assert width <= 64 and height <= 32 and max(width, height) in (32, 64)

    r = client.get(stored.url + "/rendered", params={"quality": "5"})
    assert r.status_code == 200 and len(r.content) < default_size

    rgb = real["SC_rgb_rle_2frame.dcm"]
    r = client.get(rgb.url + "/rendered")
    assert image(r.content).mode == "RGB"

    # YCbCr JPEG (its frames stay YCbCr, as the metadata says) is shown in its colours.
    r = client.get(real["SC_rgb_jpeg_dcmtk.dcm"].url + "/rendered", headers={"Accept": "image/png"})
    red = np.asarray(image(r.content).convert("RGB"))[0, 0]
    assert red[0] > 200 and red[1] < 60 and red[2] < 60, red


def test_rendered_window_changes_the_image(server, client):
    pixels = np.full((32, 32), 2000, dtype=np.uint16)
    ds, data = make_instance(rows=32, columns=32)
    ds.PixelData = pixels.tobytes()
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    url = upload(client, server, buffer.getvalue()).json()["Path"]

    def gray(window):
        r = client.get(url + "/rendered", params={"window": window},
                       headers={"Accept": "image/png"})
        assert r.status_code == 200, r.text
        return np.asarray(image(r.content).convert("L"))

    assert gray("3500,100").max() <= 5  # 2000 lies below the window: black
    assert gray("500,100").min() >= 250  # above it: white
    assert 100 <= gray("2000,1000,LINEAR").mean() <= 155  # in the middle: grey


def test_rendered_viewport_region_crops_and_mirrors(server, client):
    """PS3.18 8.3.5.1.3: viewport=vw,vh,sx,sy,sw,sh renders that part of the source image,
    mirrored in a direction whose size is negative."""
    pixels = np.zeros((32, 32), dtype=np.uint16)
    pixels[:, 16:] = 4000  # the right half is bright
    ds, data = make_instance(rows=32, columns=32)
    ds.PixelData = pixels.tobytes()
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, write_like_original=False)
    url = upload(client, server, buffer.getvalue()).json()["Path"]

    def gray(viewport, status=200):
        r = client.get(url + "/rendered", params={"viewport": viewport, "window": "2000,4000"},
                       headers={"Accept": "image/png"})
        assert r.status_code == status, r.text
        return np.asarray(image(r.content).convert("L")) if status == 200 else r.json()["message"]

    whole = gray("32,32")
    assert whole[:, :8].max() <= 5 and whole[:, 24:].min() >= 250
    right = gray("32,32,16,0,16,32")
    assert right.shape == (32, 16) and right.min() >= 250
    left = gray("32,32,0,0,16,")  # an empty size reaches the edge
    assert left.shape == (32, 16) and left.max() <= 5
    assert gray("64,64,8,8,16,16").shape == (64, 64)  # the part is scaled to the viewport
    mirrored = gray("32,32,0,0,-32,32")
    assert mirrored[:, :8].min() >= 250 and mirrored[:, 24:].max() <= 5
    assert "outside" in gray("32,32,40,0,8,8", status=400)
    assert gray("32,32,1,2,3", status=400)
    assert gray("32,32,-1,0,8,8", status=400)


def test_rendered_frames_series_and_study(server, client, study):
    multi = study["instances"][3]
    first = client.get(multi.url + "/frames/1/rendered", headers={"Accept": "image/png"})
    third = client.get(multi.url + "/frames/3/rendered", headers={"Accept": "image/png"})
    assert first.status_code == third.status_code == 200
    assert np.asarray(image(first.content)).shape == (8, 12)
    assert first.content != third.content

    r, parts = retrieve(client, study["series"][0] + "/rendered", accept="image/jpeg")
    assert 'type="image/jpeg"' in r.headers["Content-Type"]
    assert len(parts) == 3
    assert all(image(data).format == "JPEG" for _, data in parts)
    _, parts = retrieve(client, study["url"] + "/rendered", accept="image/png")
    assert len(parts) == 4
    assert all(image(data).format == "PNG" for _, data in parts)


def test_thumbnails_at_every_level(server, client, study, real):
    big = real["JPEG2000.dcm"]
    for url in (big.url, study["instances"][0].url, study["series"][0], study["url"]):
        r = client.get(url + "/thumbnail")
        assert r.status_code == 200, f"{url}: {r.text[:200]}"
        assert r.headers["Content-Type"] == "image/jpeg"
        assert max(image(r.content).size) <= 128
    r = client.get(big.url + "/thumbnail", headers={"Accept": "image/png"},
                   params={"viewport": "40,40"})
    assert image(r.content).format == "PNG" and max(image(r.content).size) <= 40


@pytest.mark.parametrize("params,accept,status", [
    ({"viewport": "0,0"}, None, 400),
    ({"viewport": "abc"}, None, 400),
    ({"quality": "101"}, None, 400),
    ({"window": "1"}, None, 400),
    ({"window": "10,-5"}, None, 400),
    ({"window": "10,5,SIGMOID"}, None, 400),
    ({}, "image/gif", 406),
])
def test_rendered_parameter_errors(server, client, study, params, accept, status):
    r = client.get(study["instances"][0].url + "/rendered", params=params,
                   headers={"Accept": accept} if accept else {})
    assert r.status_code == status
    assert r.json()["message"]


def test_nothing_to_render_is_404(server, client, real):
    stored = real["test-SR.dcm"]
    series = stored.url.rsplit("/instances/", 1)[0]
    for url in (series + "/rendered", series + "/thumbnail"):
        r = client.get(url)
        assert r.status_code == 404 and r.json()["message"]


# --- errors -----------------------------------------------------------------------------


def test_unknown_uids_are_404_with_a_message(server, client, study):
    known = study["instances"][0]
    unknown_study = f"{server.pacs}/studies/1.2.3.999"
    unknown_series = f"{study['url']}/series/1.2.3.999"
    unknown_instance = f"{study['series'][0]}/instances/1.2.3.999"
    for url in (unknown_study, unknown_series, unknown_instance,
                unknown_study + "/metadata", unknown_series + "/metadata",
                unknown_instance + "/metadata", unknown_instance + "/frames/1",
                unknown_instance + "/rendered", unknown_study + "/thumbnail",
                unknown_instance + "/bulkdata/7FE00010", unknown_study + "/archive",
                # a known instance under the wrong series
                f"{study['series'][1]}/instances/{known.ds.SOPInstanceUID}"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.json()["message"], url


def test_malformed_uids_are_400(server, client, study):
    for url in (f"{server.pacs}/studies/1.2.abc", f"{study['url']}/series/01.2/metadata",
                f"{study['series'][0]}/instances/1..2/rendered"):
        r = client.get(url)
        assert r.status_code == 400, url
        assert "not a valid UID" in r.json()["message"]


def test_a_read_only_user_can_retrieve(server, reader, study):
    _, parts = retrieve(reader, study["url"])
    assert len(parts) == 4
    assert reader.get(study["url"] + "/metadata").status_code == 200
