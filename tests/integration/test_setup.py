"""Setting up a data folder with the real binary: what `tessera init` (and a first `serve`)
writes and with which permissions, what `init --force` keeps, and how passwords given through
the environment are read."""
import os
import stat
import subprocess
import tomllib

import requests

from dicom_factory import make_instance
from tessera_harness import ADMIN_PASSWORD, TesseraServer, run_cli, stow


def others_may_access(path):
    return os.stat(path).st_mode & stat.S_IRWXO != 0


def config_of(server):
    with open(os.path.join(server.data_dir, "tessera.toml"), "rb") as f:
        return tomllib.load(f)


def test_the_data_folder_and_the_index_are_closed_to_other_users():
    server = TesseraServer().init()
    try:
        # As an earlier version, or a hand-made folder, left them.
        os.chmod(server.data_dir, 0o755)
        for name, mode in (("tessera.toml", 0o644), ("tls", 0o755),
                           (os.path.join("tls", "server.key"), 0o644),
                           (os.path.join("auth", "auth.db"), 0o644)):
            os.chmod(os.path.join(server.data_dir, name), mode)
        server.start()
        _, data = make_instance(seed=31)
        assert stow(server.session(), server, [data]).status_code == 200
        server.stop()
        assert not others_may_access(server.data_dir)
        for name in ("index.db", "index.db-wal", "tessera.toml", "blobs", "auth", "tls",
                     os.path.join("tls", "server.key"), os.path.join("auth", "auth.db")):
            path = os.path.join(server.data_dir, name)
            if os.path.exists(path):
                assert not others_may_access(path), name
    finally:
        server.cleanup()


def test_init_writes_the_folder_settings_not_this_runs_overrides():
    server = TesseraServer()
    try:
        run_cli("init", data_dir=server.data_dir, env={
            "TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD, "TESSERA_AUTH_ENABLED": "false",
            "TESSERA_HTTP_LISTEN": "127.0.0.1:1"})
        written = config_of(server)
        assert written["auth"]["enabled"] is True
        assert written["http"]["listen"] == "0.0.0.0:8443"
    finally:
        server.cleanup()


