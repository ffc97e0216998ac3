"""Built-in authentication against the real binary over HTTPS: the zhiva-compatible token flow,
the guard, CORS on /auth, the admin API, the command line and persistence across restarts."""
import base64
import http.client
import ssl
import concurrent.futures
import json
import time
import urllib.parse

import pytest
import requests

from tessera_harness import ADMIN_PASSWORD, TesseraServer

USER_PASSWORD = "Us3r-Passw0rd!"
VIEWER = "https://viewer.zhiva.ai"


def payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def header(token):
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def generate_token(server, username, can_edit=False, create=True, user_password=None,
                   admin_password=ADMIN_PASSWORD):
    body = {"name": f"Name of {username}", "username": username, "canEditResource": can_edit,
            "password": admin_password}
    if create:
        body["createUserIfNotExists"] = True
    if user_password:
        body["userPassword"] = user_password
    return requests.post(server.url("/auth/generate-token"), json=body, verify=server.verify)


def exchange(server, one_off, origin=None):
    headers = bearer(one_off)
    if origin:
        headers["Origin"] = origin
    r = requests.post(server.url("/auth/generate-access-token"), headers=headers,
                      verify=server.verify)
    assert r.status_code == 200, r.text
    return r.headers["Authorization"].split(" ", 1)[1], r.text


def login(server, username, can_edit=False, origin=None):
    r = generate_token(server, username, can_edit)
    assert r.status_code == 200, r.text
    return exchange(server, r.json()["token"], origin)


# A guarded archive route whose handler answers 404 for a study that is not stored: 404 means
# the guard let the request through, 401/403 that it did not.
PROBE = "/studies/1.2.840.99999.1/metadata"
THROUGH = 404


