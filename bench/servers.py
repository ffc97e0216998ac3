"""The two servers under test, run as plain processes on free loopback ports.

TesseraServer: `tessera init` + `user add` in its own data folder, `tessera serve` with tokens
required (variant "auth", the product as shipped), the guard off ("noauth",
TESSERA_AUTH_ENABLED=false) or over HTTPS ("tls"); the client gets an access token through the
real exchange endpoint. OrthancServer: Debian's Orthanc with the DICOMweb plugin, a generated JSON
configuration that sets only folders, ports, the plugin and the DICOMweb root — every durability
setting stays at Orthanc's default (SyncStorageArea, no compression, SQLite index).
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

ADMIN_PASSWORD = "Bench-Adm1n-Passw0rd!"
ORTHANC_BINARY = "/usr/sbin/Orthanc"
ORTHANC_PLUGIN_GLOB = "/usr/lib/orthanc"

# Where wiped data folders wait until the run is over. Deleting thousands of files makes ext4
# (without a journal, as on the machine of RESULTS.md) skip the freed inodes for a minute or
# more when it allocates new ones (`recently_deleted`), so every file created just after a wipe
# pays a scan: up to 40 % of the next write workload's profile, for whichever server came next.
# Moving a folder aside frees nothing; the trash is emptied once, after the last workload, and
# the next run waits out the inodes that freed (wait_for_freed_inodes).
TRASH = None
# When a run last emptied its trash (any run on this machine: the file system is shared).
TRASH_EMPTIED_STAMP = os.path.join("/tmp", "tessera-bench-trash-emptied")
# How long ext4 skips a freed inode whose table block is still dirty (RECENTCY_DIRTY).
RECENTLY_DELETED_SECONDS = 300


def discard(path):
    """Removes `path`, or, while a run is on (TRASH set), moves it into the trash."""
    if not os.path.exists(path):
        return
    if TRASH is None:
        shutil.rmtree(path, ignore_errors=True)
        return
    os.makedirs(TRASH, exist_ok=True)
    os.rename(path, os.path.join(TRASH, f"{os.path.basename(path)}-{time.monotonic_ns()}"))


def empty_trash():
    if TRASH is not None and os.path.exists(TRASH):
        shutil.rmtree(TRASH, ignore_errors=True)
        with open(TRASH_EMPTIED_STAMP, "w"):
            pass


def wait_for_freed_inodes(log=print):
    """Sleeps until the inodes the last emptied trash freed are no longer 'recently deleted'.
    A write workload started sooner pays the scan described at TRASH: 1,187 against 2,014
    instances/s for one build in two rounds of one A/B run. Deletions by anything else are not
    tracked."""
    try:
        age = time.time() - os.path.getmtime(TRASH_EMPTIED_STAMP)
    except OSError:
        return
    if age < RECENTLY_DELETED_SECONDS:
        wait = RECENTLY_DELETED_SECONDS - age
        log(f"waiting {wait:.0f} s for the inodes of the last emptied trash to settle")
        time.sleep(wait)


_UNVERIFIED = ssl.create_default_context()
_UNVERIFIED.check_hostname = False
_UNVERIFIED.verify_mode = ssl.CERT_NONE
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                        urllib.request.HTTPSHandler(context=_UNVERIFIED))


def free_ports(count):
    """`count` distinct loopback ports free right now (the sockets are held until all are
    chosen, so no port is handed out twice)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
                   for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def free_port():
    return free_ports(1)[0]


def http_request(url, method="GET", headers=None, data=None, timeout=600):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def proc_status(pid):
    """VmRSS and VmHWM of a process, in MB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    return values


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (Linux clear_refs 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class Server:
    name = "server"

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.port, self.dicom_port = free_ports(2)
        self.process = None
        self.log_file = None

    # Overridden: scheme, dicomweb_root, ready_path, ae_title, headers(), _command()
    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    def _spawn(self, args, env):
        self.log_file = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.process = subprocess.Popen(args, env=env, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=300):
        """Seconds from now until the ready path answers 200."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see "
                                   f"{self.data_dir}/server.log")
            try:
                status, _, _ = http_request(self.url(self.ready_path), timeout=2)
                if status == 200:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} not ready after {timeout}s")

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def start(self):
        """Starts on the existing data folder and waits until it answers."""
        self._start()
        self.wait_ready()
        return self

    def restart(self):
        """Stops and starts again on the same data; returns seconds until ready."""
        self.stop()
        start = time.monotonic()
        self._start()
        self.wait_ready()
        return time.monotonic() - start

    def wipe(self):
        self.stop()
        discard(self.data_dir)


