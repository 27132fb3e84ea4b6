"""TLS and WebSocket listeners with real certificates (made here with the openssl CLI).

Covers: handshake with mosquitto_pub --cafile/--cert/--key, the certificates-only login mode
(require_certificate + use_identity_as_username) with the certificate's CN driving the ACL file end to
end, SCRAM-SHA-256 enhanced authentication over TLS, expired and untrusted client certificates refused,
TLS 1.1 refused, certificate reload on SIGHUP while an existing connection keeps working, and MQTT
over WebSocket and WebSocket over TLS with Paho.
"""

from __future__ import annotations

import shutil
import signal
import ssl
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as paho
import pytest

import mqtt_codec as m
import scram_client as sc
from broker_proc import reserve_port
from raw_client import RawClient

pytestmark = pytest.mark.mosquitto_skip("TLS tests start listeners with tapmqd paths")


def run(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kw)


class Pki:
    """A CA, a server certificate for localhost and client certificates, under one directory."""

    def __init__(self, root: Path, name: str = "ca"):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.ca_key = root / f"{name}.key"
        self.ca_crt = root / f"{name}.crt"
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(self.ca_key),
            "-out", str(self.ca_crt), "-days", "2", "-subj", f"/CN={name}")

    def issue(self, name: str, cn: str, days: int = 2) -> tuple[Path, Path]:
        key, csr, crt = (self.root / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", f"/CN={cn}")
        run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(self.ca_crt), "-CAkey", str(self.ca_key),
            "-CAcreateserial", "-out", str(crt), "-days", str(days))
        return crt, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    p = Pki(root)
    p.server = p.issue("server", "localhost")
    p.client = p.issue("client", "TAP0001")
    p.cc = p.issue("cc", "CC01")
    p.expired = p.issue("expired", "TAP0002", days=-1)
    other = Pki(root / "other", "other-ca")
    p.untrusted = other.issue("untrusted", "TAP0003")
    return p


def tls_listener(port: int, pki: Pki, *extra: str) -> list[str]:
    crt, key = pki.server
    return [f"listener {port} 127.0.0.1", f"certfile {crt}", f"keyfile {key}", f"cafile {pki.ca_crt}", *extra]


@pytest.fixture
def cert_only_broker(broker_factory, pki):
    """Plain listener for anonymous checks, plus a TLS listener where the certificate is the login."""
    port = reserve_port()
    b = broker_factory(["allow_anonymous false",
                        *tls_listener(port, pki, "require_certificate true", "use_identity_as_username true")])
    b.wait_log(rf"listen socket on port {port} \(TLS\)")
    b.tls_port = port
    return b


def mosquitto_pub(port: int, pki: Pki, *extra: str, topic="t/tls", message="hello") -> subprocess.CompletedProcess:
    return subprocess.run(["mosquitto_pub", "-h", "localhost", "-p", str(port), "--cafile", str(pki.ca_crt),
                           "-t", topic, "-m", message, "-q", "1", *extra],
                          capture_output=True, text=True, timeout=15)


def test_certificate_is_the_login(cert_only_broker, pki):
    """require_certificate + use_identity_as_username: no password, the CN is the user name."""
    crt, key = pki.client
    r = mosquitto_pub(cert_only_broker.tls_port, pki, "--cert", str(crt), "--key", str(key), "-i", "dev1")
    assert r.returncode == 0, r.stderr
    cert_only_broker.wait_log(r"as dev1 \(.*u'TAP0001'\)")


def test_no_client_certificate_refused(cert_only_broker, pki):
    r = mosquitto_pub(cert_only_broker.tls_port, pki)
    assert r.returncode != 0
    cert_only_broker.wait_log(r"tls handshake with 127\.0\.0\.1:\d+ failed")


def test_expired_client_certificate_refused(cert_only_broker, pki):
    crt, key = pki.expired
    r = mosquitto_pub(cert_only_broker.tls_port, pki, "--cert", str(crt), "--key", str(key))
    assert r.returncode != 0
    cert_only_broker.wait_log(r"handshake with .* failed: .*(expired|certificate)")


def test_untrusted_client_certificate_refused(cert_only_broker, pki):
    crt, key = pki.untrusted
    r = mosquitto_pub(cert_only_broker.tls_port, pki, "--cert", str(crt), "--key", str(key))
    assert r.returncode != 0
    cert_only_broker.wait_log(r"handshake with .* failed")


def test_tls_1_1_refused_1_2_accepted(cert_only_broker, pki):
    crt, key = pki.client
    for version, accepted in (("-tls1_1", False), ("-tls1_2", True)):
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{cert_only_broker.tls_port}", version,
                            "-CAfile", str(pki.ca_crt), "-cert", str(crt), "-key", str(key)],
                           input="", capture_output=True, text=True, timeout=15)
        negotiated = f"Protocol  : TLSv1.{version[-1]}" in r.stdout and "Cipher is (NONE)" not in r.stdout
        assert negotiated == accepted, (version, r.stdout[-800:], r.stderr[-800:])