def studies(server, token=None, method="GET", **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers.update(bearer(token))
    return requests.request(method, server.pacs + PROBE, headers=headers,
                            verify=server.verify, **kwargs)


def wait_until(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_zhiva_token_flow(server):
    r = generate_token(server, "alice", can_edit=False, create=False)
    assert r.status_code == 400 and r.json() == {"message": "User doesn't exists"}

    r = generate_token(server, "alice", can_edit=False)
    assert r.status_code == 200, r.text
    one_off = r.json()["token"]
    claims = payload(one_off)
    assert claims["username"] == "alice" and claims["canEditResource"] is False
    assert claims["tokenServer"] == server.url("/auth/generate-access-token")
    assert claims["refreshServer"] == server.url("/auth/refresh-token")
    assert claims["pacs"] == server.pacs
    assert header(one_off)["alg"] == "RS256"

    assert generate_token(server, "alice", create=False).json() == {"message": "User already exists"}

    # The unspent one-off token opens the archive (a viewer given only the token).
    assert studies(server, one_off).status_code == THROUGH

    access, refresh = exchange(server, one_off)
    assert payload(access)["tokenType"] == "access"
    assert payload(refresh)["tokenType"] == "refresh"
    assert payload(refresh)["exp"] - payload(refresh)["iat"] == 30 * 24 * 3600

    # Spent now: neither exchangeable again nor usable on the archive.
    again = requests.post(server.url("/auth/generate-access-token"), headers=bearer(one_off),
                          verify=server.verify)
    assert again.status_code == 403 and again.json() == {"message": "Invalid Token"}
    assert studies(server, one_off).status_code == 403

    assert studies(server, access).status_code == THROUGH
    r = requests.post(server.url("/auth/refresh-token"), headers=bearer(refresh),
                      verify=server.verify)
    assert r.status_code == 200
    new_access = r.headers["Authorization"].split(" ", 1)[1]
    assert studies(server, new_access).status_code == THROUGH

    r = requests.get(server.url("/auth/verify"), headers=bearer(new_access), verify=server.verify)
    assert r.status_code == 200
    assert r.json() == {"username": "alice", "name": "Name of alice", "canEditResource": False}


def test_the_pages_settings_say_whether_sign_in_is_required(server):
    settings = requests.get(server.url("/zhiva/app/config.json"), verify=server.verify).json()
    assert settings["authRequired"] is True
    assert requests.get(server.url("/auth/config.json"),
                        verify=server.verify).json()["authRequired"] is True
    open_server = TesseraServer(tls=False, auth=False).init().start()
    try:
        assert requests.get(open_server.url("/zhiva/app/config.json")).json()[
            "authRequired"] is False
    finally:
        open_server.cleanup()


def test_guard_refusals(server):
    access, refresh = login(server, "reader", can_edit=False)
    r = studies(server)
    assert r.status_code == 401 and r.json() == {"message": "Missing Token"}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = studies(server, "garbage")
    assert r.status_code == 403 and r.json() == {"message": "Invalid Token"}
    assert studies(server, refresh).status_code == 403  # a refresh token is not an access token
    # The token may also come as a header named token or a query parameter.
    assert studies(server, headers={"token": access}).status_code == THROUGH
    r = requests.get(server.pacs + PROBE + "?token=" + urllib.parse.quote(access),
                     verify=server.verify)
    assert r.status_code == THROUGH
    # Read-only users may not change anything.
    r = requests.delete(server.pacs + "/studies/1.2.3.4", headers=bearer(access),
                        verify=server.verify)
    assert r.status_code == 403 and r.json() == {"message": "Unauthorized"}


def test_tokens_never_reach_the_log(server):
    access, _ = login(server, "logcheck")
    requests.get(server.pacs + PROBE + "?token=" + access, verify=server.verify)
    studies(server, access)
    assert wait_until(lambda: "metadata?token=***" in server.log(), timeout=5), server.log()[-2000:]
    assert access not in server.log()
    assert access.split(".")[2] not in server.log()


def test_the_log_names_who_asked_and_whose_sign_in_failed(server):
    access, _ = login(server, "auditee", can_edit=True)
    gone = "/studies/1.2.840.99999.2"
    r = requests.delete(server.pacs + gone, headers=bearer(access), verify=server.verify)
    assert r.status_code == 404
    assert studies(server).status_code == 401
    line = '127.0.0.1 auditee "DELETE /zhiva/pacs' + gone + '" 404'
    assert wait_until(lambda: line in server.log(), timeout=5), server.log()[-2000:]
    assert '127.0.0.1 - "GET /zhiva/pacs' + PROBE + '" 401' in server.log()
    # A known user's failed sign-in is named; an unknown name (perhaps a password typed
    # in the wrong field) is not written down.
    for username in ("auditee", "Secret-in-the-wrong-field1"):
        r = requests.post(server.url("/auth/sign-user"),
                          json={"username": username, "password": "Wr0ng-password!"},
                          verify=server.verify)
        assert r.status_code == 400
    assert wait_until(lambda: "failed sign-in as an unknown user" in server.log(), timeout=5)
    assert "failed sign-in as auditee from 127.0.0.1" in server.log()
    assert "Secret-in-the-wrong-field1" not in server.log()


def test_jwks_verifies_tokens(server):
    jwt = pytest.importorskip("jwt")
    r = requests.get(server.url("/auth/.well-known/jwks.json"), verify=server.verify)
    assert r.status_code == 200
    keys = r.json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and "d" not in keys[0]
    access, _ = login(server, "jwks-user")
    assert header(access)["kid"] == keys[0]["kid"]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(keys[0]))
    claims = jwt.decode(access, key, algorithms=["RS256"], issuer="tessera",
                        options={"verify_aud": False})
    assert claims["username"] == "jwks-user"


def test_cors_on_auth_endpoints(server):
    r = generate_token(server, "corsuser")
    one_off = r.json()["token"]
    # A viewer on an allowed origin exchanges the token and can read the Authorization header.
    r = requests.post(server.url("/auth/generate-access-token"),
                      headers={**bearer(one_off), "Origin": VIEWER}, verify=server.verify)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == VIEWER
    assert "authorization" in r.headers["Access-Control-Expose-Headers"].lower()
    access = r.headers["Authorization"].split(" ", 1)[1]
    assert payload(access)["aud"] == VIEWER
    # Bound to the viewer: usable from it, not from another allowed origin.
    assert studies(server, access, headers={"Origin": VIEWER}).status_code == THROUGH
    assert studies(server, access, headers={"Origin": "https://other.zhiva.ai"}).status_code == 403
    # Preflight and refusal of unknown origins.
    r = requests.options(server.url("/auth/generate-access-token"),
                         headers={"Origin": VIEWER, "Access-Control-Request-Method": "POST",
                                  "Access-Control-Request-Headers": "authorization"},
                         verify=server.verify)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == VIEWER
    r = requests.post(server.url("/auth/refresh-token"),
                      headers={"Origin": "https://evil.example"}, verify=server.verify)
    assert r.status_code == 403 and r.json() == {"message": "Origin not allowed"}


def test_sign_in(server):
    assert generate_token(server, "signer", user_password=USER_PASSWORD).status_code == 200
    page = requests.get(server.url("/auth/sign-in"),
                        params={"return_uri": VIEWER + "/callback", "response_type": "{}"},
                        verify=server.verify)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    evil = requests.get(server.url("/auth/sign-in"), params={"return_uri": "https://evil.example/"},
                        verify=server.verify)
    assert evil.status_code == 400
    # A browser drops tabs and newlines and trims spaces: each of these would
    # become "//evil.example", a stranger's site.
    for sneaky in ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
                   " //evil.example", "/\\evil.example"]:
        r = requests.get(server.url("/auth/sign-in"), params={"return_uri": sneaky},
                         verify=server.verify)
        assert r.status_code == 400, repr(sneaky)
    page = requests.get(server.url("/auth/sign-in"), params={"return_uri": "/zhiva/app/"},
                        verify=server.verify)
    assert page.status_code == 200

    r = requests.post(server.url("/auth/sign-user"),
                      json={"username": "signer", "password": "Wr0ng-password", "referer": VIEWER},
                      verify=server.verify)
    assert r.status_code == 400 and r.json() == {"message": "Invalid data"}
    r = requests.post(server.url("/auth/sign-user"),
                      json={"username": "signer", "password": USER_PASSWORD, "referer": VIEWER + "/"},
                      verify=server.verify)
    assert r.status_code == 200, r.text
    one_off = r.json()["token"]
    assert payload(one_off)["aud"] == VIEWER
    access, _ = exchange(server, one_off, origin=VIEWER)
    assert studies(server, access, headers={"Origin": VIEWER}).status_code == THROUGH


