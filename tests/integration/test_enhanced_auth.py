"""MQTT 5 enhanced authentication (spec 4.12) with SCRAM-SHA-256 against an auth_scram_file.

The client side is scram_client.py (hashlib/hmac/base64 from the RFCs), not tapmq's own C++
implementation. Covered: the exchange CONNECT -> AUTH 0x18 -> AUTH 0x18 -> CONNACK with the server
signature; wrong password and unknown user alike refused with 0x87 after the back-off; unknown
method 0x8C; protocol errors (another method, wrong reason code, PUBLISH before the CONNACK);
garbage SCRAM messages; re-authentication; the ACL seeing the SCRAM user; connect_timeout covering
an unfinished exchange; SIGHUP reloading the file; `tapmq passwd --scram`.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import mqtt_codec as m
import scram_client as sc
from broker_proc import broker_binary
from scram_client import Scram

pytestmark = pytest.mark.mosquitto_skip("tapmqd's auth_scram_file")

ACL = """\
user tap1
topic readwrite tap/tap1/#

user cc
topic readwrite tap/#
"""


def tool() -> str:
    return os.environ.get("TAPMQ", str(Path(broker_binary()).with_name("tapmq")))


@pytest.fixture
def scram_broker(broker_factory, tmp_path):
    users = tmp_path / "scram"
    users.write_text(sc.file_entry("tap1", "tap1-secret") + "\n" + sc.file_entry("cc", "control") + "\n")
    acl = tmp_path / "acl"
    acl.write_text(ACL)
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}", f"acl_file {acl}"])
    b.scram_file = users
    return b


def connect_scram(raw, b, client_id, user, password, expect_rc=0):
    c = raw(5, target=b)
    sc.login(c, client_id, user, password, expect_rc)
    return c


# ------------------------------------------------------------------ the exchange


def test_scram_login(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    scram_broker.wait_log(r"as dev1 \(.*u'tap1'\)")
    c.subscribe(("tap/tap1/cmd", 1))
    c.publish("tap/tap1/cmd", b"hello", qos=1)
    c.expect_publish("tap/tap1/cmd", b"hello")


def test_server_first_message_form(scram_broker, raw):
    """AUTH 0x18 carries the method and r=<client nonce + server nonce>,s=<salt>,i=<iterations>."""
    c = raw(5, target=scram_broker)
    s = Scram("tap1", "tap1-secret", nonce="fyko+d2lbbFgONRv9qkxdawL")
    p = sc.start(c, "dev1", s)
    assert p.type == m.AUTH and p.rc == 0x18
    assert p.prop(m.AUTHENTICATION_METHOD) == "SCRAM-SHA-256"
    attrs = p.prop(m.AUTHENTICATION_DATA).decode().split(",")
    assert attrs[0].startswith("r=fyko+d2lbbFgONRv9qkxdawL") and len(attrs[0]) > 30
    assert attrs[1].startswith("s=") and attrs[2] == "i=4096"


@pytest.mark.parametrize("user,password", [("tap1", "Wr0ng-pw"), ("nobody", "tap1-secret")])
def test_wrong_password_or_unknown_user_not_authorized(scram_broker, raw, user, password):
    """Both fail the same way, at the proof (0x87); an unknown user still gets a salt."""
    c = raw(5, target=scram_broker)
    sc.login(c, "dev9", user, password, expect_rc=0x87)
    c.expect_closed()
    log = scram_broker.wait_log(rf"Login failed for client dev9 \(user '{user}'\) from 127\.0\.0\.1:\d+")
    assert password not in scram_broker.log_text()
    assert "p=" not in log


def test_unknown_user_looks_like_the_others(broker_factory, raw, tmp_path):
    """With users at 10000 iterations an unknown user is offered 10000 too, and a 16-byte salt."""
    users = tmp_path / "scram"
    users.write_text(sc.file_entry("tap1", "pw", iterations=10000) + "\n")
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}"])
    offers = []
    for user in ("tap1", "nobody"):
        c = raw(5, target=b)
        p = sc.start(c, "dev1", Scram(user, "pw"))
        _, salt, iterations = p.prop(m.AUTHENTICATION_DATA).decode().split(",")
        offers.append((len(base64.b64decode(salt[2:])), iterations))
    assert offers == [(16, "i=10000"), (16, "i=10000")]


def test_failures_are_slowed_down(scram_broker, raw):
    """Time is the subject here: the back-off doubles from 100 ms per failure from one address."""
    took = []
    for _ in range(3):
        c = raw(5, target=scram_broker)
        s = Scram("tap1", "wrong")
        p = sc.start(c, "dev9", s)
        t0 = time.monotonic()
        c.send(m.auth(0x18, sc.auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
        c.expect(m.CONNACK, rc=0x87)
        took.append(time.monotonic() - t0)
    assert took[2] >= 0.35, took  # 100, 200, 400 ms


def test_unknown_method_refused(scram_broker, raw):
    c = raw(5, target=scram_broker)
    c.send(m.connect("dev1", 5, True, 60, sc.auth_props(b"x", method="SCRAM-SHA-1")))
    c.expect(m.CONNACK, rc=0x8C)
    c.expect_closed()


def test_method_refused_where_not_configured(broker_factory, raw):
    b = broker_factory(["allow_anonymous true"])
    c = raw(5, target=b)
    c.send(m.connect("dev1", 5, True, 60, sc.auth_props(Scram("a", "b").client_first())))
    c.expect(m.CONNACK, rc=0x8C)


def test_other_method_mid_exchange_is_protocol_error(scram_broker, raw):
    c = raw(5, target=scram_broker)
    s = Scram("tap1", "tap1-secret")
    p = sc.start(c, "dev1", s)
    final = s.client_final(p.prop(m.AUTHENTICATION_DATA))
    c.send(m.auth(0x18, sc.auth_props(final, method="SCRAM-SHA-512")))
    c.expect_disconnect(0x82)


@pytest.mark.parametrize("rc", [0x00, 0x19])
def test_wrong_reason_code_mid_exchange_is_protocol_error(scram_broker, raw, rc):
    c = raw(5, target=scram_broker)
    s = Scram("tap1", "tap1-secret")
    p = sc.start(c, "dev1", s)
    c.send(m.auth(rc, sc.auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
    c.expect_disconnect(0x82)


@pytest.mark.parametrize("packet", [m.publish("tap/tap1/cmd", b"sneaky", qos=0),
                                    m.subscribe(1, [("tap/#", 0)])])
def test_nothing_accepted_before_authentication_completes(scram_broker, raw, packet):
    listener = connect_scram(raw, scram_broker, "cc1", "cc", "control")
    listener.subscribe("tap/#")
    c = raw(5, target=scram_broker)
    sc.start(c, "dev1", Scram("tap1", "tap1-secret"))
    c.send(packet)
    c.expect_disconnect(0x82)
    listener.expect_no_packet(0.5)


@pytest.mark.parametrize("first", [b"", b"garbage", b"n,,n=tap1", b"p=tls-unique,,n=tap1,r=abc",
                                   b"n,,n=tap1\nLogin ok,r=abc", b"n,,n=\xff\xfe,r=abc",
                                   b"n,,n=tap1,r=a" + b"b" * 5000, bytes(range(256))])
def test_garbage_client_first_not_authorized(scram_broker, raw, first):
    c = raw(5, target=scram_broker)
    c.send(m.connect("dev1", 5, True, 60, sc.auth_props(first)))
    c.expect(m.CONNACK, rc=0x87)
    assert c.is_open(1) is False
    scram_broker.wait_log(r"Login failed for client dev1 ")
    assert "\nLogin ok" not in scram_broker.log_text()


@pytest.mark.parametrize("final", [b"", b"c=biws", b"c=biws,r=wrongnonce,p=AAAA", b"\xff\x00,p=",
                                   "c=biws,r={nonce},p=" + "A" * 44, "c=biws,r={nonce},p=" + "QQ==" * 3000])
def test_garbage_client_final_not_authorized(scram_broker, raw, final):
    c = raw(5, target=scram_broker)
    p = sc.start(c, "dev1", Scram("tap1", "tap1-secret"))
    nonce = p.prop(m.AUTHENTICATION_DATA).decode().split(",")[0][2:]
    if isinstance(final, str):
        final = final.format(nonce=nonce).encode()
    c.send(m.auth(0x18, sc.auth_props(final)))
    c.expect(m.CONNACK, rc=0x87)
    c.expect_closed()
    assert scram_broker.running()


def test_auth_without_data_not_authorized(scram_broker, raw):
    c = raw(5, target=scram_broker)
    sc.start(c, "dev1", Scram("tap1", "tap1-secret"))
    c.send(m.auth(0x18, sc.auth_props(None)))
    c.expect(m.CONNACK, rc=0x87)


def test_connect_timeout_covers_unfinished_exchange(broker_factory, raw, tmp_path):
    users = tmp_path / "scram"
    users.write_text(sc.file_entry("tap1", "tap1-secret") + "\n")
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}", "connect_timeout 1"])
    c = raw(5, target=b)
    p = sc.start(c, "dev1", Scram("tap1", "tap1-secret"))
    assert p.type == m.AUTH
    c.expect_closed(timeout=5)
    b.wait_log(r"authentication not finished within 1 s")


def test_unfinished_exchange_counts_as_pending_handshake(broker_factory, raw, tmp_path):
    users = tmp_path / "scram"
    users.write_text(sc.file_entry("tap1", "tap1-secret") + "\n")
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}", "max_pending_handshakes 1"])
    c = raw(5, target=b)
    s = Scram("tap1", "tap1-secret")
    p = sc.start(c, "dev1", s)
    other = raw(5, target=b)
    other.expect_closed()  # refused at accept while dev1's exchange runs
    b.wait_log(r"have not finished CONNECT yet")
    c.send(m.auth(0x18, sc.auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
    c.expect(m.CONNACK, rc=0)
    connect_scram(raw, b, "dev2", "tap1", "tap1-secret")


def test_will_and_session_after_scram(scram_broker, raw):
    """The CONNECT kept during the exchange is what the session gets: its will is published."""
    listener = connect_scram(raw, scram_broker, "cc1", "cc", "control")
    listener.subscribe("tap/#")
    c = raw(5, target=scram_broker)
    s = Scram("tap1", "tap1-secret")
    p = sc.start(c, "dev1", s, will=m.Will("tap/tap1/status", b"gone"))
    c.send(m.auth(0x18, sc.auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
    c.expect(m.CONNACK, rc=0)
    c.abort()
    listener.expect_publish("tap/tap1/status", b"gone")


# ------------------------------------------------------------------ re-authentication


def reauth(c, user, password, first_rc=0x19):
    s = Scram(user, password)
    c.send(m.auth(first_rc, sc.auth_props(s.client_first())))
    p = c.expect(m.AUTH, rc=0x18)
    c.send(m.auth(0x18, sc.auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
    return s


def test_reauthentication(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    s = reauth(c, "tap1", "tap1-secret")
    p = c.expect(m.AUTH, rc=0x00)
    assert p.prop(m.AUTHENTICATION_METHOD) == "SCRAM-SHA-256"
    s.verify(p.prop(m.AUTHENTICATION_DATA))
    assert c.is_open()
    reauth(c, "tap1", "tap1-secret")  # and again
    c.expect(m.AUTH, rc=0x00)


def test_reauthentication_failure_disconnects(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    reauth(c, "tap1", "wrong")
    c.expect_disconnect(0x87)
    scram_broker.wait_log(r"Re-authentication failed for client dev1 \(user 'tap1'\)")


def test_reauthentication_as_another_user_refused(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    reauth(c, "cc", "control")
    c.expect_disconnect(0x87)


def test_reauthentication_protocol_errors(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    c.send(m.auth(0x18, sc.auth_props(b"n,,n=tap1,r=abc")))  # continue without a re-authentication
    c.expect_disconnect(0x82)
    c = connect_scram(raw, scram_broker, "dev2", "tap1", "tap1-secret")
    c.send(m.auth(0x19, sc.auth_props(b"n,,n=tap1,r=abc", method="PLAIN")))
    c.expect_disconnect(0x82)


def test_auth_without_method_at_connect_is_protocol_error(broker_factory, raw):
    b = broker_factory(["allow_anonymous true"])
    c = raw(5, target=b)
    c.connect("dev1")
    c.send(m.auth(0x19, sc.auth_props(b"n,,n=a,r=b")))
    c.expect_disconnect(0x82)


# ------------------------------------------------------------------ ACL, reload, tools


def test_acl_applies_to_the_scram_user(scram_broker, raw):
    c = connect_scram(raw, scram_broker, "dev1", "tap1", "tap1-secret")
    c.subscribe("tap/tap2/#", "tap/tap1/#", expect_rcs=[0x87, 0x00])
    pid = c.publish("tap/tap2/cmd", b"x", qos=1, wait=False)
    assert c.wait_for(m.PUBACK, pid).rc == 0x87
    cc = connect_scram(raw, scram_broker, "cc1", "cc", "control")
    cc.subscribe("tap/tap2/#", expect_rcs=[0x00])


def test_sighup_reloads_scram_file(scram_broker, raw):
    connect_scram(raw, scram_broker, "n1", "new", "pw", expect_rc=0x87)
    with scram_broker.scram_file.open("a") as f:
        f.write(sc.file_entry("new", "pw") + "\n")
    scram_broker.send_signal(signal.SIGHUP)
    scram_broker.wait_log(r"Configuration reloaded")
    connect_scram(raw, scram_broker, "n2", "new", "pw")


def test_bad_scram_file_named_at_startup(tmp_path):
    from broker_proc import Broker, BrokerStartError

    users = tmp_path / "scram"
    users.write_text("# users\n" + sc.file_entry("ok", "pw") + "\nbroken:SCRAM-SHA-256$4096:AAAA$short:AAAA\n")
    b = Broker(tmp_path, ["allow_anonymous false", f"auth_scram_file {users}"])
    with pytest.raises(BrokerStartError) as e:
        b.start(attempts=1)
    assert f"{users}:3:" in str(e.value) + b.log_text()


def test_scram_file_from_tapmq_passwd(broker_factory, raw, tmp_path):
    users = tmp_path / "scram"
    subprocess.run([tool(), "passwd", "--scram", "-c", "-b", str(users), "TAP0007", "seven"], check=True)
    subprocess.run([tool(), "passwd", "--scram", "-b", str(users), "gone", "whatever"], check=True)
    subprocess.run([tool(), "passwd", "--scram", "-D", str(users), "gone"], check=True)
    assert users.read_text().startswith("TAP0007:SCRAM-SHA-256$4096:")
    b = broker_factory(["allow_anonymous false", f"auth_scram_file {users}"])
    connect_scram(raw, b, "t7", "TAP0007", "seven")
    connect_scram(raw, b, "g", "gone", "whatever", expect_rc=0x87)


def run_tapmq(*args, timeout=20):
    return subprocess.run([tool(), *args], capture_output=True, text=True, timeout=timeout)


def test_tapmq_pub_and_sub_with_scram(scram_broker, raw):
    """tapmq's own client does the exchange (and checks the server signature); the password is not
    in the CONNECT."""
    b = scram_broker
    common = ["-h", "127.0.0.1", "-p", str(b.port), "-V", "5", "--auth-method", "SCRAM-SHA-256"]
    sub = subprocess.Popen([tool(), "sub", *common, "-u", "cc", "-P", "control", "-i", "cli-sub",
                            "-t", "tap/#", "-C", "1", "-W", "15"], stdout=subprocess.PIPE, text=True)
    try:
        b.wait_log(r"as cli-sub \(.*u'cc'\)")
        r = run_tapmq("pub", *common, "-u", "tap1", "-P", "tap1-secret", "-i", "cli-pub",
                      "-t", "tap/tap1/up", "-m", "via scram", "-q", "1")
        assert r.returncode == 0, r.stderr
        out, _ = sub.communicate(timeout=15)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert sub.returncode == 0 and out == "via scram\n"
    assert "tap1-secret" not in b.log_text()


def test_tapmq_pub_scram_wrong_password(scram_broker):
    r = run_tapmq("pub", "-h", "127.0.0.1", "-p", str(scram_broker.port), "-V", "5", "--auth-method",
                  "SCRAM-SHA-256", "-u", "tap1", "-P", "nope", "-t", "tap/tap1/up", "-m", "x")
    assert r.returncode != 0
    assert "not authorized" in r.stderr.lower(), r.stderr


def test_tapmq_refuses_scram_without_mqtt5(scram_broker):
    r = run_tapmq("pub", "-p", str(scram_broker.port), "-V", "311", "--auth-method", "SCRAM-SHA-256",
                  "-u", "tap1", "-P", "x", "-t", "t", "-m", "x")
    assert r.returncode != 0 and "MQTT 5" in r.stderr, r.stderr


def test_tapmq_refuses_a_broker_that_cannot_prove_itself():
    """A fake broker that goes along with any proof but cannot sign: CONNACK 0x00 with a wrong
    server signature must not count as connected."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    seen = []

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(10)
        buf = b""

        def frame():
            nonlocal buf
            while (fr := m.split_frame(buf[:5])) is None or len(buf) < fr[1]:
                buf += conn.recv(4096)
            data, buf = buf[:fr[1]], buf[fr[1]:]
            return data, fr[0]

        with conn:
            data, header = frame()
            r = m.Reader(data[header:])  # CONNECT: name, version, flags, keep alive, properties
            r.string(), r.u8(), r.u8(), r.u16()
            first = dict(r.properties())[m.AUTHENTICATION_DATA].decode()
            nonce = first.split("r=", 1)[1]
            conn.sendall(m.auth(0x18, sc.auth_props(f"r={nonce}server,s={sc.b64(b'salt')},i=4096".encode())))
            seen.append(m.decode(frame()[0], 5).prop(m.AUTHENTICATION_DATA))
            conn.sendall(m.connack(0, props=sc.auth_props(b"v=" + sc.b64(b"x" * 32).encode())))
            try:
                while conn.recv(4096):
                    pass
            except OSError:
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        r = run_tapmq("pub", "-h", "127.0.0.1", "-p", str(port), "-V", "5", "--auth-method", "SCRAM-SHA-256",
                      "-u", "tap1", "-P", "pw", "-t", "t", "-m", "must not be sent", "-q", "1")
    finally:
        srv.close()
    t.join(10)
    assert seen and seen[0].startswith(b"c=biws,r="), seen
    assert r.returncode != 0
    assert "signature" in r.stderr, r.stderr
