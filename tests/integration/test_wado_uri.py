"""WADO-URI (/zhiva/wado?requestType=WADO&...) against the real binary: application/dicom with
and without transferSyntax, JPEG by default, PNG, rendering parameters, objects without pixels,
and the errors."""
import io
import os

import numpy as np
import pydicom
import pytest
import requests
from PIL import Image

from dicom_factory import make_instance
from tessera_harness import PYDICOM_FILES, upload

EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"


@pytest.fixture(scope="module")
def objects(server, client):
    """{label: (dataset, bytes, query params)} of stored objects."""
    stored = {}

    def keep(label, data):
        r = upload(client, server, data)
        assert r.status_code == 200, r.text
        entry = r.json()
        stored[label] = (pydicom.dcmread(io.BytesIO(data)), data,
                         {"requestType": "WADO", "studyUID": entry["StudyInstanceUID"],
                          "seriesUID": entry["SeriesInstanceUID"],
                          "objectUID": entry["SOPInstanceUID"]})

    keep("ct", make_instance(rows=40, columns=30, seed=4)[1])
    keep("multiframe", make_instance(rows=10, columns=10, frames=3, seed=8)[1])
    for name in ("MR_small_RLE.dcm", "test-SR.dcm", "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle_32bit.dcm"):
        with open(os.path.join(PYDICOM_FILES, name), "rb") as f:
            keep(name, f.read())
    return stored


def wado(client, server, params, **extra):
    query = dict(params)
    query.update(extra)
    return client.get(server.url("/zhiva/wado"), params=query)


def picture(r):
    image = Image.open(io.BytesIO(r.content))
    image.load()
    return image