def test_pages_are_public_and_self_contained(server):
    page = requests.get(server.url("/auth/token"), verify=server.verify)
    assert page.status_code == 200
    assert "<script>" not in page.text  # CSP 'self': no inline script


def test_admin_api(server):
    access, _ = login(server, "managed", can_edit=False)
    admin = {"password": ADMIN_PASSWORD}
    r = requests.post(server.url("/auth/admin/users"), json=admin, verify=server.verify)
    assert r.status_code == 200
    users = {u["username"]: u for u in r.json()}
    assert users["managed"]["canEditResource"] is False
    assert users["managed"]["lastLogin"].endswith("Z")

    r = requests.post(server.url("/auth/admin/set-permission"),
                      json={**admin, "username": "managed", "canEditResource": True},
                      verify=server.verify)
    assert r.status_code == 200 and r.json() == {}
    assert studies(server, access).status_code == 403  # issued before the change

    access, _ = login(server, "managed", can_edit=True)
    assert requests.post(server.url("/auth/admin/revoke-user"),
                         json={**admin, "username": "managed"}, verify=server.verify).status_code == 200
    assert studies(server, access).status_code == 403

    r = requests.post(server.url("/auth/admin/delete-user"), json={**admin, "username": "ghost"},
                      verify=server.verify)
    assert r.status_code == 400 and r.json() == {"message": "User doesn't exists"}
    assert requests.post(server.url("/auth/admin/delete-user"),
                         json={**admin, "username": "managed"}, verify=server.verify).status_code == 200
    r = requests.post(server.url("/auth/admin/users"), json=admin, verify=server.verify)
    assert "managed" not in {u["username"] for u in r.json()}


def test_revoke_own_token(server):
    access, refresh = login(server, "leaver")
    r = requests.post(server.url("/auth/revoke"), headers=bearer(access), verify=server.verify)
    assert r.status_code == 200
    assert studies(server, access).status_code == 403
    r = requests.post(server.url("/auth/revoke"), headers=bearer(refresh), verify=server.verify)
    assert r.status_code == 200
    assert requests.post(server.url("/auth/refresh-token"), headers=bearer(refresh),
                         verify=server.verify).status_code == 403


