"""`tapmq tap` over TLS with each login mode of tapmqd (docs/security.md): password file,
anonymous, client certificate (the CN is the user name), JWT in the password field. In each, the
Tap connects with tapmq's TLS options (--cafile, --cert/--key, -u/-P) and answers a requester that
also speaks TLS. Certificates come from test_tls.py's Pki (openssl CLI).
"""

from __future__ import annotations

import subprocess
import time

import pytest

import tap_client as tc
from broker_proc import reserve_port
from tap_proc import tap_factory  # noqa: F401 (fixture)
from test_auth import hs256
from test_tls import pki, tls_listener  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "TAP0001"  # the CN of pki.client


def tls_broker(broker_factory, pki, *extra):
    port = reserve_port()
    b = broker_factory([*extra, *tls_listener(port, pki, *(e for e in extra if e.startswith("require_")
                                                            or e.startswith("use_identity")))])
    b.wait_log(rf"listen socket on port {port} \(TLS\)")
    b.tls_port = port
    return b


def run_tap_and_ask(b, tap_factory, pki, tap_conn: list[str], requester_auth: dict):
    tap = tap_factory(b, SERIAL, wait=False,
                      connection=["-h", "localhost", "-p", str(b.tls_port), "--cafile", str(pki.ca_crt), *tap_conn])
    tap.wait_log(f"{SERIAL}: connected to localhost:{b.tls_port}", timeout=20)
    r = tc.Requester(b.tls_port, SERIAL, version=5, host="localhost", ca_certs=str(pki.ca_crt), **requester_auth)
    try:
        assert r.get("/3//2") == (tc.CONTENT, SERIAL.encode())
        assert r.get("/1024//9") == (tc.CONTENT, b"Sensor_demo")
    finally:
        r.close()
    return tap


def passwd(path, user, password, create=False):
    subprocess.run(["mosquitto_passwd", *(["-c"] if create else []), "-b", str(path), user, password],
                   check=True, capture_output=True)


def test_tls_with_a_password_file(broker_factory, tap_factory, pki, tmp_path):
    pw = tmp_path / "passwords"
    passwd(pw, SERIAL, f"{SERIAL}_0000000000", create=True)
    passwd(pw, "cc", "control")
    b = tls_broker(broker_factory, pki, "allow_anonymous false", f"password_file {pw}")
    run_tap_and_ask(b, tap_factory, pki, ["-P", f"{SERIAL}_0000000000"], {"username": "cc", "password": "control"})


def test_tls_anonymous(broker_factory, tap_factory, pki):
    b = tls_broker(broker_factory, pki, "allow_anonymous true")
    run_tap_and_ask(b, tap_factory, pki, [], {})


def test_tls_client_certificate_is_the_login(broker_factory, tap_factory, pki):
    b = tls_broker(broker_factory, pki, "allow_anonymous false", "require_certificate true",
                   "use_identity_as_username true")
    crt, key = pki.client
    cc_crt, cc_key = pki.cc
    run_tap_and_ask(b, tap_factory, pki, ["--cert", str(crt), "--key", str(key)],
                    {"certfile": str(cc_crt), "keyfile": str(cc_key)})


def test_tls_jwt(broker_factory, tap_factory, pki, tmp_path):
    secret = tmp_path / "jwt.key"
    secret.write_text("k" * 40)
    b = tls_broker(broker_factory, pki, "allow_anonymous false", "auth_jwt_algorithm HS256",
                   f"auth_jwt_key_file {secret}")
    tap_token = hs256({"sub": SERIAL, "exp": int(time.time()) + 600}, b"k" * 40)
    cc_token = hs256({"sub": "CC01", "exp": int(time.time()) + 600}, b"k" * 40)
    run_tap_and_ask(b, tap_factory, pki, ["-P", tap_token], {"username": "cc", "password": cc_token})


def test_tls_wrong_ca_is_explained(broker_factory, tap_factory, pki, tmp_path):
    b = tls_broker(broker_factory, pki, "allow_anonymous true")
    other = tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "o.key"),
                    "-out", str(other), "-days", "2", "-subj", "/CN=other"], check=True, capture_output=True)
    tap = tap_factory(b, SERIAL, wait=False, connection=["-h", "localhost", "-p", str(b.tls_port),
                                                         "--cafile", str(other)])
    line = tap.wait_log("certificate verify failed", timeout=20)
    assert "--cafile" in line and "retrying in" in line
