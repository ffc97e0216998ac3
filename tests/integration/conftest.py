import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from tessera_harness import TesseraServer  # noqa: E402


@pytest.fixture(scope="module")
def server():
    """A TLS server with auth on, shared by the tests of one module."""
    s = TesseraServer().init().start()
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def client(server):
    """A requests.Session with an editor's access token."""
    return server.session("editor")


@pytest.fixture(scope="module")
def reader(server):
    """A requests.Session with a read-only user's access token."""
    return server.session("reader")