def test_command_line_changes_reach_the_running_server(server):
    server.cli("user", "add", "cliuser", "--name", "CLI User", "--read-only",
               env={"TESSERA_USER_PASSWORD": USER_PASSWORD})
    listing = server.cli("user", "list").stdout
    assert "cliuser" in listing and "CLI User" in listing
    out = server.cli("token", "issue", "cliuser").stdout.split()
    token, link = out[0], out[1]
    # The running server's own address and port, which the command line was not told.
    assert link == server.url("/auth/oauth?token=" + token)
    access, _ = exchange(server, token)
    assert studies(server, access).status_code == THROUGH

    server.cli("user", "set-permission", "cliuser", "--can-edit")
    assert wait_until(lambda: studies(server, access).status_code == 403)

    token = server.cli("token", "issue", "cliuser").stdout.split()[0]
    access, _ = exchange(server, token)
    r = requests.get(server.url("/auth/verify"), headers=bearer(access), verify=server.verify)
    assert r.json()["canEditResource"] is True
    server.cli("user", "remove", "cliuser")
    assert wait_until(lambda: studies(server, access).status_code == 403)


def test_admin_password_reset_needs_no_restart(server):
    new_password = "N3w-Admin-Passw0rd!"
    server.cli("admin-password", env={"TESSERA_ADMIN_PASSWORD": new_password})
    try:
        assert generate_token(server, "x1").json() == {"message": "Invalid admin password"}
        assert generate_token(server, "x1", admin_password=new_password).status_code == 200
    finally:
        server.cli("admin-password", env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})


def test_state_survives_restart():
    s = TesseraServer().init().start()
    try:
        spent = generate_token(s, "persist").json()["token"]
        access, _ = exchange(s, spent)
        revoked, _ = login(s, "persist")
        assert requests.post(s.url("/auth/revoke"), headers=bearer(revoked),
                             verify=s.verify).status_code == 200
        s.restart()
        assert studies(s, access).status_code == THROUGH  # same key, same user
        assert studies(s, revoked).status_code == 403
        r = requests.post(s.url("/auth/generate-access-token"), headers=bearer(spent), verify=s.verify)
        assert r.status_code == 403
    finally:
        s.cleanup()


def test_wrong_admin_passwords_are_rate_limited():
    s = TesseraServer().init().start()
    try:
        statuses = [generate_token(s, "y", admin_password="Wr0ng-pass!").status_code
                    for _ in range(10)]
        assert statuses == [400] * 10
        r = generate_token(s, "y")  # even the right password waits now
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
    finally:
        s.cleanup()


def test_a_sign_in_does_not_reset_guesses_at_the_admin_password():
    s = TesseraServer().init().start()
    try:
        assert generate_token(s, "known", user_password=USER_PASSWORD).status_code == 200
        wrong = [generate_token(s, "z", admin_password="Wr0ng-pass!").status_code
                 for _ in range(9)]
        assert wrong == [400] * 9
        # The guesser signs in to an account it knows; its nine guesses still count.
        r = requests.post(s.url("/auth/sign-user"),
                          json={"username": "known", "password": USER_PASSWORD}, verify=s.verify)
        assert r.status_code == 200, r.text
        assert generate_token(s, "z", admin_password="Wr0ng-pass!").status_code == 400
        assert generate_token(s, "z", admin_password="Wr0ng-pass!").status_code == 429
    finally:
        s.cleanup()


