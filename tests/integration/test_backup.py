"""`tessera backup`: a copy of a data folder taken while its server runs and stores, which a
server started on it serves whole (instances byte for byte, users and their passwords, the
signing key); a second backup into the same folder brings it up to date, copying only new
files and removing those of deleted instances."""
import os
import shutil
import tempfile
import threading

import pytest

from dicom_factory import make_instance
from tessera_harness import TesseraServer, first_value, instance_url, retrieve, run_cli, stow


@pytest.fixture
def folders():
    made = []

    def make(prefix):
        made.append(tempfile.mkdtemp(prefix=prefix))
        return made[-1]

    yield make
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


def backup(source, target, check=True):
    return run_cli("backup", "--to", target, data_dir=source, check=check)


def blob_files(data_dir):
    return sorted(name for _, _, names in os.walk(os.path.join(data_dir, "blobs"))
                  for name in names)


def sop_uids(client, server):
    r = client.get(f"{server.pacs}/instances")
    assert r.status_code == 200, r.text
    return {first_value(m, "00080018") for m in r.json()}


def assert_serves(client, server, stored):
    for ds, data in stored:
        url = instance_url(server, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert [d for _, d in retrieve(client, url)[1]] == [data], ds.SOPInstanceUID


def test_a_backup_taken_while_storing_is_a_whole_archive_and_stays_current(folders):
    source = TesseraServer(data_dir=folders("tessera-backup-src-"))
    source.init()
    source.start()
    copy = None
    try:
        client = source.session()
        stored = [make_instance(seed=seed, patient_id=f"P{seed % 3}") for seed in range(12)]
        assert stow(client, source, [data for _, data in stored]).status_code == 200

        # Stores go on while the backup is taken: it holds a snapshot of the index, and
        # every instance the snapshot holds.
        stop = threading.Event()
        during = []

        def keep_storing():
            writer = source.session()
            seed = 100
            while not stop.is_set():
                ds, data = make_instance(seed=seed)
                if stow(writer, source, [data]).status_code == 200:
                    during.append((ds, data))
                seed += 1

        storing = threading.Thread(target=keep_storing)
        storing.start()
        target = os.path.join(folders("tessera-backup-dst-"), "copy")
        try:
            said = backup(source.data_dir, target).stdout
        finally:
            stop.set()
            storing.join()
        assert "instance(s) to" in said and "serves the copy" in said, said
        backed_up = int(said.split("Backed up ")[1].split()[0])
        assert len(stored) <= backed_up <= len(stored) + len(during)
        assert len(blob_files(target)) == backed_up
        assert oct(os.stat(os.path.join(target, "auth", "signing-key.pem")).st_mode & 0o777) \
            == oct(0o600)

        # A server on the copy serves it, with the same users and signing key.
        copy = TesseraServer(data_dir=target)
        copy.start()
        copy_client = copy.session()
        in_copy = sop_uids(copy_client, copy)
        assert len(in_copy) == backed_up
        assert {ds.SOPInstanceUID for ds, _ in stored} <= in_copy
        assert in_copy <= {ds.SOPInstanceUID for ds, _ in stored + during}
        assert_serves(copy_client, copy, [(ds, d) for ds, d in stored + during
                                          if ds.SOPInstanceUID in in_copy])
        token = client.headers["Authorization"]  # issued by the source's key
        r = copy_client.get(f"{copy.pacs}/studies", headers={"Authorization": token})
        assert r.status_code == 200, r.text

        # While a server runs on the copy, no backup may replace it.
        refused = backup(source.data_dir, target, check=False)
        assert refused.returncode != 0
        assert "in use by another process" in refused.stderr, refused.stderr
        assert copy.stop() == 0

        # Later: one study deleted, two instances added. The next backup copies the two,
        # removes the deleted one's file, and the copy is the source again.
        gone = stored[0][0]
        r = client.delete(f"{source.pacs}/studies/{gone.StudyInstanceUID}")
        assert r.status_code == 204, r.text
        added = [make_instance(seed=seed) for seed in (500, 501)]
        assert stow(client, source, [data for _, data in added]).status_code == 200
        current = sop_uids(client, source)
        said = backup(source.data_dir, target).stdout
        # The two, and those stored during the first backup after its snapshot.
        assert f"{len(current - in_copy)} file(s) copied" in said, said
        assert "1 of deleted instances removed" in said, said
        copy.start()
        copy_client = copy.session()
        assert sop_uids(copy_client, copy) == current
        assert len(blob_files(target)) == len(current)
        assert_serves(copy_client, copy, added)
        url = instance_url(copy, gone.StudyInstanceUID, gone.SeriesInstanceUID,
                           gone.SOPInstanceUID)
        assert copy_client.get(url, headers={"Accept": "application/dicom"}).status_code == 404
    finally:
        source.cleanup()
        if copy is not None:
            copy.stop()


def test_a_backup_must_be_outside_the_data_folder(folders):
    source = TesseraServer(data_dir=folders("tessera-backup-src-"))
    source.init()
    for target in (source.data_dir, os.path.join(source.data_dir, "backup")):
        refused = backup(source.data_dir, target, check=False)
        assert refused.returncode == 2, refused.stderr
        assert "outside the data folder" in refused.stderr, refused.stderr
    assert not os.path.exists(os.path.join(source.data_dir, "backup"))