def test_init_force_keeps_the_modalities_and_refuses_while_served():
    server = TesseraServer().init()
    try:
        with open(os.path.join(server.data_dir, "tessera.toml"), "a") as f:
            f.write('\n[[dicom.modalities]]\nae_title = "CT1"\nhost = "10.0.0.5"\nport = 104\n'
                    'allow = ["echo", "store"]\n')
        server.start()
        busy = run_cli("init", "--force", data_dir=server.data_dir, check=False,
                       env={"TESSERA_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
        assert busy.returncode != 0
        assert "in use by a running server" in busy.stderr
        # The running server still signs with the keys it has, and they still work.
        assert server.session().get(server.pacs + "/studies").status_code in (200, 204)
        server.stop()

        run_cli("init", "--force", "--jwt-algorithm", "ES256", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
        modalities = config_of(server)["dicom"]["modalities"]
        assert modalities == [{"ae_title": "CT1", "host": "10.0.0.5", "port": 104, "tls": False,
                               "allow": ["echo", "store"]}]
        assert config_of(server)["auth"]["algorithm"] == "ES256"
    finally:
        server.cleanup()


def test_init_force_leaves_a_file_it_would_not_change_alone():
    server = TesseraServer()
    try:
        run_cli("init", "--jwt-algorithm", "ES256", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        settings = os.path.join(server.data_dir, "tessera.toml")
        with open(settings, "a") as f:
            f.write("# the radiology PACS, set up by IT\n")
        with open(settings, "rb") as f:
            before = f.read()
        # No --jwt-algorithm: the folder's ES256 stays, and so does the file, comment and all.
        run_cli("init", "--force", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
        with open(settings, "rb") as f:
            assert f.read() == before
        server.start()
        jwks = requests.get(server.url("/auth/.well-known/jwks.json"), verify=server.verify)
        assert [key["kty"] for key in jwks.json()["keys"]] == ["EC"], jwks.text
    finally:
        server.cleanup()


def test_a_password_from_the_environment_loses_its_line_break():
    server = TesseraServer().init()
    try:
        server.add_user("nora", password="N0ra-Passw0rd!\n")
        server.start()
        r = requests.post(server.url("/auth/sign-user"),
                          json={"username": "nora", "password": "N0ra-Passw0rd!"},
                          verify=server.verify)
        assert r.status_code == 200, r.text
        # Inside a password, a control character is refused, not counted as "special".
        weak = run_cli("user", "add", "tab", data_dir=server.data_dir, check=False,
                       env={"TESSERA_USER_PASSWORD": "passw0rd\tx"})
        assert weak.returncode != 0 and "control characters" in weak.stderr
    finally:
        server.cleanup()


def test_an_init_that_stops_half_way_can_be_run_again():
    server = TesseraServer()
    try:
        # A weak password is refused before anything is written.
        weak = run_cli("init", data_dir=server.data_dir, check=False,
                       env={"TESSERA_ADMIN_PASSWORD": "short"})
        assert weak.returncode != 0
        assert sorted(os.listdir(server.data_dir)) == []
        # The certificate's folder cannot be made: nothing that marks the folder as set up
        # (the auth files) or fixes its settings (tessera.toml) is left behind.
        blocker = os.path.join(server.data_dir, "tls")
        open(blocker, "w").close()
        blocked = run_cli("init", data_dir=server.data_dir, check=False,
                          env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert blocked.returncode != 0
        assert "cannot create " + blocker in blocked.stderr
        assert sorted(os.listdir(server.data_dir)) == ["tls"]
        os.remove(blocker)
        server.init()  # again, without --force
        server.start()
        assert server.session().get(server.pacs + "/studies").status_code in (200, 204)
    finally:
        server.cleanup()


def test_init_refuses_a_certificate_a_server_could_not_use(tmp_path):
    server = TesseraServer()
    try:
        junk = tmp_path / "junk.pem"
        junk.write_text("not a certificate\n")
        refused = run_cli("init", "--certificate", str(junk), "--private-key", str(junk),
                          data_dir=server.data_dir, check=False,
                          env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert refused.returncode == 2
        assert "cannot load TLS certificate " + str(junk) in refused.stderr
        # A real certificate with another certificate's key.
        for name in ("a", "b"):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name,
                            "-keyout", str(tmp_path / f"{name}.key"),
                            "-out", str(tmp_path / f"{name}.crt"), "-days", "1"],
                           check=True, capture_output=True)
        mismatched = run_cli("init", "--certificate", str(tmp_path / "a.crt"),
                             "--private-key", str(tmp_path / "b.key"),
                             data_dir=server.data_dir, check=False,
                             env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert mismatched.returncode == 2
        assert f"{tmp_path / 'b.key'} does not match certificate" in mismatched.stderr
        assert sorted(os.listdir(server.data_dir)) == []
        run_cli("init", "--certificate", str(tmp_path / "a.crt"),
                "--private-key", str(tmp_path / "a.key"), data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        # --force replaces what init made, never the admin's own certificate.
        run_cli("init", "--force", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
        assert (tmp_path / "a.crt").exists() and (tmp_path / "a.key").exists()
    finally:
        server.cleanup()


def test_init_subject_that_names_the_host_is_one_of_the_certificates_names():
    server = TesseraServer()
    try:
        run_cli("init", "--subject", "pacs.hospital.lan", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        names = subprocess.run(
            ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
             os.path.join(server.data_dir, "tls", "server.crt")],
            check=True, capture_output=True, text=True).stdout
        assert "DNS:pacs.hospital.lan" in names and "DNS:localhost" in names, names
    finally:
        server.cleanup()


def test_init_with_a_settings_file_elsewhere_writes_none_and_says_how_to_serve(tmp_path):
    server = TesseraServer(data_dir=str(tmp_path / "data with spaces"))
    try:
        custom = tmp_path / "custom.toml"
        custom.write_text('[dicom]\nae_title = "FROMCFG"\n')
        done = run_cli("init", "--config", str(custom), data_dir=server.data_dir,
                       env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert not os.path.exists(os.path.join(server.data_dir, "tessera.toml"))
        assert (f"tessera serve --data '{server.data_dir}' --config {custom}"
                in done.stdout), done.stdout
        # Nothing would record another algorithm than the file's.
        other = run_cli("init", "--force", "--config", str(custom), "--jwt-algorithm", "ES256",
                        data_dir=server.data_dir, check=False,
                        env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert other.returncode == 2 and 'set auth.algorithm = "ES256"' in other.stderr
        added = run_cli("user", "add", "editor", "--config", str(custom),
                        data_dir=server.data_dir)
        assert (f"tessera token issue --data '{server.data_dir}' --config {custom} editor"
                in added.stdout), added.stdout
    finally:
        server.cleanup()


def test_the_command_line_names_what_it_did_not_understand():
    server = TesseraServer().init()
    try:
        typo = run_cli("user", "lst", data_dir=server.data_dir, check=False)
        assert typo.returncode == 2
        assert "unknown command 'lst'; the commands are: add, list" in typo.stderr
        bad_name = run_cli("user", "add", "two words", data_dir=server.data_dir, check=False)
        assert bad_name.returncode == 2
        assert "without spaces, control or invisible characters" in bad_name.stderr
    finally:
        server.cleanup()


def test_a_first_start_logging_to_a_file_keeps_the_password_out_of_the_log():
    server = TesseraServer(tls=False)  # never initialised: its first start sets it up
    try:
        server.start()
        kept = os.path.join(server.data_dir, "auth", "initial-admin-password")
        assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
        with open(kept) as f:
            password = f.read().strip()
        assert password and password not in server.log()
        assert kept in server.log()
        r = requests.post(server.url("/auth/generate-token"), verify=server.verify, json={
            "name": "First", "username": "first", "canEditResource": False,
            "password": password, "createUserIfNotExists": True})
        assert r.status_code == 200, r.text
        run_cli("admin-password", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
        assert not os.path.exists(kept)
        # A new set-up over it leaves no stale first password behind either.
        server.stop()
        with open(kept, "w") as f:
            f.write("stale\n")
        run_cli("init", "--force", data_dir=server.data_dir,
                env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        assert not os.path.exists(kept)
    finally:
        server.cleanup()