def sign_in_as(server, password, forwarded_for):
    return requests.post(server.url("/auth/sign-user"), verify=server.verify,
                         json={"username": "known", "password": password},
                         headers={"X-Forwarded-For": forwarded_for}).status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_sign_in_limit():
    s = TesseraServer(extra_env={"TESSERA_HTTP_TRUSTED_PROXIES": "127.0.0.1"}).init().start()
    try:
        assert generate_token(s, "known", user_password=USER_PASSWORD).status_code == 200
        # The proxy appends the address it saw to what the client sent.
        guesser = "198.51.100.7, 203.0.113.5"
        assert [sign_in_as(s, "Wr0ng-pass!", guesser) for _ in range(10)] == [400] * 10
        assert sign_in_as(s, USER_PASSWORD, guesser) == 429
        assert sign_in_as(s, USER_PASSWORD, "198.51.100.7, 203.0.113.6") == 200
        deadline = time.time() + 5  # the access log line follows the answer
        while "203.0.113.6 " not in s.log() and time.time() < deadline:
            time.sleep(0.05)
        assert "203.0.113.6 " in s.log()  # the access log names the client
        # A proxy may add its own line rather than extend the client's: all lines count.
        context = ssl.create_default_context(cafile=s.verify)
        conn = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=30, context=context)
        conn.putrequest("POST", "/auth/sign-user")
        body = json.dumps({"username": "known", "password": USER_PASSWORD}).encode()
        for header, value in (("Content-Type", "application/json"),
                              ("Content-Length", str(len(body))),
                              ("X-Forwarded-For", "203.0.113.77"),
                              ("X-Forwarded-For", "203.0.113.5")):
            conn.putheader(header, value)
        conn.endheaders(body)
        assert conn.getresponse().status == 429, "the forged first line must not count"
        conn.close()
    finally:
        s.cleanup()


