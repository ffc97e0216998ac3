"""GET <prefix>/health: what a monitoring system polls. Public, and it names problems only by
a word: full storage (the kept free space is gone) and an index that cannot be written."""
import os
import time

import requests

from dicom_factory import make_instance
from tessera_harness import TesseraServer, stow


def health(server):
    r = requests.get(server.url("/zhiva/health"), verify=server.verify, timeout=10)
    assert r.headers["Cache-Control"] == "no-store"
    return r.status_code, r.json()


def test_a_healthy_archive_says_ok_without_a_token():
    s = TesseraServer()
    s.init()
    s.start()
    try:
        assert health(s) == (200, {"status": "ok"})
    finally:
        s.cleanup()


def test_storage_below_the_kept_free_space_is_reported():
    s = TesseraServer(extra_env={"TESSERA_ARCHIVE_MIN_FREE_MIB": str(1 << 40)})
    s.init()
    s.start()
    try:
        assert health(s) == (503, {"status": "degraded", "problems": ["storage_full"]})
    finally:
        s.cleanup()


def test_an_index_that_cannot_be_written_is_reported_until_it_catches_up():
    s = TesseraServer()
    s.init()
    s.start()
    try:
        # A file where the first blob folder goes: the instance is stored (acknowledged,
        # kept under its incoming name), but the index cannot take it until the way is clear.
        obstacle = os.path.join(s.data_dir, "blobs", "0000")
        with open(obstacle, "w") as f:
            f.write("in the way")
        client = s.session()
        assert stow(client, s, [make_instance(seed=1)[1]]).status_code == 200
        deadline = time.time() + 10
        while (answer := health(s))[0] == 200 and time.time() < deadline:
            time.sleep(0.05)
        assert answer == (503, {"status": "degraded", "problems": ["index_behind"],
                                "unindexed": 1})

        os.remove(obstacle)
        deadline = time.time() + 20
        while (answer := health(s))[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        assert answer == (200, {"status": "ok"})
    finally:
        s.cleanup()