class TesseraServer(Server):
    name = "tessera"
    dicomweb_root = "/zhiva/pacs"
    ready_path = "/zhiva/app/config.json"
    ae_title = "TESSERA"

    def __init__(self, binary, data_dir, variant="auth"):
        super().__init__(data_dir)
        self.binary = binary
        self.variant = variant
        self.token = None

    @property
    def scheme(self):
        return "https" if self.variant == "tls" else "http"

    def _cli(self, *args, env=None):
        full_env = dict(os.environ, **(env or {}))
        result = subprocess.run([self.binary, *args, "--data", self.data_dir], env=full_env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"tessera {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    def create(self):
        """A fresh data folder with a user `bench` who may store; then start."""
        discard(self.data_dir)
        os.makedirs(self.data_dir)
        self._cli("init", env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        self._cli("user", "add", "bench", "--can-edit", "--name", "Benchmark")
        self._start()
        self.wait_ready()
        return self

    def set_variant(self, variant):
        """Restarts on the same data as another variant."""
        self.variant = variant
        self.token = None
        return self.restart()

    def _start(self):
        env = dict(os.environ)
        # A 2 GB STOW body must fit the upload limit (default 2000 MiB).
        env["TESSERA_HTTP_MAX_UPLOAD_MIB"] = "4096"
        # "All studies" returns every match at 100,000 and 1,000,000 studies too, as Orthanc
        # does (the default answer holds at most 100,000).
        env["TESSERA_ARCHIVE_MAX_QUERY_RESULTS"] = "0"
        if self.variant == "noauth":
            env["TESSERA_AUTH_ENABLED"] = "false"
        args = [self.binary, "serve", "--data", self.data_dir,
                "--listen", f"127.0.0.1:{self.port}",
                "--dicom-listen", f"127.0.0.1:{self.dicom_port}"]
        if self.variant != "tls":
            args.append("--plain-http")
        self._spawn(args, env)

    def headers(self):
        """Request headers the client sends: an access token unless the guard is off."""
        if self.variant == "noauth":
            return []
        if self.token is None:
            one_off = self._cli("token", "issue", "bench").split()[0]
            status, headers, body = http_request(
                self.url("/auth/generate-access-token"), method="POST",
                headers={"Authorization": f"Bearer {one_off}"}, data=b"")
            if status != 200:
                raise RuntimeError(f"token exchange failed: {status} {body[:200]!r}")
            self.token = headers["Authorization"].split(" ", 1)[1]
        return [f"Authorization: Bearer {self.token}"]

    def instance_count(self):
        """What the server answers, not what its index file holds: the rows of acknowledged
        instances are written within a moment, and a query waits for them."""
        headers = dict(h.split(": ", 1) for h in self.headers())
        status, _, body = http_request(
            self.url(f"{self.dicomweb_root}/studies?includefield=00201208"), headers=headers)
        if status == 204:
            return 0
        if status != 200:
            raise RuntimeError(f"counting instances failed: {status} {body[:200]!r}")
        return sum(study["00201208"]["Value"][0] for study in json.loads(body))

    def label(self):
        return {"auth": "tessera", "noauth": "tessera-noauth", "tls": "tessera-tls"}[self.variant]


class OrthancServer(Server):
    name = "orthanc"
    scheme = "http"
    dicomweb_root = "/dicom-web"
    ready_path = "/system"
    ae_title = "ORTHANC"

    def __init__(self, data_dir, plugin):
        super().__init__(data_dir)
        self.plugin = plugin
        self.config_path = os.path.join(data_dir, "orthanc.json")

    def create(self):
        discard(self.data_dir)
        os.makedirs(self.data_dir)
        config = {
            "Name": "bench",
            "StorageDirectory": os.path.join(self.data_dir, "storage"),
            "IndexDirectory": os.path.join(self.data_dir, "index"),
            "HttpPort": self.port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.ae_title,
            "Plugins": [self.plugin],
            "RemoteAccessAllowed": True,
            "AuthenticationEnabled": False,
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
        }
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self._start()
        self.wait_ready()
        return self

    def _start(self):
        # Debian's DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1 is in the
        # environment; the reference Orthanc C-STORE figure was measured with it. Tessera
        # runs as shipped (no such variable).
        self._spawn([ORTHANC_BINARY, self.config_path], dict(os.environ, TCP_NODELAY="1"))

    def headers(self):
        return []

    def instance_count(self):
        _, _, body = http_request(self.url("/statistics"))
        return json.loads(body)["CountInstances"]

    def label(self):
        return "orthanc"


def find_orthanc_plugin():
    for name in sorted(os.listdir(ORTHANC_PLUGIN_GLOB)):
        if name.startswith("libOrthancDicomWeb.so"):
            return os.path.join(ORTHANC_PLUGIN_GLOB, name)
    raise RuntimeError("Orthanc's DICOMweb plugin is missing: run bench/install.sh")
