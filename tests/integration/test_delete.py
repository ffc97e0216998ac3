"""DELETE on study, series and instance URLs against the real binary: 204, counts updated,
then 404 everywhere; the files leave the disk; only editors may delete."""
import os

import pytest

import dicom_factory as factory
from dicom_factory import make_instance
from tessera_harness import first_value, instance_url, retrieve, stow


def stored_files(server):
    """Number of regular files under the data folder's blob store."""
    count = 0
    for folder, _, files in os.walk(os.path.join(server.data_dir, "blobs")):
        count += len(files)
    return count


@pytest.fixture
def study(server, client):
    """A fresh study: series A with three instances, series B with two."""
    study_uid = factory.uid()
    series = [factory.uid(), factory.uid()]
    made = [make_instance(study_uid=study_uid, series_uid=series[0], series_number=1,
                          instance_number=i, seed=i) for i in (1, 2, 3)]
    made += [make_instance(study_uid=study_uid, series_uid=series[1], series_number=2,
                           instance_number=i, seed=i, modality="MR") for i in (1, 2)]
    assert stow(client, server, [data for _, data in made]).status_code == 200
    return {"uid": study_uid, "series": series, "instances": [ds for ds, _ in made],
            "url": f"{server.pacs}/studies/{study_uid}"}


def study_counts(client, server, study_uid):
    r = client.get(server.pacs + "/studies", params={"StudyInstanceUID": study_uid})
    assert r.status_code == 200
    if not r.json():
        return None
    match = r.json()[0]
    return (first_value(match, "00201206"), first_value(match, "00201208"),
            sorted(match["00080061"]["Value"]))


def series_count(client, server, study_uid, series_uid):
    r = client.get(server.pacs + f"/studies/{study_uid}/series",
                   params={"SeriesInstanceUID": series_uid})
    return first_value(r.json()[0], "00201209") if r.json() else None


def test_delete_an_instance(server, client, study):
    victim = study["instances"][1]
    url = instance_url(server, study["uid"], victim.SeriesInstanceUID, victim.SOPInstanceUID)
    files_before = stored_files(server)
    assert study_counts(client, server, study["uid"]) == (2, 5, ["CT", "MR"])

    r = client.delete(url)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert study_counts(client, server, study["uid"]) == (2, 4, ["CT", "MR"])
    assert series_count(client, server, study["uid"], study["series"][0]) == 2
    assert stored_files(server) == files_before - 1

    for target in (url, url + "/metadata", url + "/rendered", url + "/frames/1"):
        r = client.get(target)
        assert r.status_code == 404, target
        assert r.json()["message"]
    r = client.delete(url)
    assert r.status_code == 404 and r.json()["message"]
    _, parts = retrieve(client, study["url"])
    assert len(parts) == 4
    r = client.get(server.pacs + "/instances", params={"SOPInstanceUID": victim.SOPInstanceUID})
    assert r.json() == []


def test_delete_a_series(server, client, study):
    series_url = f"{study['url']}/series/{study['series'][1]}"
    files_before = stored_files(server)
    r = client.delete(series_url)
    assert r.status_code == 204, r.text
    assert study_counts(client, server, study["uid"]) == (1, 3, ["CT"])
    assert stored_files(server) == files_before - 2
    assert client.get(series_url).status_code == 404
    assert client.get(series_url + "/metadata").status_code == 404
    assert client.delete(series_url).status_code == 404
    r = client.get(f"{study['url']}/series")
    assert [first_value(m, "0020000E") for m in r.json()] == [study["series"][0]]
    # The other series is untouched.
    _, parts = retrieve(client, f"{study['url']}/series/{study['series'][0]}")
    assert len(parts) == 3


def test_delete_a_study(server, client, study):
    files_before = stored_files(server)
    r = client.delete(study["url"])
    assert r.status_code == 204, r.text
    assert study_counts(client, server, study["uid"]) is None
    assert stored_files(server) == files_before - 5
    for target in (study["url"], study["url"] + "/metadata", study["url"] + "/archive",
                   study["url"] + "/thumbnail"):
        r = client.get(target)
        assert r.status_code == 404, target
        assert r.json()["message"]
    assert client.get(f"{study['url']}/series").json() == []
    assert client.get(f"{study['url']}/instances").json() == []
    assert client.delete(study["url"]).status_code == 404


def test_a_deleted_instance_can_be_stored_again(server, client):
    ds, data = make_instance()
    assert stow(client, server, [data]).status_code == 200
    url = instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert client.delete(url).status_code == 204
    # The last instance took its series and study along.
    assert study_counts(client, server, ds.StudyInstanceUID) is None
    assert stow(client, server, [data]).status_code == 200
    assert retrieve(client, url)[1][0][1] == data
    assert study_counts(client, server, ds.StudyInstanceUID) == (1, 1, ["CT"])


def test_delete_leaves_other_studies_alone(server, client, study):
    other, other_data = make_instance()
    assert stow(client, server, [other_data]).status_code == 200
    assert client.delete(study["url"]).status_code == 204
    url = instance_url(server, other.StudyInstanceUID, other.SeriesInstanceUID,
                       other.SOPInstanceUID)
    assert retrieve(client, url)[1][0][1] == other_data


def test_only_editors_may_delete(server, client, reader, study):
    r = reader.delete(study["url"])
    assert r.status_code == 403 and r.json()["message"]
    assert study_counts(client, server, study["uid"]) == (2, 5, ["CT", "MR"])


def test_delete_errors(server, client, study):
    r = client.delete(f"{server.pacs}/studies/1.2.3.404")
    assert r.status_code == 404 and r.json()["message"]
    r = client.delete(f"{study['url']}/series/1.2.3.404")
    assert r.status_code == 404
    # A real instance under the wrong series is not found, and stays.
    victim = study["instances"][0]
    r = client.delete(f"{study['url']}/series/{study['series'][1]}/instances/"
                      f"{victim.SOPInstanceUID}")
    assert r.status_code == 404
    assert study_counts(client, server, study["uid"]) == (2, 5, ["CT", "MR"])
    r = client.delete(f"{server.pacs}/studies/not-a-uid")
    assert r.status_code == 400 and "not a valid UID" in r.json()["message"]
    r = client.delete(f"{server.pacs}/studies")
    assert r.status_code == 405 and r.json()["message"]
    assert "GET" in r.headers["Allow"]
