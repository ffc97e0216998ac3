"""I/O errors where the disk says it has not stored something: the running server's fsync,
fdatasync, syncfs, sync_file_range, rename, link and unlink calls made to fail with EIO by a
preloaded library (io_faults/io_faults.cpp), switched on and off while the server runs.

A store whose data or acceptance could not be made durable is refused with a clear answer, is
not listed, cannot be read, and does not come back after a restart; what was stored before
stays readable; once the disk behaves, the same instances are stored normally. What fails
after an acknowledgement or a committed delete (index rows, blob names, removing old files)
delays that work, is logged, and is finished by the server or its next start. A one-off token
whose use cannot be recorded buys nothing; a backup that cannot be made durable fails."""
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pydicom
import pytest
import requests

from dicom_factory import make_instance, uid
from tessera_harness import TesseraServer, first_value, instance_url, retrieve, stow

LIBRARY = os.environ.get("TESSERA_IO_FAULTS_LIBRARY", "")
EIO = 5


class Faults:
    """The control file io_faults.cpp reads at every call it intercepts."""

    def __init__(self, path):
        self.path = path
        self.set()

    def set(self, *faults):
        """Exactly these faults from now on, each (call, path fragment): EIO there."""
        with open(self.path + ".new", "w") as f:
            f.writelines(f"{call} {fragment} {EIO}\n" for call, fragment in faults)
        os.replace(self.path + ".new", self.path)


@pytest.fixture
def faulty():
    """A server whose durable-storage calls can be made to fail: (server, its faults)."""
    if not os.path.isfile(LIBRARY):
        pytest.fail("TESSERA_IO_FAULTS_LIBRARY must name the built libtessera_io_faults.so "
                    "(ctest sets it)")
    control = tempfile.mkdtemp(prefix="tessera-faults-")
    faults = Faults(os.path.join(control, "faults"))
    s = TesseraServer(extra_env={"LD_PRELOAD": LIBRARY, "TESSERA_IO_FAULTS": faults.path})
    s.init().start()
    yield s, faults
    s.cleanup()
    shutil.rmtree(control, ignore_errors=True)


def under(s, relative):
    """A path fragment inside the server's data folder."""
    return os.path.join(s.data_dir, relative)


def health(s):
    r = requests.get(s.url("/zhiva/health"), verify=s.verify, timeout=10)
    return r.status_code, r.json()


def listed_instances(client, s):
    r = client.get(f"{s.pacs}/instances")
    assert r.status_code == 200, r.text
    return {first_value(m, "00080018") for m in r.json()}


def url_of(s, ds):
    return instance_url(s, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)


def assert_readable(client, s, made):
    for ds, data in made:
        assert [d for _, d in retrieve(client, url_of(s, ds))[1]] == [data], ds.SOPInstanceUID


def assert_absent(client, s, made):
    assert not listed_instances(client, s) & {ds.SOPInstanceUID for ds, _ in made}
    for ds, _ in made:
        assert client.get(url_of(s, ds)).status_code == 404, ds.SOPInstanceUID


def assert_refused_for_storage(r, count):
    """Every part refused as out of resources, the client told it is the server's storage."""
    assert r.status_code == 409, r.text
    failed = r.json()["00081198"]["Value"]
    assert [first_value(item, "00081197") for item in failed] == [0xA700] * count, r.text
    assert r.headers["Warning"].count("could not read or write its storage") == count


def a_study(count, seed):
    study = uid()
    return [make_instance(study_uid=study, instance_number=i, seed=seed + i)
            for i in range(1, count + 1)]


def store(client, s, made):
    return stow(client, s, [data for _, data in made])


def eventually(condition, seconds=20):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "not within the time allowed"
        time.sleep(0.1)


def test_stores_whose_data_cannot_be_made_durable_are_refused_and_leave_nothing(faulty):
    s, faults = faulty
    client = s.session()
    before = a_study(2, 0)
    assert store(client, s, before).status_code == 200

    refused = []
    # One instance: its own fsync. Several: the batch's syncfs, then each file's own
    # write-back errors. Then the rename that accepts them.
    for call, fragment, count in (("fsync", "incoming/", 1),
                                  ("syncfs", "incoming", 3),
                                  ("sync_file_range", "incoming/", 3),
                                  ("rename", "incoming/", 2)):
        faults.set((call, under(s, fragment)))
        made = a_study(count, 10 * len(refused) + 10)
        log_before = len(s.log())
        assert_refused_for_storage(store(client, s, made), count)
        said = s.log()[log_before:]
        assert f"{call} {under(s, 'incoming')}" in said and "Input/output error" in said, said
        refused += made
    faults.set()

    assert_absent(client, s, refused)
    assert_readable(client, s, before)
    # Only the stored ones' accepted names were left, and they go once settled.
    eventually(lambda: os.listdir(os.path.join(s.data_dir, "incoming")) == [])
    # Nothing refused comes back after a restart, nor is anything stored lost.
    assert s.stop() == 0
    s.start()
    client = s.session()
    assert_absent(client, s, refused)
    assert_readable(client, s, before)
    # The disk behaves again: the same instances are stored.
    assert store(client, s, refused[:1]).status_code == 200
    assert store(client, s, refused[1:]).status_code == 200
    assert_readable(client, s, before + refused)