def test_guesses_from_many_addresses_are_limited_per_account():
    s = TesseraServer(extra_env={"TESSERA_HTTP_TRUSTED_PROXIES": "127.0.0.1"}).init().start()
    try:
        assert generate_token(s, "known", user_password=USER_PASSWORD).status_code == 200
        # The owner signs in from their workstation (the one-off exchanged from there too)...
        owner = {"X-Forwarded-For": "198.51.100.1"}
        r = requests.post(s.url("/auth/sign-user"), verify=s.verify, headers=owner,
                          json={"username": "known", "password": USER_PASSWORD})
        assert r.status_code == 200, r.text
        r = requests.post(s.url("/auth/generate-access-token"), verify=s.verify,
                          headers={**owner, **bearer(r.json()["token"])})
        assert r.status_code == 200, r.text
        s.restart()  # ...which auth.db remembers
        guesses = [sign_in_as(s, "Wr0ng-pass!", f"203.0.113.{n}") for n in range(1, 31)]
        assert guesses == [400] * 30
        r = requests.post(s.url("/auth/sign-user"), verify=s.verify,
                          json={"username": "known", "password": USER_PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.200"})
        assert r.status_code == 429, "a new address waits, even with the password"
        assert int(r.headers["Retry-After"]) > 0
        assert sign_in_as(s, USER_PASSWORD, "198.51.100.1") == 200, "the owner is not locked out"
        # Other accounts are not held up.
        assert generate_token(s, "other", user_password=USER_PASSWORD).status_code == 200
        r = requests.post(s.url("/auth/sign-user"), verify=s.verify,
                          json={"username": "other", "password": USER_PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.201"})
        assert r.status_code == 200, r.text
    finally:
        s.cleanup()


def test_guesses_at_the_admin_password_from_many_addresses_do_not_lock_the_admin_out():
    s = TesseraServer(extra_env={"TESSERA_HTTP_TRUSTED_PROXIES": "127.0.0.1"}).init().start()
    try:
        def as_admin(password, forwarded_for):
            body = {"name": "Name of x", "username": "x", "canEditResource": False,
                    "password": password, "createUserIfNotExists": True}
            return requests.post(s.url("/auth/generate-token"), json=body, verify=s.verify,
                                 headers={"X-Forwarded-For": forwarded_for}).status_code
        guesses = [as_admin("Wr0ng-pass!", f"203.0.113.{n}") for n in range(1, 41)]
        assert guesses == [400] * 40
        assert as_admin(ADMIN_PASSWORD, "198.51.100.77") == 200
    finally:
        s.cleanup()


def test_a_forwarded_for_header_from_anyone_else_is_ignored():
    s = TesseraServer().init().start()
    try:
        assert generate_token(s, "known", user_password=USER_PASSWORD).status_code == 200
        guesses = [sign_in_as(s, "Wr0ng-pass!", f"203.0.113.{n}") for n in range(10)]
        assert guesses == [400] * 10
        assert sign_in_as(s, USER_PASSWORD, "203.0.113.99") == 429  # still one client
    finally:
        s.cleanup()


def test_parallel_guesses_do_not_overtake_the_limit():
    s = TesseraServer().init().start()
    try:
        def guess(_):
            return generate_token(s, "p", admin_password="Wr0ng-pass!").status_code
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(guess, range(40)))
        assert statuses.count(400) == 10 and statuses.count(429) == 30, statuses
    finally:
        s.cleanup()


def test_es256_set_up():
    s = TesseraServer()
    s.cli("init", "--jwt-algorithm", "ES256", env={"TESSERA_ADMIN_PASSWORD": ADMIN_PASSWORD})
    s.extra_env["TESSERA_AUTH_ALGORITHM"] = "ES256"
    s.start()
    try:
        access, _ = login(s, "ecuser")
        assert header(access)["alg"] == "ES256"
        assert studies(s, access).status_code == THROUGH
        keys = requests.get(s.url("/auth/.well-known/jwks.json"), verify=s.verify).json()["keys"]
        assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256"
    finally:
        s.cleanup()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header_fields, claims, sign):
    """A compact JWS from a header, claims and a signing function over the signing input."""
    signing_input = (b64url(json.dumps(header_fields).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    return signing_input + "." + b64url(sign(signing_input.encode()))


def test_forged_and_expired_tokens_are_refused(server):
    jwt = pytest.importorskip("jwt")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    import hashlib
    import hmac
    import os

    access, _ = login(server, "forged", can_edit=False)
    claims, head = payload(access), header(access)
    with open(os.path.join(server.data_dir, "auth", "signing-key.pem"), "rb") as f:
        real_key = f.read()

    def signed_with(key, changed_claims, algorithm="RS256"):
        return jwt.encode({**claims, **changed_claims}, key, algorithm=algorithm,
                          headers={"kid": head["kid"]})

    # The forging itself is sound: the same claims signed with the real key pass the guard.
    assert studies(server, signed_with(real_key, {})).status_code == THROUGH

    now = int(time.time())
    r = studies(server, signed_with(real_key, {"iat": now - 7200, "exp": now - 3600}))
    assert r.status_code == 401 and r.json() == {"message": "Token Expired"}

    wrong_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "alg none": forge({"alg": "none", "typ": "JWT", "kid": head["kid"]}, claims,
                          lambda _: b""),
        "payload tampered": ".".join([access.split(".")[0],
                                      b64url(json.dumps({**claims, "canEditResource": True})
                                             .encode()),
                                      access.split(".")[2]]),
        "wrong key": signed_with(wrong_key, {}),
        "wrong issuer": signed_with(real_key, {"iss": "someone-else"}),
    }
    public_pem = serialization.load_pem_private_key(real_key, None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    refused["HMAC with the public key"] = forge(
        {"alg": "HS256", "typ": "JWT", "kid": head["kid"]}, claims,
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())
    for what, token in refused.items():
        r = studies(server, token)
        assert r.status_code == 403 and r.json() == {"message": "Invalid Token"}, what


def test_read_only_users_cannot_store(server):
    access, _ = login(server, "looker", can_edit=False)
    boundary = "ro-boundary"
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode() + b"DICM" + \
        f"\r\n--{boundary}--\r\n".encode()
    r = requests.post(server.pacs + "/studies", data=body, verify=server.verify,
                      headers={**bearer(access), "Content-Type":
                               f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert r.status_code == 403 and r.json() == {"message": "Unauthorized"}
    r = requests.post(server.url("/zhiva/instances"), data=b"DICM", verify=server.verify,
                      headers={**bearer(access), "Content-Type": "application/dicom"})
    assert r.status_code == 403


def test_weak_user_passwords_are_refused(server):
    for weak in ("short1!A", "alllowercase1!", "NoDigits!!", "NoSpecial123", "Sh0rt!"):
        r = generate_token(server, "weakling", user_password=weak)
        if weak == "short1!A":  # 8 characters with every class: strong enough
            assert r.status_code == 200, r.text
            continue
        assert r.status_code == 400 and "8" in r.json()["message"], weak
    r = requests.post(server.url("/auth/sign-user"),
                      json={"username": "weakling", "password": "short1!A", "referer": VIEWER},
                      verify=server.verify)
    assert r.status_code == 200
