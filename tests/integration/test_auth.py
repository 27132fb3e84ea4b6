"""Logins and ACLs: Mosquitto password files, anonymous, JWT in the password field, and the ACL file
checked on every path a message takes (publish, subscribe, retained, queued, resumed session,
shared subscription, will). The worked example is the Tap system of docs/security.md: each Tap logs
in as its serial number and may only use IOTIZE_DEV/<serial>_DEV/#; control-centre users may use
every Tap's topics; anonymous spies may read nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import mqtt_codec as m
from broker_proc import broker_binary

pytestmark = pytest.mark.mosquitto_skip("tapmqd security configuration")

ACL = """\
# anonymous clients (spies): nothing
pattern readwrite IOTIZE_DEV/%u_DEV/#

user cc
topic readwrite IOTIZE_DEV/#
topic readwrite secret/#
"""


def passwd(path: Path, user: str, password: str, create: bool = False) -> None:
    args = ["mosquitto_passwd", *(["-c"] if create else []), "-b", str(path), user, password]
    subprocess.run(args, check=True, capture_output=True)


@pytest.fixture
def secured(broker_factory, tmp_path):
    pw = tmp_path / "passwords"
    passwd(pw, "TAP0001", "TAP0001_0000000000", create=True)
    passwd(pw, "TAP0002", "TAP0002_0000000000")
    passwd(pw, "cc", "control")
    acl = tmp_path / "acl"
    acl.write_text(ACL)
    secret = tmp_path / "jwt.key"
    secret.write_text("k" * 40)
    b = broker_factory(["allow_anonymous true", f"password_file {pw}", f"acl_file {acl}",
                        "auth_jwt_algorithm HS256", f"auth_jwt_key_file {secret}"])
    b.jwt_secret = b"k" * 40
    return b


def puback(c, topic, payload=b"x"):
    """Publish at QoS 1 and return the PUBACK (whatever its reason code)."""
    pid = c.publish(topic, payload, qos=1, wait=False)
    return c.wait_for(m.PUBACK, pid)


def login(raw, b, client_id, user=None, password=None, version=5, rc=0, **kw):
    c = raw(version, target=b)
    if isinstance(password, str):
        password = password.encode()
    c.connect(client_id, username=user, password=password, expect_rc=rc, **kw)
    return c


def tap(raw, b, serial, version=5, **kw):
    return login(raw, b, serial, serial, f"{serial}_0000000000", version, **kw)


# ------------------------------------------------------------------ logins


@pytest.mark.parametrize("version,bad_rc", [(5, 0x86), (4, 4)])
def test_password_file_from_mosquitto_passwd(secured, raw, version, bad_rc):
    tap(raw, secured, "TAP0001", version)
    login(raw, secured, "x1", "TAP0001", "wrong", version, rc=bad_rc)
    login(raw, secured, "x2", "nobody", "whatever", version, rc=bad_rc)


def test_failed_login_logged_without_password(secured, raw):
    login(raw, secured, "dev-x", "TAP0001", "hunter2-wrong", rc=0x86)
    line = secured.wait_log(r"Login failed for client dev-x \(user 'TAP0001'\) from 127\.0\.0\.1")
    assert "hunter2" not in secured.log_text()
    assert "bad user name or password" in line


def test_repeated_failures_are_slowed_down(secured, raw):
    """Each failure from an address doubles the delay before the refusal (100 ms, 200 ms, ...)."""
    durations = []
    for i in range(5):
        start = time.monotonic()
        login(raw, secured, f"brute{i}", "TAP0001", f"guess{i}", rc=0x86)
        durations.append(time.monotonic() - start)
    assert durations[4] >= 1.5, durations  # the 5th waits 1.6 s
    assert durations[4] > durations[0] * 4, durations


def test_anonymous_refused_when_not_allowed(broker_factory, raw, tmp_path):
    b = broker_factory(["allow_anonymous false"])
    login(raw, b, "anon5", rc=0x87)
    login(raw, b, "anon3", version=4, rc=5)


# ------------------------------------------------------------------ JWT


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(claims: dict, secret: bytes, header: dict | None = None) -> str:
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def test_jwt_login_gives_the_acl_user(secured, raw):
    token = hs256({"sub": "TAP0002", "exp": int(time.time()) + 600}, secured.jwt_secret)
    c = login(raw, secured, "jwt-dev", "anything", token)
    c.subscribe(("IOTIZE_DEV/TAP0002_DEV/#", 1), expect_rcs=[1])  # its own topics, by the pattern rule
    c.subscribe(("IOTIZE_DEV/TAP0001_DEV/#", 1), expect_rcs=[0x87])


@pytest.mark.parametrize("case", ["expired", "not_yet", "bad_signature", "alg_none", "wrong_alg"])
def test_jwt_refused(secured, raw, case):
    now = int(time.time())
    secret = secured.jwt_secret
    token = {
        "expired": lambda: hs256({"sub": "TAP0001", "exp": now - 3600}, secret),
        "not_yet": lambda: hs256({"sub": "TAP0001", "exp": now + 7200, "nbf": now + 3600}, secret),
        "bad_signature": lambda: hs256({"sub": "TAP0001", "exp": now + 600}, b"x" * 40),
        "alg_none": lambda: b64url(b'{"alg":"none"}') + "." + b64url(json.dumps({"sub": "TAP0001"}).encode()) + ".",
        "wrong_alg": lambda: hs256({"sub": "TAP0001", "exp": now + 600}, secret, {"alg": "HS512"}),
    }[case]()
    login(raw, secured, f"jwt-{case}", "TAP0001", token, rc=0x86)
    secured.wait_log(r"Login failed for client jwt-.*token refused")


def test_jwt_publish_claim_limits_topics(secured, raw):
    token = hs256({"sub": "cc", "exp": int(time.time()) + 600, "pub": ["IOTIZE_DEV/+/cmd"]}, secured.jwt_secret)
    c = login(raw, secured, "jwt-cc", "cc", token)
    assert puback(c, "IOTIZE_DEV/TAP0001_DEV/cmd").rc in (0x00, 0x10)
    assert puback(c, "IOTIZE_DEV/TAP0001_DEV/resp").rc == 0x87


# ------------------------------------------------------------------ ACL, every path


@pytest.mark.parametrize("version,refused", [(5, 0x87), (4, 0x80)])
def test_subscribe_refused(secured, raw, version, refused):
    c = tap(raw, secured, "TAP0001", version)
    c.subscribe(("IOTIZE_DEV/TAP0002_DEV/#", 1), ("IOTIZE_DEV/TAP0001_DEV/#", 1), expect_rcs=[refused, 1])


def test_publish_refused_v5_and_dropped_v3(secured, raw):
    cc = login(raw, secured, "cc1", "cc", "control")
    cc.subscribe(("IOTIZE_DEV/#", 1), expect_rcs=[1])
    t5 = tap(raw, secured, "TAP0001")
    assert puback(t5, "IOTIZE_DEV/TAP0002_DEV/data").rc == 0x87
    t3 = login(raw, secured, "TAP0001-v3", "TAP0001", "TAP0001_0000000000", version=4)
    assert puback(t3, "IOTIZE_DEV/TAP0002_DEV/data").rc == 0  # 3.1.1: acknowledged, dropped
    t5.publish("IOTIZE_DEV/TAP0001_DEV/data", b"genuine", qos=1)
    cc.expect_publish("IOTIZE_DEV/TAP0001_DEV/data", b"genuine")
    cc.expect_no_packet(0.3)


def test_retained_message_not_readable(secured, raw):
    cc = login(raw, secured, "cc2", "cc", "control")
    cc.publish("IOTIZE_DEV/TAP0002_DEV/status", b"online", qos=1, retain=True)
    cc.publish("IOTIZE_DEV/TAP0001_DEV/status", b"online", qos=1, retain=True)
    spy = login(raw, secured, "spy")  # anonymous: the pattern needs %u, so nothing
    spy.subscribe(("IOTIZE_DEV/+/status", 1), expect_rcs=[0x87])
    t1 = tap(raw, secured, "TAP0001")
    t1.subscribe(("IOTIZE_DEV/+/status", 1), expect_rcs=[1])  # could read its own
    t1.expect_publish("IOTIZE_DEV/TAP0001_DEV/status", b"online", retain=True)
    t1.expect_no_packet(0.3)  # never TAP0002's retained status


def test_queued_message_checked_when_session_resumes(secured, raw):
    """A session filled while TAP0001's identity could read, resumed by another user who cannot."""
    cc = login(raw, secured, "shared-id", "cc", "control", clean=False,
               props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    cc.subscribe(("IOTIZE_DEV/#", 1), expect_rcs=[1])
    cc.disconnect()
    pub = login(raw, secured, "cc-pub", "cc", "control")
    pub.publish("IOTIZE_DEV/TAP0002_DEV/data", b"for-cc-only", qos=1)
    pub.publish("IOTIZE_DEV/TAP0001_DEV/data", b"for-tap1-too", qos=1)
    resumed = login(raw, secured, "shared-id", "TAP0001", "TAP0001_0000000000", clean=False,
                    props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    assert resumed.connack.session_present
    resumed.expect_publish("IOTIZE_DEV/TAP0001_DEV/data", b"for-tap1-too")
    resumed.expect_no_packet(0.3)


def test_shared_subscription_skips_members_who_cannot_read(secured, raw):
    cc = login(raw, secured, "cc-member", "cc", "control")
    cc.subscribe(("$share/g/IOTIZE_DEV/#", 1), expect_rcs=[1])
    t1 = tap(raw, secured, "TAP0001")
    t1.subscribe(("$share/g/IOTIZE_DEV/TAP0001_DEV/#", 1), expect_rcs=[1])  # another group filter
    t1b = login(raw, secured, "TAP0001-b", "TAP0001", "TAP0001_0000000000")
    t1b.subscribe(("$share/g/IOTIZE_DEV/#", 1), expect_rcs=[1])  # may subscribe, reads only its own
    pub = login(raw, secured, "cc-pub2", "cc", "control")
    for i in range(6):
        pub.publish("IOTIZE_DEV/TAP0002_DEV/data", f"m{i}".encode(), qos=1)
    got = []
    for _ in range(6):
        got.append(cc.expect_publish("IOTIZE_DEV/TAP0002_DEV/data").payload)
    assert sorted(got) == [f"m{i}".encode() for i in range(6)]
    t1b.expect_no_packet(0.3)


def test_will_not_published_where_client_may_not_write(secured, raw):
    cc = login(raw, secured, "cc-will", "cc", "control")
    cc.subscribe(("IOTIZE_DEV/#", 1), expect_rcs=[1])
    ok = tap(raw, secured, "TAP0001", will=m.Will("IOTIZE_DEV/TAP0001_DEV/status", b"offline", 1, False))
    bad = login(raw, secured, "TAP0002", "TAP0002", "TAP0002_0000000000",
                will=m.Will("IOTIZE_DEV/TAP0001_DEV/status", b"forged-offline", 1, False))
    bad.abort()
    ok.abort()
    cc.expect_publish("IOTIZE_DEV/TAP0001_DEV/status", b"offline")
    cc.expect_no_packet(0.5)
    secured.wait_log(r"Will of TAP0002 on 'IOTIZE_DEV/TAP0001_DEV/status' not published")


def test_sighup_reloads_password_and_acl_files(secured, raw, tmp_path):
    import signal
    login(raw, secured, "newbie", "newbie", "pw", rc=0x86)
    passwd(tmp_path / "passwords", "newbie", "pw")
    (tmp_path / "acl").write_text(ACL + "\nuser newbie\ntopic readwrite newbie/#\n")
    mark = len(secured.log)
    secured.send_signal(signal.SIGHUP)
    secured.wait_log(r"Configuration reloaded", start=mark)
    c = login(raw, secured, "newbie", "newbie", "pw")
    c.subscribe(("newbie/#", 1), ("secret/#", 1), expect_rcs=[1, 0x87])


def test_password_file_from_tapmq_passwd(broker_factory, raw, tmp_path):
    """`tapmq passwd` writes Mosquitto's format: created with -c, extended, one user deleted with -D."""
    tool = os.environ.get("TAPMQ", str(Path(broker_binary()).with_name("tapmq")))
    pw = tmp_path / "pw"
    subprocess.run([tool, "passwd", "-c", "-b", str(pw), "TAP0007", "TAP0007_0000000000"], check=True)
    subprocess.run([tool, "passwd", "-b", str(pw), "gone", "whatever"], check=True)
    subprocess.run([tool, "passwd", "-D", str(pw), "gone"], check=True)
    assert pw.read_text().startswith("TAP0007:$7$")
    b = broker_factory(["allow_anonymous false", f"password_file {pw}"])
    login(raw, b, "t7", "TAP0007", "TAP0007_0000000000")
    login(raw, b, "g", "gone", "whatever", rc=0x86)


def reload(b, config_lines=None):
    """SIGHUP, optionally after adding lines to the configuration file; waits for the reload."""
    import signal
    if config_lines:
        with open(b.config_path, "a") as f:
            f.write("".join(line + "\n" for line in config_lines))
    mark = len(b.log)
    b.send_signal(signal.SIGHUP)
    b.wait_log(r"Configuration reloaded", start=mark)


def test_acl_added_by_sighup_applies_to_connected_clients(broker_factory, raw, tmp_path):
    """Clients that logged in while no ACL file was configured are held to the one a reload adds:
    subscribe, publish and delivery on their existing subscriptions."""
    pw = tmp_path / "passwords"
    passwd(pw, "TAP0001", "TAP0001_0000000000", create=True)
    passwd(pw, "cc", "control")
    b = broker_factory(["allow_anonymous true", f"password_file {pw}"])
    t1 = tap(raw, b, "TAP0001")
    t1.subscribe(("IOTIZE_DEV/#", 1), expect_rcs=[1])  # no ACL yet: everything allowed
    cc = login(raw, b, "cc-acl", "cc", "control")
    (tmp_path / "acl").write_text(ACL)
    reload(b, [f"acl_file {tmp_path / 'acl'}"])
    t1.subscribe(("IOTIZE_DEV/TAP0002_DEV/#", 1), ("IOTIZE_DEV/TAP0001_DEV/#", 1), expect_rcs=[0x87, 1])
    assert puback(t1, "IOTIZE_DEV/TAP0002_DEV/data").rc == 0x87
    cc.publish("IOTIZE_DEV/TAP0002_DEV/data", b"not-for-tap1", qos=1)
    cc.publish("IOTIZE_DEV/TAP0001_DEV/data", b"for-tap1", qos=1)
    # The old IOTIZE_DEV/# subscription and the new one both match: one or two copies, never TAP0002's.
    t1.expect_publish("IOTIZE_DEV/TAP0001_DEV/data", b"for-tap1")
    for p in t1.sync():
        assert p.type != m.PUBLISH or p.topic == "IOTIZE_DEV/TAP0001_DEV/data", p


def test_changed_acl_applies_to_connected_clients(secured, raw, tmp_path):
    t1 = tap(raw, secured, "TAP0001")
    t1.subscribe(("secret/#", 1), expect_rcs=[0x87])
    t1.subscribe(("IOTIZE_DEV/TAP0001_DEV/#", 1), expect_rcs=[1])
    (tmp_path / "acl").write_text("user TAP0001\ntopic readwrite secret/#\n")
    reload(secured)
    t1.subscribe(("secret/#", 1), ("IOTIZE_DEV/TAP0001_DEV/x", 1), expect_rcs=[1, 0x87])
    assert puback(t1, "IOTIZE_DEV/TAP0001_DEV/data").rc == 0x87
    assert puback(t1, "secret/x").rc == 0
    t1.expect_publish("secret/x")


# ------------------------------------------------------------------ JWT logins end with their token


@pytest.mark.parametrize("version", [5, 4])
def test_jwt_login_ends_when_the_token_expires(secured, raw, version):
    """A token is accepted until exp + the 30 s leeway; the connection ends then (v5: DISCONNECT
    0x87 Not authorized; 3.1.1: closed), while a password login on the same broker stays."""
    token = hs256({"sub": "TAP0001", "exp": int(time.time()) - 28}, secured.jwt_secret)  # ~2 s left
    c = login(raw, secured, f"jwt-expiring-{version}", "TAP0001", token, version=version)
    stays = tap(raw, secured, "TAP0001", version)
    start = time.monotonic()
    if version == 5:
        c.expect_disconnect(0x87, timeout=10)
    else:
        c.expect_closed(timeout=10)
    assert time.monotonic() - start < 8
    secured.wait_log(rf"Disconnecting jwt-expiring-{version} .*token \(JWT\) has expired")
    stays.sync()  # still served


def test_password_that_looks_like_a_token_uses_the_password_file(secured, raw, tmp_path):
    """Two dots do not make a token: when it is not a valid one, the password file decides."""
    passwd(tmp_path / "passwords", "dotted", "first.middle.last")
    reload(secured)
    login(raw, secured, "dotted", "dotted", "first.middle.last")
    login(raw, secured, "dotted-bad", "dotted", "first.middle.lost", rc=0x86)
    secured.wait_log(r"Login failed for client dotted-bad .*bad user name or password \(token refused")
