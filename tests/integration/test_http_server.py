"""The HTTPS server of the real binary, seen by real clients: keep-alive, TLS versions, header
and body limits, streamed uploads in bounded memory, CORS, Cross-Origin-Resource-Policy, gzip,
HEAD, token-free access logs and graceful shutdown."""
import gzip
import http.client
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests

import dicom_factory as factory
from dicom_factory import make_instance, multipart_related
from tessera_harness import TesseraServer, instance_url, retrieve, stow

VIEWER = "https://viewer.zhiva.ai"


def tls_context(server, minimum=None, maximum=None, legacy=False):
    context = ssl.create_default_context(cafile=server.verify)
    if legacy:
        # Let the client offer TLS 1.0/1.1, so that a refusal can only come from the server.
        context.set_ciphers("DEFAULT@SECLEVEL=0")
    if minimum:
        context.minimum_version = minimum
    if maximum:
        context.maximum_version = maximum
    return context


def connection(server, **kwargs):
    return http.client.HTTPSConnection("127.0.0.1", server.port, timeout=30,
                                       context=tls_context(server, **kwargs))


def bearer(server):
    return {"Authorization": f"Bearer {server.access_token('editor')}"}


@pytest.fixture(scope="module")
def stored(server, client):
    """Ten instances in one study, so that study JSON is worth compressing."""
    study = factory.uid()
    made = [make_instance(study_uid=study, instance_number=i, seed=i) for i in range(1, 11)]
    assert stow(client, server, [data for _, data in made]).status_code == 200
    return study, made


# --- connections and TLS ----------------------------------------------------------------


def test_keep_alive_serves_several_requests_on_one_connection(server, stored):
    conn = connection(server)
    headers = bearer(server)
    sockets = set()
    for path in ("/zhiva/pacs/studies", f"/zhiva/pacs/studies/{stored[0]}/metadata",
                 "/zhiva/app/config.json", "/zhiva/pacs/studies/1.2.3.4/metadata"):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status in (200, 404), path
        assert response.getheader("Connection", "").lower() != "close"
        sockets.add(id(conn.sock))
    assert len(sockets) == 1
    conn.close()


@pytest.mark.parametrize("version,name", [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                                          (ssl.TLSVersion.TLSv1_3, "TLSv1.3")],
                         ids=["TLSv1.2", "TLSv1.3"])
def test_tls_1_2_and_1_3_are_served(server, version, name):
    conn = connection(server, minimum=version, maximum=version)
    conn.request("GET", "/zhiva/app/config.json")
    assert conn.getresponse().status == 200
    assert conn.sock.version() == name
    conn.close()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1],
                         ids=["TLSv1.0", "TLSv1.1"])
def test_tls_1_0_and_1_1_are_refused(server, version):
    # The same legacy-enabled client reaches TLS 1.2, so the refusal is the server's.
    control = connection(server, minimum=version, maximum=ssl.TLSVersion.TLSv1_2, legacy=True)
    control.request("GET", "/zhiva/app/config.json")
    assert control.getresponse().status == 200
    control.close()
    conn = connection(server, minimum=version, maximum=version, legacy=True)
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        conn.request("GET", "/zhiva/app/config.json")
        conn.getresponse()
    conn.close()


