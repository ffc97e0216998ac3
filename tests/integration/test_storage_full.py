"""A full disk, for real: the data folder on a small file system of its own (a tmpfs, so these
tests need permission to mount one and are skipped without it).

With the free space the archive keeps (`archive.min_free_mib`), stores are refused before the
disk fills: the server still starts, reads and deletes, and takes stores again once space is
freed. With none kept (or another program filling the disk), stores are refused with a clear
answer, everything acknowledged stays readable while the disk is full and afterwards, the server
catches up by itself once space is freed, and a start on a full disk says why it cannot."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from dicom_factory import make_instance
from tessera_harness import TesseraServer, first_value, instance_url, retrieve, stow


@pytest.fixture
def small_disk():
    mount_point = tempfile.mkdtemp(prefix="tessera-full-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m,mode=0700", "tmpfs",
                              mount_point], capture_output=True, text=True)
    if mounted.returncode != 0:
        os.rmdir(mount_point)
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", mount_point], check=False)
    os.rmdir(mount_point)


def small_disk_server(disk, min_free_mib):
    log_dir = tempfile.mkdtemp(prefix="tessera-full-log-")
    s = TesseraServer(data_dir=os.path.join(disk, "data"),
                      extra_env={"TESSERA_ARCHIVE_MIN_FREE_MIB": str(min_free_mib)})
    s.log_path = os.path.join(log_dir, "server.log")  # the log must not need the full disk
    s.init()
    yield s
    s.stop()
    shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture
def server_on_small_disk(small_disk):
    """Keeps no space free: the disk itself fills up."""
    yield from small_disk_server(small_disk, 0)


@pytest.fixture
def server_keeping_16_mib(small_disk):
    # Room for the index's log to grow as instances are deleted (SQLite keeps a WAL of up to
    # some 4 MB), and still free more than it takes.
    subprocess.run(["mount", "-o", "remount,size=48m", small_disk], check=True)
    yield from small_disk_server(small_disk, 16)


def free_mib(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize / (1 << 20)


def set_aside(disk, name):
    """Takes 1 MB of the disk in a file of its own, to be freed later; returns its path."""
    path = os.path.join(disk, name)
    with open(path, "wb") as f:
        f.write(os.urandom(1 << 20))
    return path


def fill_up(client, s, first_seed):
    """Stores new 128 KB instances until three are refused; returns (acknowledged, refusals)."""
    acknowledged, refusals = [], []
    for seed in range(first_seed, first_seed + 400):
        ds, data = make_instance(rows=256, columns=256, seed=seed)
        r = stow(client, s, [data])
        if r.status_code == 200:
            acknowledged.append((ds, data))
            continue
        refusals.append(r)
        if len(refusals) == 3:
            break
    return acknowledged, refusals


def assert_refused_as_full(r):
    # A part that could not be written at all fails the request; one that failed later is
    # listed as refused for lack of resources.
    if r.status_code == 507:
        assert "storage is full" in r.json()["message"], r.text
        return
    assert r.status_code == 409, r.text
    failed = r.json()["00081198"]["Value"]
    assert [first_value(item, "00081197") for item in failed] == [0xA700], r.text


def assert_all_there(client, s, acknowledged):
    for ds, data in acknowledged:
        url = instance_url(s, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert [d for _, d in retrieve(client, url)[1]] == [data], ds.SOPInstanceUID


def test_stores_stop_at_the_kept_free_space_and_the_server_goes_on(server_keeping_16_mib,
                                                                   small_disk):
    s = server_keeping_16_mib.start()
    client = s.session()
    acknowledged, refusals = fill_up(client, s, 0)
    assert acknowledged and len(refusals) == 3, [r.status_code for r in refusals]
    for r in refusals:  # refused before a byte is written, so the whole request
        assert r.status_code == 507, r.text
        assert "storage is full" in r.json()["message"], r.text
    assert "kept free (archive.min_free_mib)" in s.log()
    # The last store left at least the floor less one instance; nothing ran out.
    assert free_mib(small_disk) > 15.5
    assert "No space left on device" not in s.log()

    # C-STORE is refused the same way: out of resources.
    ds, data = make_instance(rows=256, columns=256, seed=500)
    path = os.path.join(tempfile.mkdtemp(prefix="tessera-full-dimse-"), "one.dcm")
    with open(path, "wb") as f:
        f.write(data)
    sent = subprocess.run(["storescu", "-v", "-aec", "TESSERA", "127.0.0.1", str(s.dicom_port),
                           path], capture_output=True, text=True, timeout=60)
    said = sent.stdout + sent.stderr
    assert "Refused: OutOfResources" in said, said
    shutil.rmtree(os.path.dirname(path))

    # A restart finds room even below the floor: the index opens, everything stored is
    # there, and the log says why stores are refused. (Stopping checkpoints and removes the
    # index's log, which frees space: a filler takes it back to 2 MiB.)
    assert s.stop() == 0
    filler = os.path.join(small_disk, "filler")
    with open(filler, "wb") as f:
        f.write(b"\1" * int((free_mib(small_disk) - 2) * (1 << 20)))
    log_before = len(s.log())
    s.start()
    client = s.session()
    assert "nothing more can be stored until space is freed" in s.log()[log_before:]
    assert_all_there(client, s, acknowledged)
    assert stow(client, s, [make_instance(seed=502)[1]]).status_code == 507
    os.remove(filler)

    # Deleting a study frees space, and stores are taken again.
    half = len(acknowledged) // 2
    for ds, _ in acknowledged[:half]:
        r = client.delete(f"{s.pacs}/studies/{ds.StudyInstanceUID}")
        assert r.status_code == 204, r.text
    ds, data = make_instance(rows=256, columns=256, seed=501)
    deadline = time.time() + 20
    while (r := stow(client, s, [data])).status_code != 200 and time.time() < deadline:
        time.sleep(0.2)  # the deleted files go once their deletion is durable
    assert r.status_code == 200, r.text
    assert_all_there(client, s, acknowledged[half:] + [(ds, data)])


def test_a_huge_upload_stops_at_the_kept_free_space(small_disk):
    # The floor is checked as a file grows, not only when it starts: one upload cannot take
    # the room it keeps. 200 MiB of disk, 100 kept, a 160 MiB part: refused at 128 MiB.
    subprocess.run(["mount", "-o", "remount,size=200m", small_disk], check=True)
    server = small_disk_server(small_disk, 100)
    s = next(server)
    try:
        s.start()
        client = s.session()
        before = free_mib(small_disk)
        r = stow(client, s, [b"\0" * (160 << 20)])
        assert r.status_code == 507, r.text
        assert "storage is full" in r.json()["message"], r.text
        assert free_mib(small_disk) > before - 1  # the part's file is gone
        ds, data = make_instance(rows=64, columns=64, seed=7)
        assert stow(client, s, [data]).status_code == 200
    finally:
        next(server, None)


def test_a_full_disk_refuses_stores_clearly_and_everything_stored_stays_readable(
        server_on_small_disk, small_disk):
    s = server_on_small_disk.start()
    client = s.session()
    filler = set_aside(small_disk, "filler")
    acknowledged, refusals = fill_up(client, s, 0)
    assert acknowledged and len(refusals) == 3, [r.status_code for r in refusals]
    for r in refusals:
        assert_refused_as_full(r)
    assert "storage full" in s.log() or "No space left on device" in s.log()

    # While full, reads answer from the index. When the index could not take the last
    # instances either, a query says how many it is missing, and their studies can be
    # neither read nor deleted (that would be in part) until it catches up.
    r = client.get(f"{s.pacs}/instances")
    assert r.status_code == 200, r.text
    listed = {first_value(m, "00080018") for m in r.json()}
    missing = [ds for ds, _ in acknowledged if ds.SOPInstanceUID not in listed]
    if missing:
        assert f"{len(missing)} stored instance(s) cannot be found yet" in r.headers["Warning"]
        study = missing[0].StudyInstanceUID
        for r in (client.get(f"{s.pacs}/studies/{study}/metadata"),
                  client.delete(f"{s.pacs}/studies/{study}")):
            assert r.status_code == 503, r.text
            assert "cannot be read or deleted until" in r.json()["message"]
    else:
        assert "Warning" not in r.headers
    assert_all_there(client, s, [(ds, data) for ds, data in acknowledged
                                 if ds.SOPInstanceUID in listed])

    # Space freed: the server takes stores again without a restart, and whatever was
    # acknowledged can be found (the index catches up within its retry second).
    os.remove(filler)
    ds, data = make_instance(rows=256, columns=256, seed=999)
    assert stow(client, s, [data]).status_code == 200
    acknowledged.append((ds, data))
    deadline = time.time() + 20
    while True:
        r = client.get(f"{s.pacs}/instances")
        assert r.status_code == 200, r.text
        if len(r.json()) == len(acknowledged) or time.time() > deadline:
            break
        time.sleep(0.2)
    assert {first_value(m, "00080018") for m in r.json()} == {
        ds.SOPInstanceUID for ds, _ in acknowledged}
    assert_all_there(client, s, acknowledged)
    assert client.delete(f"{s.pacs}/studies/{acknowledged[0][0].StudyInstanceUID}"
                         ).status_code == 204


def test_a_start_on_a_full_disk_says_why_and_the_next_one_has_everything(
        server_on_small_disk, small_disk):
    s = server_on_small_disk.start()
    client = s.session()
    reserve = set_aside(small_disk, "reserve")
    acknowledged, _ = fill_up(client, s, 1000)
    assert acknowledged
    assert s.stop() == 0
    # Whatever room is left goes too, so that start-up cannot write anything.
    filler = os.path.join(small_disk, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)

    log_before = len(s.log())
    s.start(wait=False)
    assert s.process.wait(timeout=30) != 0
    said = s.log()[log_before:]
    assert "No space left on device" in said or "disk is full" in said, said
    assert "free space there and start again" in said, said
    s.stop()

    os.remove(filler)
    os.remove(reserve)
    s.start()
    client = s.session()
    assert_all_there(client, s, acknowledged)
    r = client.get(f"{s.pacs}/instances")
    assert len(r.json()) == len(acknowledged)
