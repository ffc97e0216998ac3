"""packaging/tessera.service, the systemd unit the README installs: systemd accepts it as it
is, it keeps its sandbox, and the command it runs serves a data folder nobody initialised,
keeping the admin password where the README says. (This machine's PID 1 is not systemd, so the
unit itself is not run; its system-call filter was checked once by hand, with the server under
strace through the integration suites.)"""
import configparser
import os
import shutil
import signal
import subprocess
import time

import requests

from tessera_harness import BINARY, free_ports

UNIT = os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "tessera.service")
INSTALLED_BINARY = "/usr/local/bin/tessera"


def service_section():
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNIT)
    return parser["Service"]


def test_systemd_accepts_the_unit(tmp_path):
    # scripts/install-deps.sh --with-test-tools installs systemd (Debian 12 has it anyway).
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing"
    with open(UNIT) as f:
        text = f.read()
    assert INSTALLED_BINARY in text
    # verify checks that ExecStart's program exists: point it at this build.
    unit = tmp_path / "tessera.service"
    unit.write_text(text.replace(INSTALLED_BINARY, os.path.abspath(BINARY)))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Warnings about the unit (unknown keys, bad values) name its file.
    assert str(unit) not in result.stdout + result.stderr, result.stderr


def test_the_unit_writes_only_its_state_directory_and_keeps_the_sandbox():
    service = service_section()
    assert service["User"] == "tessera"
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes"
    assert service["SystemCallFilter"] == "@system-service"
    assert service["CapabilityBoundingSet"] == ""
    program, *args = service["ExecStart"].split()
    assert program == INSTALLED_BINARY
    assert args[:3] == ["serve", "--data", "/var/lib/" + service["StateDirectory"]]


def test_the_units_command_serves_a_folder_nobody_initialised(tmp_path):
    _, *args = service_section()["ExecStart"].split()
    data = tmp_path / "var-lib-tessera"
    args[args.index("--data") + 1] = str(data)
    port, dicom_port = free_ports(2)
    # As under systemd: no terminal, so the admin password is kept in a file, not shown.
    log = open(tmp_path / "journal.log", "wb")
    process = subprocess.Popen(
        [os.path.abspath(BINARY), *args, "--listen", f"127.0.0.1:{port}",
         "--dicom-listen", f"127.0.0.1:{dicom_port}"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        certificate = data / "tls" / "server.crt"
        deadline = time.time() + 30
        health = None
        while time.time() < deadline and process.poll() is None:
            try:
                health = requests.get(f"https://127.0.0.1:{port}/zhiva/health",
                                      verify=str(certificate), timeout=2)
                break
            except (requests.RequestException, OSError):
                time.sleep(0.1)
        assert health is not None and health.status_code == 200, (
            (tmp_path / "journal.log").read_text())
        password = (data / "auth" / "initial-admin-password").read_text().strip()
        assert len(password) >= 12
        assert password not in (tmp_path / "journal.log").read_text(), "no secret in the journal"
        process.send_signal(signal.SIGTERM)  # systemctl stop
        assert process.wait(timeout=int(service_section()["TimeoutStopSec"])) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
