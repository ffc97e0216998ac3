"""`tessera backup`: a copy of a data folder taken while its server runs and stores, which a
server started on it serves whole (instances byte for byte, users and their passwords, the
signing key); a second backup into the same folder brings it up to date, copying only new
files and removing those of deleted instances."""
import os
import pwd
import shutil
import subprocess
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


@pytest.fixture
def source(folders):
    """A server started on a data folder of its own."""
    server = TesseraServer(data_dir=folders("tessera-backup-src-"))
    server.init()
    server.start()
    yield server
    server.stop()


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


def test_a_backup_taken_while_storing_is_a_whole_archive_and_stays_current(folders, source):
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
        assert "1 no longer in the archive removed" in said, said
        copy.start()
        copy_client = copy.session()
        assert sop_uids(copy_client, copy) == current
        assert len(blob_files(target)) == len(current)
        assert_serves(copy_client, copy, added)
        url = instance_url(copy, gone.StudyInstanceUID, gone.SeriesInstanceUID,
                           gone.SOPInstanceUID)
        assert copy_client.get(url, headers={"Accept": "application/dicom"}).status_code == 404
    finally:
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


def test_a_backup_replaces_only_an_earlier_backup_of_the_same_folder(folders, source):
    client = source.session()
    assert stow(client, source, [make_instance(seed=1)[1]]).status_code == 200
    # A new folder named without a path works the first time.
    parent = folders("tessera-backup-dst-")
    first = run_cli("backup", "--to", "copy", data_dir=source.data_dir, check=False,
                    cwd=parent)
    assert first.returncode == 0, first.stderr
    target = os.path.join(parent, "copy")

    # A folder holding anything else is not overwritten.
    other = folders("tessera-backup-other-")
    with open(os.path.join(other, "notes.txt"), "w") as f:
        f.write("keep me")
    refused = backup(source.data_dir, other, check=False)
    assert refused.returncode == 2 and "holds no Tessera backup" in refused.stderr, \
        refused.stderr
    assert os.listdir(other) == ["notes.txt"]

    # Nor is a backup of another data folder.
    second = TesseraServer(data_dir=folders("tessera-backup-src2-"))
    second.init()
    second.start()
    second.stop()
    refused = backup(second.data_dir, target, check=False)
    assert refused.returncode == 2 and "another data folder" in refused.stderr, \
        refused.stderr

    # Nor one a server has stored into since (a failover): its new instance would be lost.
    copy = TesseraServer(data_dir=target)
    copy.start()
    try:
        ds, data = make_instance(seed=2)
        assert stow(copy.session(), copy, [data]).status_code == 200
    finally:
        copy.stop()
    refused = backup(source.data_dir, target, check=False)
    assert refused.returncode == 2 and "a server has written to it" in refused.stderr, \
        refused.stderr
    copy.start()
    try:
        url = instance_url(copy, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert [d for _, d in retrieve(copy.session(), url)[1]] == [data]
    finally:
        copy.stop()


def test_a_missing_file_in_the_data_folder_is_named(folders, source):
    assert stow(source.session(), source, [make_instance(seed=1)[1]]).status_code == 200
    source.stop()
    [blob] = [os.path.join(root, name) for root, _, names in
              os.walk(os.path.join(source.data_dir, "blobs")) for name in names]
    os.remove(blob)
    refused = backup(source.data_dir, os.path.join(folders("tessera-backup-dst-"), "copy"),
                     check=False)
    assert refused.returncode == 1
    assert "names a file that is missing" in refused.stderr and blob in refused.stderr, \
        refused.stderr


def test_a_bind_mount_of_the_data_folder_is_refused_and_nothing_is_touched(folders, source):
    assert stow(source.session(), source, [make_instance(seed=1)[1]]).status_code == 200
    source.stop()
    mount_point = folders("tessera-backup-bind-")
    mounted = subprocess.run(["mount", "--bind", source.data_dir, mount_point],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.strip()}")
    try:
        before = sorted(os.path.relpath(os.path.join(root, name), source.data_dir)
                        for root, _, names in os.walk(source.data_dir) for name in names)
        refused = backup(source.data_dir, mount_point, check=False)
        assert refused.returncode == 2 and "outside the data folder" in refused.stderr, \
            refused.stderr
        after = sorted(os.path.relpath(os.path.join(root, name), source.data_dir)
                       for root, _, names in os.walk(source.data_dir) for name in names)
        assert after == before
    finally:
        subprocess.run(["umount", mount_point], check=False)


def test_a_run_goes_on_from_what_an_interrupted_one_left(folders, source):
    client = source.session()
    stored = [make_instance(seed=seed) for seed in range(3)]
    assert stow(client, source, [data for _, data in stored]).status_code == 200
    target = os.path.join(folders("tessera-backup-dst-"), "copy")
    backup(source.data_dir, target)
    index_before = open(os.path.join(target, "index.db"), "rb").read()
    # What a run killed half-way leaves: a blob half-copied, a whole one its new index
    # never named, the new index not yet in place.
    folder = os.path.dirname(os.path.join(target, "blobs", "0000", "000", "1.dcm"))
    for name, content in (("ff.dcm.part", b"half"), ("fe.dcm", b"whole")):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(content)
    with open(os.path.join(target, "index.db.backup"), "wb") as f:
        f.write(b"not yet a database")
    assert open(os.path.join(target, "index.db"), "rb").read() == index_before

    added = make_instance(seed=9)
    assert stow(client, source, [added[1]]).status_code == 200
    said = backup(source.data_dir, target).stdout
    assert "1 file(s) copied" in said and "2 no longer in the archive removed" in said, said
    assert sorted(os.listdir(folder)) == sorted(blob_files(target))
    assert len(blob_files(target)) == 4
    assert not os.path.exists(os.path.join(target, "index.db.backup"))


def test_serving_a_backup_to_read_it_does_not_stop_the_next_one(folders, source):
    client = source.session()
    kept, deleted = make_instance(seed=1), make_instance(seed=2)
    assert stow(client, source, [kept[1], deleted[1]]).status_code == 200
    # A deletion leaves rows for the server's garbage collector, which a server started
    # on the copy must not find (it would clear them and change the copy's index).
    r = client.delete(f"{source.pacs}/studies/{deleted[0].StudyInstanceUID}")
    assert r.status_code == 204, r.text
    target = os.path.join(folders("tessera-backup-dst-"), "copy")
    # A first run stopped while it wrote its marker leaves only a temporary file.
    os.makedirs(target)
    with open(os.path.join(target, ".tessera-backup.123.456.tmp"), "w") as f:
        f.write("source half")
    backup(source.data_dir, target)
    assert not [n for n in os.listdir(target) if n.endswith(".tmp")]
    with open(os.path.join(target, "tessera.toml")) as f:
        assert f'data_dir = "{target}"' in f.read()

    copy = TesseraServer(data_dir=target)
    copy.start()
    try:
        assert sop_uids(copy.session(), copy) == {kept[0].SOPInstanceUID}
    finally:
        assert copy.stop() == 0
    said = backup(source.data_dir, target).stdout
    assert "Backed up 1 instance(s)" in said, said


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, as a cron job would run it")
def test_a_backup_run_as_root_belongs_to_the_data_folders_owner(folders, source):
    assert stow(source.session(), source, [make_instance(seed=1)[1]]).status_code == 200
    source.stop()
    nobody = pwd.getpwnam("nobody")
    parent = folders("tessera-backup-dst-")
    for folder in (source.data_dir, parent):
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", folder], check=True)
    target = os.path.join(parent, "copy")
    backup(source.data_dir, target)
    owners = {(os.lstat(os.path.join(root, name)).st_uid, os.lstat(os.path.join(root, name)).st_gid)
              for root, dirs, names in os.walk(target) for name in dirs + names}
    assert owners == {(nobody.pw_uid, nobody.pw_gid)}