def test_anonymous_plain_listener_refused(cert_only_broker, raw):
    raw(5, target=cert_only_broker).connect("anon", expect_rc=0x87)  # not authorized


# ------------------------------------------------------------------ certificate CN and the ACL file

CN_ACL = """\
user TAP0001
topic readwrite IOTIZE_DEV/TAP0001_DEV/#

user CC01
topic read IOTIZE_DEV/#
"""


def tls_raw(port: int, pki: Pki, cert: tuple[Path, Path] | None, version: int = 5) -> RawClient:
    """A raw MQTT client over TLS (the socket is wrapped before any MQTT byte)."""
    c = RawClient(port, version)
    ctx = ssl.create_default_context(cafile=str(pki.ca_crt))
    if cert is not None:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
    return c


@pytest.fixture
def cn_acl_broker(broker_factory, pki, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text(CN_ACL)
    port = reserve_port()
    b = broker_factory(["allow_anonymous false", f"acl_file {acl}",
                        *tls_listener(port, pki, "require_certificate true", "use_identity_as_username true")])
    b.wait_log(rf"listen socket on port {port} \(TLS\)")
    b.tls_port = port
    yield b
    for c in getattr(b, "clients", []):
        c.close()


def cn_client(b, pki, cert, client_id, version=5) -> RawClient:
    c = tls_raw(b.tls_port, pki, cert, version)
    b.__dict__.setdefault("clients", []).append(c)
    c.connect(client_id)
    return c


@pytest.mark.parametrize("version,refused", [(5, 0x87), (4, 0x80)])
def test_certificate_cn_drives_the_acl(cn_acl_broker, pki, version, refused):
    """The CN TAP0001 is the ACL user: its own topics work, another Tap's are refused, and what it
    publishes there reaches nobody."""
    b = cn_acl_broker
    cc = cn_client(b, pki, pki.cc, "cc", version=5)
    cc.subscribe(("IOTIZE_DEV/#", 1))
    tap = cn_client(b, pki, pki.client, "tap1", version)
    b.wait_log(r"as tap1 \(.*u'TAP0001'\)")
    tap.subscribe(("IOTIZE_DEV/TAP0001_DEV/#", 1), ("IOTIZE_DEV/TAP0002_DEV/#", 1), ("other/#", 1),
                  expect_rcs=[1, refused, refused])
    pid = tap.publish("IOTIZE_DEV/TAP0002_DEV/cmd", b"not mine", qos=1, wait=False)
    ack = tap.wait_for(m.PUBACK, pid)
    if version == 5:
        assert ack.rc == 0x87
    tap.publish("IOTIZE_DEV/TAP0001_DEV/status", b"mine", qos=1)
    tap.expect_publish("IOTIZE_DEV/TAP0001_DEV/status", b"mine")
    # In order on cc's connection: the refused message would have come first.
    cc.expect_publish("IOTIZE_DEV/TAP0001_DEV/status", b"mine")


def test_second_certificate_has_other_rights(cn_acl_broker, pki):
    """CC01 may read every Tap's topics but write none."""
    b = cn_acl_broker
    cc = cn_client(b, pki, pki.cc, "cc")
    b.wait_log(r"as cc \(.*u'CC01'\)")
    cc.subscribe(("IOTIZE_DEV/#", 1), ("other/#", 1), expect_rcs=[1, 0x87])
    tap = cn_client(b, pki, pki.client, "tap1")
    tap.subscribe(("IOTIZE_DEV/TAP0001_DEV/#", 1))
    pid = cc.publish("IOTIZE_DEV/TAP0001_DEV/cmd", b"from cc", qos=1, wait=False)
    assert cc.wait_for(m.PUBACK, pid).rc == 0x87
    tap.publish("IOTIZE_DEV/TAP0001_DEV/up", b"reading", qos=1)
    tap.expect_publish("IOTIZE_DEV/TAP0001_DEV/up", b"reading")  # after the refused one, had it gone
    cc.expect_publish("IOTIZE_DEV/TAP0001_DEV/up", b"reading")


def test_scram_over_tls(broker_factory, pki, tmp_path):
    """MQTT 5 enhanced authentication on a TLS listener (server certificate only)."""
    users = tmp_path / "scram"
    users.write_text(sc.file_entry("TAP0001", "secret") + "\n")
    port = reserve_port()
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}", *tls_listener(port, pki)])
    b.wait_log(rf"listen socket on port {port} \(TLS\)")
    c = tls_raw(port, pki, None)
    try:
        sc.login(c, "tap1", "TAP0001", "secret")
        assert c.is_open()
    finally:
        c.close()
    c = tls_raw(port, pki, None)
    try:
        sc.login(c, "tap1", "TAP0001", "wrong", expect_rc=0x87)
    finally:
        c.close()


