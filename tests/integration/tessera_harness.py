"""Runs the real tessera binary for integration tests.

A TesseraServer owns a temporary data folder, initialises it with `tessera init`, starts
`tessera serve` on free loopback ports and stops it again. Tests talk to it with real clients
(requests over HTTPS verified against the server's own certificate, curl, DCMTK tools).
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

BINARY = os.environ.get("TESSERA_BINARY", "tessera")
PYDICOM_FILES = os.environ.get(
    "TESSERA_PYDICOM_TEST_FILES", "/usr/lib/python3/dist-packages/pydicom/data/test_files")
ADMIN_PASSWORD = "Admin-Passw0rd!"
USER_PASSWORD = "Us3r-Passw0rd!"


def free_ports(count):
    """`count` distinct loopback ports free right now. The sockets are held until all are
    chosen: one closed early may be handed out again, and two equal ports are refused by
    `tessera serve` as a configuration error."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                   for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def free_port():
    return free_ports(1)[0]


def run_cli(*args, data_dir, env=None, input_text=None, check=True, cwd=None):
    """Runs a tessera subcommand (in `cwd`, when given) and returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run([os.path.abspath(BINARY), *args, "--data", os.path.abspath(data_dir)],
                            env=full_env, input=input_text, capture_output=True, text=True,
                            timeout=120, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"tessera {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


class TesseraServer:
    """One tessera process with its own data folder."""

    def __init__(self, tls=True, auth=True, extra_env=None, extra_args=(), data_dir=None):
        self.owns_data = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="tessera-it-")
        self.tls = tls
        self.auth = auth
        self.extra_env = dict(extra_env or {})
        self.extra_args = list(extra_args)
        self.port, self.dicom_port = free_ports(2)
        self.process = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self._log = None
        self._token = None

    # --- lifecycle -------------------------------------------------------------------------

    def init(self, users=(("editor", True), ("reader", False))):
        """`tessera init`, then the given (username, can_edit) users, before the server starts
        (a running server picks up users added from the command line within seconds)."""
        run_cli("init", data_dir=self.data_dir, env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        for username, can_edit in users:
            self.add_user(username, can_edit)
        return self

    def add_user(self, username, can_edit=True, password=USER_PASSWORD):
        self.cli("user", "add", username, "--name", f"Test {username}",
                 "--can-edit" if can_edit else "--read-only",
                 env={"TESSERA_USER_PASSWORD": password})

    def start(self, wait=True):
        for attempt in range(3):
            log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            self._spawn()
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except AssertionError:
                # free_ports() finds ports free only when it looks: a test running in parallel
                # may bind one first. Then, and only then, the server gets fresh ports.
                if (attempt == 2 or self.process.poll() is None
                        or b"Address already in use" not in self._log_since(log_start)):
                    raise
                self.stop()
                self.port, self.dicom_port = free_ports(2)
        return self

    def _spawn(self):
        env = dict(os.environ)
        env.update(self.extra_env)
        if not self.auth:
            env["TESSERA_AUTH_ENABLED"] = "false"
        args = [BINARY, "serve", "--data", self.data_dir,
                "--listen", f"127.0.0.1:{self.port}",
                "--dicom-listen", f"127.0.0.1:{self.dicom_port}"]
        if not self.tls:
            args.append("--plain-http")
        args += self.extra_args
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tessera exited with {self.process.returncode}:\n{self.log()}")
            try:
                r = requests.get(self.url("/zhiva/app/config.json"), verify=self.verify, timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"tessera did not become ready:\n{self.log()}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        if self._log:
            self._log.close()
            self._log = None
        return code

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self.owns_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def peak_memory_mib(self):
        """The server process's peak resident memory so far (VmHWM), in MiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def _log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read()

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # --- addressing ------------------------------------------------------------------------

    @property
    def base(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def verify(self):
        """requests' `verify`: the server's own self-signed certificate (its SANs hold 127.0.0.1)."""
        if not self.tls:
            return True
        return os.path.join(self.data_dir, "tls", "server.crt")

    def url(self, path):
        return self.base + path

    @property
    def pacs(self):
        return self.base + "/zhiva/pacs"

    # --- tokens ----------------------------------------------------------------------------

    def cli(self, *args, **kwargs):
        return run_cli(*args, data_dir=self.data_dir, **kwargs)

    def issue_token(self, username="editor"):
        """A one-off token for an existing user (see init)."""
        out = self.cli("token", "issue", username).stdout
        return out.split()[0]

    def access_token(self, username="editor"):
        """An access token for `username`, through the real exchange endpoint."""
        one_off = self.issue_token(username)
        r = requests.post(self.url("/auth/generate-access-token"),
                          headers={"Authorization": f"Bearer {one_off}"}, verify=self.verify)
        assert r.status_code == 200, r.text
        return r.headers["Authorization"].split(" ", 1)[1]

    def session(self, username="editor"):
        """A requests.Session that sends an access token for `username` (none when auth is off)."""
        s = requests.Session()
        # Environment CA bundles (REQUESTS_CA_BUNDLE) would override `verify`; proxies must
        # not see loopback traffic either.
        s.trust_env = False
        s.verify = self.verify
        if self.auth:
            s.headers["Authorization"] = f"Bearer {self.access_token(username)}"
        return s


# --- DICOMweb helpers (used by the test_stow/qido/wado/... files) ------------------------

DICOM_ANY_SYNTAX = 'multipart/related; type="application/dicom"; transfer-syntax=*'


def pydicom_test_files(charset_files=True):
    """Paths of the real DICOM files shipped with pydicom (and its charset files)."""
    folders = [PYDICOM_FILES]
    if charset_files:
        folders.append(os.path.join(os.path.dirname(PYDICOM_FILES), "charset_files"))
    paths = []
    for folder in folders:
        paths += sorted(os.path.join(folder, name) for name in os.listdir(folder)
                        if name.endswith(".dcm"))
    return paths


def stow(session, server, blobs, study_uid=None, boundary="tessera-test-boundary"):
    """POSTs `blobs` (Part 10 bytes) as one STOW-RS request; returns the response."""
    from dicom_factory import multipart_related
    content_type, body = multipart_related(blobs, boundary=boundary)
    url = server.pacs + "/studies" + (f"/{study_uid}" if study_uid else "")
    return session.post(url, data=body, headers={"Content-Type": content_type})


def upload(session, server, data, content_type="application/dicom"):
    """POSTs one DICOM file (or a zip) to the upload endpoint; returns the response."""
    return session.post(server.url("/zhiva/instances"), data=data,
                        headers={"Content-Type": content_type})


def retrieve(session, url, accept=DICOM_ANY_SYNTAX, **kwargs):
    """GETs a multipart/related WADO-RS resource; returns (response, [(headers, bytes)])."""
    from dicom_factory import parse_multipart
    r = session.get(url, headers={"Accept": accept}, **kwargs)
    assert r.status_code == 200, f"{r.status_code} {r.text[:300]}"
    return r, parse_multipart(r.headers["Content-Type"], r.content)


def instance_url(server, study, series, instance):
    return f"{server.pacs}/studies/{study}/series/{series}/instances/{instance}"


def first_value(match, tag):
    """The first value of a DICOM JSON attribute, or None."""
    values = match.get(tag, {}).get("Value")
    return values[0] if values else None