def test_curl_with_tls_max_1_1_fails(server):
    url = server.url("/zhiva/app/config.json")
    ok = subprocess.run(["curl", "-sS", "--cacert", server.verify, "-o", "/dev/null", url],
                        capture_output=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(["curl", "-sS", "--cacert", server.verify, "--tlsv1.0",
                              "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "-o",
                              "/dev/null", url], capture_output=True, timeout=30)
    assert refused.returncode != 0


def test_oversized_headers_are_431(server):
    conn = connection(server)
    conn.putrequest("GET", "/zhiva/pacs/studies")
    conn.putheader("X-Padding", "a" * (100 * 1024))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 431
    assert b"message" in response.read()
    conn.close()
    # The server is still there.
    assert requests.get(server.url("/zhiva/app/config.json"), verify=server.verify).ok


# --- body limits and streaming ----------------------------------------------------------


@pytest.fixture(scope="module")
def small_server():
    s = TesseraServer(extra_env={"TESSERA_HTTP_MAX_UPLOAD_MIB": "1"}).init().start()
    yield s
    s.cleanup()


def test_bodies_over_the_limit_are_413(small_server):
    client = small_server.session()
    _, big = make_instance(rows=600, columns=1000)  # 1.2 MB of pixels
    r = stow(client, small_server, [big])
    assert r.status_code == 413 and r.json()["message"]
    content_type, body = multipart_related([big])

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    r = client.post(small_server.pacs + "/studies", data=chunks(),
                    headers={"Content-Type": content_type})
    assert r.status_code == 413 and r.json()["message"]
    ds, small = make_instance()
    assert stow(client, small_server, [small]).status_code == 200


class StreamedMultipart:
    """A multipart/related body of `count` generated instances, produced while it is sent
    (with a Content-Length) so that neither side holds it whole."""

    def __init__(self, study, count, rows, columns, boundary="streamed-boundary"):
        self.boundary = boundary
        self.study, self.count, self.rows, self.columns = study, count, rows, columns
        self.series = self._uid(0)
        self.instance_size = len(self._instance(1)[1])  # all the same: fixed-length UIDs
        self.part_head = f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
        self.length = count * (len(self.part_head) + self.instance_size + 2) + len(
            f"--{boundary}--\r\n")
        self.chunk = memoryview(b"")  # the part being sent, from `offset` on
        self.offset = 0
        self.produced = 0
        self.sops = []

    def __len__(self):
        return self.length

    def read(self, size=-1):
        if self.offset == len(self.chunk):
            if self.produced > self.count:
                return b""
            self.chunk, self.offset = memoryview(self._next()), 0
        end = len(self.chunk) if size < 0 else min(len(self.chunk), self.offset + size)
        out = self.chunk[self.offset:end].tobytes()
        self.offset = end
        return out

    @staticmethod
    def _uid(n):
        return f"{factory.UID_ROOT}.77.{10 ** 9 + n}"

    def _instance(self, n):
        return make_instance(study_uid=self.study, series_uid=self.series, sop_uid=self._uid(n),
                             instance_number=1000 + n, rows=self.rows, columns=self.columns, seed=n)

    def _next(self):
        self.produced += 1
        if self.produced > self.count:
            return f"--{self.boundary}--\r\n".encode()
        ds, data = self._instance(self.produced)
        assert len(data) == self.instance_size
        self.sops.append(ds.SOPInstanceUID)
        return self.part_head + data + b"\r\n"


def test_a_300_mb_upload_streams_in_bounded_memory():
    s = TesseraServer().init().start()
    try:
        client = s.session()
        study = f"{factory.UID_ROOT}.78.1"
        body = StreamedMultipart(study, count=150, rows=1024, columns=1024)
        assert len(body) > 300 * 10 ** 6
        r = client.post(s.pacs + "/studies", data=body, timeout=600, headers={
            "Content-Type": f"multipart/related; type=\"application/dicom\"; "
                            f"boundary={body.boundary}"})
        assert r.status_code == 200, r.text[:500]
        assert len(r.json()["00081199"]["Value"]) == 150
        peak = s.peak_memory_mib()
        assert peak < 200, f"server peak RSS {peak:.0f} MiB for a 300 MB upload"
        counts = client.get(s.pacs + "/studies", params={"StudyInstanceUID": study}).json()
        assert counts[0]["00201208"]["Value"] == [150]
        # Retrieval streams too.
        r = client.get(f"{s.pacs}/studies/{study}", stream=True,
                       headers={"Accept": "multipart/related; type=application/dicom"})
        received = sum(len(chunk) for chunk in r.iter_content(1 << 20))
        assert received > 300 * 10 ** 6
        assert s.peak_memory_mib() < 200
    finally:
        s.cleanup()


# --- CORS -------------------------------------------------------------------------------


def test_cors_for_an_allowed_origin(server, client, stored):
    r = client.get(server.pacs + "/studies", headers={"Origin": VIEWER})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == VIEWER
    exposed = [h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")]
    assert "authorization" in exposed
    assert "origin" in r.headers["Vary"].lower()


@pytest.mark.parametrize("origin", [VIEWER, "https://app.zhiva.ai", "http://localhost:3000",
                                    "https://localhost:8443"])
def test_preflight_needs_no_token(server, origin):
    r = requests.options(server.pacs + "/studies", verify=server.verify, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code in (200, 204), r.text
    assert r.headers["Access-Control-Allow-Origin"] == origin
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()


def test_cors_headers_on_errors(server, client):
    r = requests.get(server.pacs + "/studies", headers={"Origin": VIEWER}, verify=server.verify)
    assert r.status_code == 401
    assert r.headers["Access-Control-Allow-Origin"] == VIEWER
    assert "authorization" in r.headers["Access-Control-Expose-Headers"].lower()
    r = client.get(server.pacs + "/studies/1.2.3.4/metadata", headers={"Origin": VIEWER})
    assert r.status_code == 404
    assert r.headers["Access-Control-Allow-Origin"] == VIEWER


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://viewer.zhiva.ai",
                                    "https://zhiva.ai.evil.com", "https://evilzhiva.ai", "null"])
def test_unknown_origins_are_refused(server, client, origin):
    r = client.get(server.pacs + "/studies", headers={"Origin": origin})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    r = requests.options(server.pacs + "/studies", verify=server.verify, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers


def test_same_origin_needs_no_cors(server, client):
    r = client.get(server.pacs + "/studies", headers={"Origin": server.base})
    assert r.status_code == 200


def test_cross_origin_resource_policy_everywhere(server, client, stored):
    study, made = stored
    ds = made[0][0]
    responses = [
        client.get(server.pacs + "/studies"),
        client.get(server.pacs + "/studies/1.2.3.4/metadata"),
        client.get(instance_url(server, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)),
        client.get(instance_url(server, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
                   + "/rendered"),
        requests.get(server.url("/zhiva/app/config.json"), verify=server.verify),
        requests.get(server.pacs + "/studies", verify=server.verify),
    ]
    for r in responses:
        assert r.headers["Cross-Origin-Resource-Policy"] == "cross-origin", r.url


# --- encoding and methods ---------------------------------------------------------------


def test_json_is_gzipped_when_the_client_accepts_it(server, stored):
    study = stored[0]
    conn = connection(server)
    headers = bearer(server)
    for path in ("/zhiva/pacs/instances?includefield=all", f"/zhiva/pacs/studies/{study}/metadata"):
        conn.request("GET", path, headers={**headers, "Accept-Encoding": "identity"})
        plain = conn.getresponse()
        plain_body = plain.read()
        assert plain.getheader("Content-Encoding") is None
        conn.request("GET", path, headers={**headers, "Accept-Encoding": "gzip, deflate"})
        packed = conn.getresponse()
        packed_body = packed.read()
        assert packed.getheader("Content-Encoding") == "gzip", path
        assert "accept-encoding" in packed.getheader("Vary", "").lower()
        assert int(packed.getheader("Content-Length")) == len(packed_body) < len(plain_body)
        assert gzip.decompress(packed_body) == plain_body
    # DICOM is not compressed.
    conn.request("GET", f"/zhiva/pacs/studies/{study}",
                 headers={**headers, "Accept-Encoding": "gzip"})
    dicom = conn.getresponse()
    dicom.read()
    assert dicom.status == 200 and dicom.getheader("Content-Encoding") is None
    conn.close()


def test_head_answers_headers_only(server, client, stored):
    study, made = stored
    ds = made[0][0]
    for url in (server.pacs + "/studies",
                instance_url(server, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)):
        get = client.get(url, headers={"Accept-Encoding": "identity"})
        head = client.head(url, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200 and head.content == b""
        media_type = get.headers["Content-Type"].split(";")[0]
        assert head.headers["Content-Type"].split(";")[0] == media_type
        assert head.headers["Content-Length"] == str(len(get.content))
    r = client.head(server.pacs + "/studies/1.2.3.4/metadata")
    assert r.status_code == 404 and r.content == b""


def test_access_log_never_holds_a_token(server, stored):
    token = server.access_token("editor")
    r = requests.get(server.pacs + f"/studies?token={token}&limit=5", verify=server.verify)
    assert r.status_code == 200
    r = requests.get(server.pacs + f"/studies?limit=5&access_token={token}", verify=server.verify)
    assert r.status_code in (200, 401)
    r = requests.get(server.pacs + "/studies", verify=server.verify,
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    deadline = time.time() + 5
    while "token=***" not in server.log() and time.time() < deadline:
        time.sleep(0.05)
    log = server.log()
    assert "token=***" in log
    assert token not in log
    assert token.split(".")[2] not in log  # not even the signature


# --- shutdown ---------------------------------------------------------------------------


def test_sigterm_lets_a_request_in_flight_complete():
    s = TesseraServer().init().start()
    try:
        client = s.session()
        ds, data = make_instance(rows=256, columns=256)
        content_type, body = multipart_related([data])
        started = threading.Event()
        result = {}

        def slow_body():
            step = len(body) // 10 + 1
            for i, start in enumerate(range(0, len(body), step)):
                yield body[start:start + step]
                if i == 0:
                    started.set()
                time.sleep(0.15)

        def send():
            try:
                result["response"] = client.post(s.pacs + "/studies", data=slow_body(),
                                                 headers={"Content-Type": content_type},
                                                 timeout=60)
            except requests.RequestException as error:
                result["error"] = error

        sender = threading.Thread(target=send)
        sender.start()
        assert started.wait(30)
        time.sleep(0.2)
        s.process.send_signal(signal.SIGTERM)
        sender.join(60)
        assert "error" not in result, result.get("error")
        assert result["response"].status_code == 200, result["response"].text
        assert s.process.wait(timeout=40) == 0
        assert "shutting down" in s.log()
        s.stop()
        # The instance acknowledged during shutdown is there after a restart.
        s.start()
        url = instance_url(s, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        _, parts = retrieve(s.session(), url)
        assert parts[0][1] == data
    finally:
        s.cleanup()


def test_sigterm_on_an_idle_server_exits_cleanly_and_promptly():
    s = TesseraServer().init().start()
    try:
        # An idle keep-alive connection must not hold the shutdown up.
        idle = socket.create_connection(("127.0.0.1", s.port))
        wrapped = tls_context(s).wrap_socket(idle, server_hostname="127.0.0.1")
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(timeout=20) == 0
        wrapped.close()
        s.stop()
    finally:
        s.cleanup()
