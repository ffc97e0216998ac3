"""Durability of the real binary: everything survives a restart, and after kill -9 in the middle
of many concurrent uploads (and after start-up's recovery is killed in turn) every acknowledged
instance is there byte for byte while nothing half-stored is visible."""
import os
import signal
import threading
import time

import pytest
import requests

import dicom_factory as factory
from dicom_factory import make_instance
from tessera_harness import (DICOM_ANY_SYNTAX, PYDICOM_FILES, TesseraServer, first_value,
                             instance_url, retrieve, stow, upload)


@pytest.fixture
def own_server():
    s = TesseraServer().init().start()
    yield s
    s.cleanup()


def snapshot(client, server):
    """Everything a client can see of the archive's index, in a comparable form."""
    view = {}
    for level in ("studies", "series", "instances"):
        r = client.get(f"{server.pacs}/{level}", params={"includefield": "all",
                                                         "orderby": "0020000D"})
        assert r.status_code == 200, r.text
        view[level] = sorted(r.json(), key=lambda m: str(sorted(
            (k, str(v)) for k, v in m.items())))
    return view


def incoming_files(server):
    folder = os.path.join(server.data_dir, "incoming")
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_everything_survives_a_restart(own_server):
    s = own_server
    client = s.session()
    study = factory.uid()
    made = [make_instance(study_uid=study, instance_number=i, seed=i) for i in range(1, 4)]
    assert stow(client, s, [data for _, data in made]).status_code == 200
    with open(os.path.join(PYDICOM_FILES, "MR_small_RLE.dcm"), "rb") as f:
        rle = f.read()
    rle_url = upload(client, s, rle).json()["Path"]
    before = snapshot(client, s)
    metadata = client.get(f"{s.pacs}/studies/{study}/metadata")
    assert metadata.status_code == 200

    assert s.stop() == 0
    s.start()
    client = s.session()
    assert snapshot(client, s) == before
    after = client.get(f"{s.pacs}/studies/{study}/metadata")
    assert after.json() == metadata.json()
    assert after.headers["ETag"] == metadata.headers["ETag"]
    for ds, data in made:
        url = instance_url(s, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert retrieve(client, url)[1][0][1] == data
    assert retrieve(client, rle_url)[1][0][1] == rle
    assert incoming_files(s) == []
    # And it keeps working: a new instance, then a delete, both survive the next restart.
    extra, extra_data = make_instance(study_uid=study, instance_number=9)
    assert stow(client, s, [extra_data]).status_code == 200
    first = made[0][0]
    assert client.delete(instance_url(s, study, first.SeriesInstanceUID,
                                      first.SOPInstanceUID)).status_code == 204
    s.restart()
    client = s.session()
    sops = {first_value(m, "00080018") for m in
            client.get(f"{s.pacs}/studies/{study}/instances").json()}
    assert sops == {made[1][0].SOPInstanceUID, made[2][0].SOPInstanceUID, extra.SOPInstanceUID}


class Uploader(threading.Thread):
    """Uploads new instances until the server goes away, alternating STOW (one or three
    instances a request) and the upload endpoint. Records what was sent and what the server
    acknowledged with 200."""

    def __init__(self, server, index, sent, acknowledged, lock):
        super().__init__(daemon=True)
        self.server, self.index = server, index
        self.sent, self.acknowledged, self.lock = sent, acknowledged, lock
        self.session = server.session()
        self.errors = 0

    def run(self):
        round_number = 0
        while True:
            round_number += 1
            study = factory.uid()
            count = 3 if round_number % 3 == 0 else 1
            # Mostly small, sometimes big enough to be caught half-written.
            size = 512 if round_number % 4 == 0 else 48
            made = [make_instance(study_uid=study, rows=size, columns=size,
                                  instance_number=i + 1, seed=self.index * 1000 + round_number)
                    for i in range(count)]
            with self.lock:
                for ds, data in made:
                    self.sent[ds.SOPInstanceUID] = (ds, data)
            try:
                if round_number % 2 == 0 and count == 1:
                    r = upload(self.session, self.server, made[0][1])
                else:
                    r = stow(self.session, self.server, [data for _, data in made])
            except requests.RequestException:
                return  # the server is gone
            if r.status_code != 200:
                self.errors += 1
                continue
            with self.lock:
                self.acknowledged.extend(ds.SOPInstanceUID for ds, _ in made)


@pytest.mark.parametrize("recovery_killed", [False, True])
def test_kill_9_during_concurrent_uploads_loses_nothing_acknowledged(own_server, recovery_killed):
    s = own_server
    sent, acknowledged, lock = {}, [], threading.Lock()
    uploaders = [Uploader(s, i, sent, acknowledged, lock) for i in range(6)]
    for uploader in uploaders:
        uploader.start()
    deadline_reached = threading.Event()
    while not deadline_reached.wait(0.02):
        with lock:
            if len(acknowledged) >= 60:
                break
    s.process.send_signal(signal.SIGKILL)
    for uploader in uploaders:
        uploader.join(60)
    assert all(not u.is_alive() for u in uploaders)
    assert all(u.errors == 0 for u in uploaders)
    assert s.stop() == -signal.SIGKILL
    with lock:
        acknowledged_now = list(acknowledged)
    assert len(acknowledged_now) >= 60
    assert len(sent) > len(acknowledged_now)  # some were in flight when the server died

    left_behind = len(incoming_files(s))
    # Start-up killed again and again, 3 ms later each time, until one gets through its
    # recovery: a kill may land in the middle of it (the timing decides), which must start
    # over cleanly; the rest land before it.
    assert left_behind or not recovery_killed, "nothing was left for start-up to recover"
    delay = 0.01
    while recovery_killed and incoming_files(s) and delay < 1:
        s.start(wait=False)
        time.sleep(delay)
        assert s.stop(signal.SIGKILL) in (-signal.SIGKILL, 0)
        delay += 0.003
    log_before = len(s.log())
    s.start()
    client = s.session()
    assert incoming_files(s) == []
    if not recovery_killed:
        # The operator learns that the last run was cut short and what start-up settled.
        recovered = [line for line in s.log()[log_before:].splitlines()
                     if "the last run did not stop cleanly" in line]
        assert len(recovered) == (1 if left_behind else 0), recovered

    # Every acknowledged instance is there, byte for byte.
    for sop in acknowledged_now:
        ds, data = sent[sop]
        _, parts = retrieve(client, instance_url(s, ds.StudyInstanceUID, ds.SeriesInstanceUID,
                                                 sop), accept=DICOM_ANY_SYNTAX)
        assert [d for _, d in parts] == [data], sop

    # Whatever else is visible is whole: each indexed instance can be retrieved, and it is
    # exactly what was sent; the study counts agree with the instances.
    indexed = client.get(f"{s.pacs}/instances").json()
    visible = {first_value(m, "00080018"): m for m in indexed}
    assert set(acknowledged_now) <= set(visible)
    assert set(visible) <= set(sent)
    for sop, match in visible.items():
        url = instance_url(s, first_value(match, "0020000D"), first_value(match, "0020000E"), sop)
        _, parts = retrieve(client, url)
        assert [d for _, d in parts] == [sent[sop][1]], sop
    studies = client.get(f"{s.pacs}/studies").json()
    assert sum(first_value(m, "00201208") for m in studies) == len(visible)
    for match in studies:
        study = first_value(match, "0020000D")
        instances = client.get(f"{s.pacs}/studies/{study}/instances").json()
        assert first_value(match, "00201208") == len(instances)
        r = client.get(f"{s.pacs}/studies/{study}/metadata")
        assert r.status_code == 200 and len(r.json()) == len(instances)

    # Stored files on disk match the index: nothing orphaned survives recovery.
    blobs = sum(len(files) for _, _, files in os.walk(os.path.join(s.data_dir, "blobs")))
    assert blobs == len(visible)

    # And the archive takes new uploads after the crash.
    ds, data = make_instance()
    assert stow(client, s, [data]).status_code == 200


def test_concurrent_stores_of_one_instance_leave_exactly_one(own_server):
    s = own_server
    ds, _ = make_instance()
    versions = []
    for seed in range(8):
        _, data = make_instance(study_uid=ds.StudyInstanceUID, series_uid=ds.SeriesInstanceUID,
                                sop_uid=ds.SOPInstanceUID, seed=seed)
        versions.append(data)
    statuses = []

    def send(data):
        session = s.session()
        for _ in range(4):
            statuses.append(stow(session, s, [data]).status_code)

    threads = [threading.Thread(target=send, args=(data,)) for data in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [200] * 32
    client = s.session()
    instances = client.get(f"{s.pacs}/studies/{ds.StudyInstanceUID}/instances").json()
    assert [first_value(m, "00080018") for m in instances] == [ds.SOPInstanceUID]
    counts = client.get(f"{s.pacs}/studies", params={"StudyInstanceUID": ds.StudyInstanceUID})
    assert first_value(counts.json()[0], "00201208") == 1
    url = instance_url(s, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert retrieve(client, url)[1][0][1] in versions
    blobs = sum(len(files) for _, _, files in os.walk(os.path.join(s.data_dir, "blobs")))
    assert blobs == 1