def test_image_jpeg_is_the_default(server, client, objects):
    ds, _, params = objects["ct"]
    r = wado(client, server, params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg"
    image = picture(r)
    assert image.format == "JPEG" and image.size == (30, 40)
    r = wado(client, server, params, contentType="image/jpeg")
    assert picture(r).format == "JPEG"


def test_image_png_with_rows_columns_and_frame(server, client, objects):
    _, _, params = objects["ct"]
    r = wado(client, server, params, contentType="image/png")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert picture(r).format == "PNG" and picture(r).size == (30, 40)
    r = wado(client, server, params, contentType="image/png", rows="20", columns="15")
    assert picture(r).size == (15, 20)
    _, _, params = objects["multiframe"]
    frames = [wado(client, server, params, contentType="image/png", frameNumber=str(n))
              for n in (1, 2, 3)]
    assert all(r.status_code == 200 for r in frames)
    assert len({r.content for r in frames}) == 3
    r = wado(client, server, params, contentType="image/png", frameNumber="4")
    assert r.status_code == 404 and r.json()["message"]


def test_window_and_quality(server, client, objects):
    _, _, params = objects["ct"]
    black = wado(client, server, params, contentType="image/png", windowCenter="10000",
                 windowWidth="10")
    white = wado(client, server, params, contentType="image/png", windowCenter="-10000",
                 windowWidth="10")
    assert np.asarray(picture(black).convert("L")).max() <= 5
    assert np.asarray(picture(white).convert("L")).min() >= 250
    best = wado(client, server, params, imageQuality="100")
    worst = wado(client, server, params, imageQuality="1")
    assert best.status_code == worst.status_code == 200
    assert len(worst.content) < len(best.content)


def test_application_dicom_default_syntax_is_explicit_little_endian(server, client, objects):
    ds, data, params = objects["ct"]
    r = wado(client, server, params, contentType="application/dicom")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/dicom"
    assert r.content == data  # stored as Explicit VR Little Endian already
    assert ds.SOPInstanceUID in r.headers["Content-Disposition"]

    ds, data, params = objects["MR_small_RLE.dcm"]
    r = wado(client, server, params, contentType="application/dicom")
    retrieved = pydicom.dcmread(io.BytesIO(r.content))
    assert retrieved.file_meta.TransferSyntaxUID == EXPLICIT_LE
    assert np.array_equal(retrieved.pixel_array, ds.pixel_array)


def test_application_dicom_honours_transfer_syntax(server, client, objects):
    ds, data, params = objects["ct"]
    r = wado(client, server, params, contentType="application/dicom", transferSyntax=IMPLICIT_LE)
    assert r.status_code == 200
    retrieved = pydicom.dcmread(io.BytesIO(r.content))
    assert retrieved.file_meta.TransferSyntaxUID == IMPLICIT_LE
    assert np.array_equal(retrieved.pixel_array, ds.pixel_array)

    ds, data, params = objects["MR_small_RLE.dcm"]
    r = wado(client, server, params, contentType="application/dicom",
             transferSyntax="1.2.840.10008.1.2.5")
    assert r.status_code == 200 and r.content == data
    r = wado(client, server, params, contentType="application/dicom", transferSyntax="*")
    assert r.status_code == 200 and r.content == data
    r = wado(client, server, params, contentType="application/dicom",
             transferSyntax="1.2.840.10008.1.2.4.100")  # MPEG-2: cannot be made
    assert r.status_code == 406 and r.json()["message"]
    # A codec exists but refuses this image (32 bits for an encoder of at most 16): still 406.
    ds, data, params = objects["SC_rgb_rle_32bit.dcm"]
    r = wado(client, server, params, contentType="application/dicom",
             transferSyntax="1.2.840.10008.1.2.4.70")
    assert r.status_code == 406 and "cannot be converted" in r.json()["message"]


def test_a_content_type_list_takes_the_first_supported(server, client, objects):
    _, data, params = objects["ct"]
    r = wado(client, server, params, contentType="text/html,application/dicom,image/jpeg")
    assert r.status_code == 200 and r.content == data
    r = wado(client, server, params, contentType="image/png,image/jpeg")
    assert r.headers["Content-Type"] == "image/png"


def test_objects_without_pixels_default_to_application_dicom(server, client, objects):
    _, data, params = objects["test-SR.dcm"]
    r = wado(client, server, params)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/dicom"
    assert r.content == data
    r = wado(client, server, params, contentType="image/jpeg")
    assert r.status_code >= 400 and r.json()["message"]


def test_colour_images(server, client, objects):
    ds, _, params = objects["SC_rgb_jpeg_dcmtk.dcm"]
    r = wado(client, server, params, contentType="image/png")
    image = picture(r)
    assert image.mode == "RGB" and image.size == (ds.Columns, ds.Rows)


@pytest.mark.parametrize("change,status,fragment", [
    ({"requestType": "WADO-RS"}, 400, "requestType"),
    ({"requestType": None}, 400, "requestType"),
    ({"studyUID": None}, 400, "studyUID"),
    ({"seriesUID": None}, 400, "seriesUID"),
    ({"objectUID": None}, 400, "objectUID"),
    ({"objectUID": "1.2.x"}, 400, "objectUID"),
    ({"objectUID": "1.2.3.4.5.6"}, 404, ""),
    ({"seriesUID": "1.2.3.4.5.6"}, 404, ""),
    ({"contentType": "text/plain"}, 406, "contentType"),
    ({"frameNumber": "0"}, 400, "frameNumber"),
    ({"rows": "-3"}, 400, "rows"),
    ({"windowCenter": "100"}, 400, "windowWidth"),
    ({"windowCenter": "100", "windowWidth": "0"}, 400, "windowWidth"),
    ({"imageQuality": "500"}, 400, "imageQuality"),
    # Not honoured, so refused rather than answered with the plain object.
    ({"anonymize": "yes", "contentType": "application/dicom"}, 400, "anonymize"),
    ({"region": "0,0,0.5,0.5"}, 400, "region"),
    ({"presentationUID": "1.2.3.4"}, 400, "presentationUID"),
])
def test_errors_say_what_was_wrong(server, client, objects, change, status, fragment):
    _, _, params = objects["ct"]
    query = {k: v for k, v in {**params, **change}.items() if v is not None}
    r = client.get(server.url("/zhiva/wado"), params=query)
    assert r.status_code == status, r.text
    assert fragment in r.json()["message"]


def test_a_parameter_given_twice_is_refused(server, client, objects):
    _, _, params = objects["ct"]
    for name, second in [("objectUID", "1.2.3.4"), ("requestType", "BOGUS"),
                         ("studyUID", params["studyUID"])]:
        query = list(params.items()) + [(name, second)]
        r = client.get(server.url("/zhiva/wado"), params=query)
        assert r.status_code == 400, (name, r.text)
        assert name in r.json()["message"] and "more than once" in r.json()["message"]


def test_needs_a_token_and_a_reader_may_use_it(server, reader, objects):
    _, data, params = objects["ct"]
    r = requests.get(server.url("/zhiva/wado"), params=params, verify=server.verify)
    assert r.status_code == 401
    r = reader.get(server.url("/zhiva/wado"), params={**params, "contentType": "application/dicom"})
    assert r.status_code == 200 and r.content == data