def paho_tls_client(port: int, ca: Path, cert: tuple[Path, Path], client_id: str) -> paho.Client:
    c = paho.Client(client_id=client_id, protocol=paho.MQTTv311)
    c.tls_set(ca_certs=str(ca), certfile=str(cert[0]), keyfile=str(cert[1]), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    connected = threading.Event()
    c.on_connect = lambda *a: connected.set()
    c.connect("localhost", port, keepalive=30)
    c.loop_start()
    assert connected.wait(10), "TLS client did not connect"
    return c


def test_sighup_reloads_certificates_and_keeps_connections(broker_factory, tmp_path):
    """New server certificate from a new CA after SIGHUP: new clients need the new CA, the old
    connection (made with the old certificate) keeps publishing and receiving."""
    old, new = Pki(tmp_path / "old", "old-ca"), Pki(tmp_path / "new", "new-ca")
    live = tmp_path / "live"
    live.mkdir()
    for p in (old, new):
        p.server = p.issue("server", "localhost")
        p.client = p.issue("client", "TAP0009")
    ca_bundle = live / "ca.crt"
    ca_bundle.write_text(old.ca_crt.read_text() + new.ca_crt.read_text())
    shutil.copy(old.server[0], live / "server.crt")
    shutil.copy(old.server[1], live / "server.key")
    port = reserve_port()
    b = broker_factory([f"listener {port} 127.0.0.1", f"certfile {live / 'server.crt'}",
                        f"keyfile {live / 'server.key'}", f"cafile {ca_bundle}", "require_certificate true"])
    b.wait_log(rf"listen socket on port {port} \(TLS\)")

    received = []
    got = threading.Event()
    early = paho_tls_client(port, old.ca_crt, old.client, "early")
    early.on_message = lambda c, u, m: (received.append(m.payload), got.set())
    early.subscribe("reload/#", qos=1)

    shutil.copy(new.server[0], live / "server.crt")
    shutil.copy(new.server[1], live / "server.key")
    mark = len(b.log)
    b.send_signal(signal.SIGHUP)
    b.wait_log(r"Reloaded TLS certificate", start=mark)

    assert mosquitto_pub(port, old, "--cert", str(old.client[0]), "--key", str(old.client[1])).returncode != 0
    r = mosquitto_pub(port, new, "--cert", str(new.client[0]), "--key", str(new.client[1]),
                      topic="reload/after", message="new-cert")
    assert r.returncode == 0, r.stderr
    assert got.wait(10), "the connection made before the reload stopped receiving"
    assert received == [b"new-cert"]
    early.loop_stop()
    early.disconnect()


def ws_roundtrip(port: int, tls_ca: Path | None = None) -> list[bytes]:
    received: list[bytes] = []
    got = threading.Event()
    c = paho.Client(client_id="ws-client", transport="websockets", protocol=paho.MQTTv5)
    if tls_ca is not None:
        c.tls_set(ca_certs=str(tls_ca))
    subscribed = threading.Event()
    c.on_subscribe = lambda *a: subscribed.set()
    c.on_message = lambda cl, u, m: (received.append(m.payload), got.set())
    c.connect("localhost", port)
    c.loop_start()
    try:
        c.subscribe("ws/#", qos=1)
        assert subscribed.wait(10), "no SUBACK over WebSocket"
        c.publish("ws/echo", b"over websocket", qos=1)
        assert got.wait(10), "no message over WebSocket"
    finally:
        c.loop_stop()
        c.disconnect()
    return received


def test_websocket_listener(broker_factory):
    port = reserve_port()
    b = broker_factory([f"listener {port} 127.0.0.1", "protocol websockets"])
    b.wait_log(rf"listen socket on port {port} \(websockets\)")
    assert ws_roundtrip(port) == [b"over websocket"]


def test_websocket_over_tls(broker_factory, pki):
    port = reserve_port()
    b = broker_factory([*tls_listener(port, pki), "protocol websockets"])
    b.wait_log(rf"listen socket on port {port} \(websockets, TLS\)")
    assert ws_roundtrip(port, pki.ca_crt) == [b"over websocket"]


def test_websocket_and_tcp_clients_share_topics(broker_factory, raw):
    port = reserve_port()
    b = broker_factory([f"listener {port} 127.0.0.1", "protocol websockets"])
    b.wait_log(rf"listen socket on port {port} \(websockets\)")
    sub = raw(5, target=b)
    sub.connect("tcp-sub")
    sub.subscribe(("ws/#", 1))
    c = paho.Client(client_id="ws-pub", transport="websockets", protocol=paho.MQTTv311)
    c.connect("localhost", port)
    c.loop_start()
    try:
        c.publish("ws/to-tcp", b"bridged", qos=1).wait_for_publish(10)
    finally:
        c.loop_stop()
        c.disconnect()
    p = sub.expect_publish("ws/to-tcp", b"bridged")
    sub.ack(p)