def test_a_failed_acceptance_sync_is_reported_and_the_instance_stays_stored(faulty):
    # Once renamed to its accepted name the instance is stored, whatever the fsync of
    # incoming/ says next: the server and its start-up recovery must agree on that. The
    # client hears of the failure (the acceptance may not have reached the disk).
    s, faults = faulty
    client = s.session()
    faults.set(("fsync", under(s, "incoming") + "$"))
    made = a_study(1, 100)
    r = store(client, s, made)
    assert_refused_for_storage(r, 1)
    faults.set()
    eventually(lambda: listed_instances(client, s) == {made[0][0].SOPInstanceUID})
    assert_readable(client, s, made)
    assert s.stop() == 0
    s.start()
    client = s.session()
    assert listed_instances(client, s) == {made[0][0].SOPInstanceUID}
    assert_readable(client, s, made)


# SQLite makes its log durable with fdatasync.
@pytest.mark.parametrize("fault", [("link", "blobs/"), ("fdatasync", "index.db")],
                         ids=["blob-link", "index-sync"])
def test_acknowledged_instances_wait_out_a_failing_index_or_blob_folder(faulty, fault):
    # Past its acknowledgement an instance's rows and blob name come later (the merger): while
    # those cannot be written it is not listed, the query says so, and its study is neither
    # read nor deleted in part; once the disk behaves the server catches up by itself.
    s, faults = faulty
    client = s.session()
    before = a_study(1, 200)
    assert store(client, s, before).status_code == 200
    eventually(lambda: listed_instances(client, s) == {before[0][0].SOPInstanceUID})
    call, fragment = fault
    faults.set((call, under(s, fragment)))
    made = a_study(2, 300)
    assert store(client, s, made).status_code == 200
    r = client.get(f"{s.pacs}/instances")
    assert r.status_code == 200, r.text
    assert "2 stored instance(s) cannot be found yet" in r.headers["Warning"], r.headers
    r = client.get(f"{s.pacs}/studies/{made[0][0].StudyInstanceUID}/metadata")
    assert r.status_code == 503, r.text
    assert_readable(client, s, before)
    faults.set()
    eventually(lambda: listed_instances(client, s) == {
        ds.SOPInstanceUID for ds, _ in before + made})
    assert_readable(client, s, before + made)
    assert s.stop() == 0
    s.start()
    assert_readable(s.session(), s, before + made)


def test_c_store_is_refused_when_its_data_cannot_be_made_durable(faulty):
    s, faults = faulty
    client = s.session()
    made = a_study(1, 400)
    folder = tempfile.mkdtemp(prefix="tessera-faults-dimse-")
    path = os.path.join(folder, "one.dcm")
    with open(path, "wb") as f:
        f.write(made[0][1])
    send = ["storescu", "-v", "-aec", "TESSERA", "127.0.0.1", str(s.dicom_port), path]
    try:
        faults.set(("fsync", under(s, "incoming/")))
        sent = subprocess.run(send, capture_output=True, text=True, timeout=60)
        assert "Refused: OutOfResources" in sent.stdout + sent.stderr, sent.stdout + sent.stderr
        faults.set()
        assert_absent(client, s, made)
        sent = subprocess.run(send, capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0 and "Success" in sent.stdout + sent.stderr, sent.stderr
        eventually(lambda: listed_instances(client, s) == {made[0][0].SOPInstanceUID})
        # Stored with the server's own File Meta Information: the data set is the one sent.
        _, parts = retrieve(client, url_of(s, made[0][0]))
        stored = pydicom.dcmread(io.BytesIO(parts[0][1]))
        assert stored.SOPInstanceUID == made[0][0].SOPInstanceUID
        assert stored.PixelData == made[0][0].PixelData
    finally:
        shutil.rmtree(folder)


def test_blob_names_that_cannot_be_made_durable_keep_their_incoming_names(faulty):
    # The last step, off the acknowledgement's path: the fsync of the blob folders. While it
    # fails the instances are stored, listed and readable, their accepted names stay under
    # incoming/ (what the start-up recovery relinks from), and the log says the disk fails.
    s, faults = faulty
    client = s.session()
    faults.set(("fsync", under(s, "blobs")))
    made = a_study(2, 500)
    assert store(client, s, made).status_code == 200
    eventually(lambda: "new blob names could not be made durable" in s.log())
    assert "Input/output error" in s.log()
    assert sorted(os.listdir(os.path.join(s.data_dir, "incoming"))) == [
        "1.accepted", "2.accepted"]
    assert_readable(client, s, made)
    # Monitoring hears of the failing disk (for a while after the failure).
    assert health(s) == (503, {"status": "degraded", "problems": ["storage_error"]})
    faults.set()
    assert s.stop() == 0
    s.start()
    assert os.listdir(os.path.join(s.data_dir, "incoming")) == []
    assert_readable(s.session(), s, made)
    assert health(s) == (200, {"status": "ok"})


def blob_files(s):
    return sorted(name for _, _, names in os.walk(os.path.join(s.data_dir, "blobs"))
                  for name in names)


def test_deletes_and_replacements_go_through_when_old_files_cannot_be_removed(faulty):
    # Once its rows are gone a study is deleted, whatever the unlink of its files says next:
    # the client is told so (a failure would have it retry a delete that happened), and the
    # files go with the next removal or at the next start. The same for the blob an instance's
    # replacement leaves.
    s, faults = faulty
    client = s.session()
    deleted, kept = a_study(2, 800), a_study(1, 900)
    assert store(client, s, deleted + kept).status_code == 200
    faults.set(("unlink", under(s, "blobs/")))
    r = client.delete(f"{s.pacs}/studies/{deleted[0][0].StudyInstanceUID}")
    assert r.status_code == 204, r.text
    assert "the files of deleted instances could not be removed" in s.log()
    old = kept[0][0]
    new = make_instance(study_uid=old.StudyInstanceUID, series_uid=old.SeriesInstanceUID,
                        sop_uid=old.SOPInstanceUID, seed=901)
    assert store(client, s, [new]).status_code == 200
    assert_readable(client, s, [new])
    assert_absent(client, s, deleted)
    eventually(lambda: "the files of replaced or deleted instances could not be removed"
               in s.log())
    assert len(blob_files(s)) == 4  # nothing could be removed
    faults.set()
    assert s.stop() == 0
    s.start()
    client = s.session()
    assert len(blob_files(s)) == 1
    assert_readable(client, s, [new])
    assert_absent(client, s, deleted)


def test_a_start_that_cannot_finish_the_job_refuses_and_the_next_one_has_everything(faulty):
    s, faults = faulty
    client = s.session()
    made = a_study(2, 1000)
    faults.set(("fsync", under(s, "blobs")))
    assert store(client, s, made).status_code == 200
    eventually(lambda: "new blob names could not be made durable" in s.log())
    s.stop(sig=signal.SIGKILL)
    # Start-up relinks and fsyncs the blob names before it lets the incoming names go; it
    # cannot, so it does not start, and says why.
    log_before = len(s.log())
    s.start(wait=False)
    assert s.process.wait(timeout=30) != 0
    assert "Input/output error" in s.log()[log_before:]
    assert sorted(os.listdir(os.path.join(s.data_dir, "incoming"))) == [
        "1.accepted", "2.accepted"]
    faults.set()
    s.start()
    assert os.listdir(os.path.join(s.data_dir, "incoming")) == []
    assert_readable(s.session(), s, made)


def test_a_one_off_token_is_not_spent_when_its_use_cannot_be_recorded(faulty):
    # A one-off token must be recorded as used before an access token is handed out, or a
    # crash could let it be used twice: with the auth database's sync failing, no token.
    s, faults = faulty
    one_off = s.issue_token("editor")

    def exchange():
        return requests.post(s.url("/auth/generate-access-token"),
                             headers={"Authorization": f"Bearer {one_off}"}, verify=s.verify)

    faults.set(("fdatasync", under(s, "auth/auth.db")))
    r = exchange()
    assert r.status_code == 500 and "Authorization" not in r.headers, r.text
    assert "disk I/O error" in s.log()
    faults.set()
    r = exchange()
    assert r.status_code == 200 and r.headers["Authorization"].startswith("Bearer "), r.text
    r = exchange()  # spent now
    assert r.status_code == 403 and r.json() == {"message": "Invalid Token"}, r.text


def test_a_backup_that_cannot_be_made_durable_fails_saying_why(faulty):
    s, faults = faulty
    made = a_study(3, 1100)
    assert store(s.session(), s, made).status_code == 200
    target = os.path.join(tempfile.mkdtemp(prefix="tessera-faults-backup-"), "copy")
    command = [os.path.abspath(os.environ.get("TESSERA_BINARY", "tessera")), "backup",
               "--to", target, "--data", s.data_dir]
    env = dict(os.environ, LD_PRELOAD=LIBRARY, TESSERA_IO_FAULTS=faults.path)
    try:
        # The copied files, the backup's own index, its marker: each failure stops the backup.
        for fault in (("fsync", "/copy/"), ("fdatasync", "/copy/"), ("rename", "/copy/")):
            faults.set(fault)
            ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            assert ran.returncode != 0, ran.stdout
            assert "Input/output error" in ran.stderr, ran.stderr
        faults.set()
        ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert "Backed up 3 instance(s)" in ran.stdout
        copy = TesseraServer(data_dir=target).start()
        try:
            assert_readable(copy.session(), copy, made)
        finally:
            copy.stop()
    finally:
        shutil.rmtree(os.path.dirname(target), ignore_errors=True)
