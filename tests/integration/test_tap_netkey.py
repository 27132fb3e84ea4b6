"""A Tap with a netkey, black box (tap-protocol.md §5 "Netkey sealing"): sealed requests are served
and every answer is sealed (direction from-tap, the Tap's own sender id, counting up); every way a
request can be wrong (unsealed, wrong key, tampered, replayed, stale, wrong direction, sealed for
another topic) is answered with a plain 81 90 00 on the reply topic, at most once a second, and
logged with the reason; <prefix>/app/in takes only sealed packets and hands them to --app-hook,
whose answer comes back sealed on <prefix>/app/out. Sealing is done here with `cryptography`.
"""

from __future__ import annotations

import os
import time

import pytest

import tap_client as tc
from tap_proc import tap_factory  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0042"
NETKEY = "correct horse battery staple"
REFUSAL = b"\x81\x90\x00"


@pytest.fixture
def sealed_tap(broker, tap_factory, tmp_path):
    key = tmp_path / "netkey"
    key.write_text(NETKEY + "\n")
    os.chmod(key, 0o600)
    return tap_factory(broker, SERIAL, extra=["--netkey-file", str(key)])


class Spacer:
    """Refusals are answered at most once a second per Tap: wait out the second (time is the subject)."""

    def __init__(self):
        self.last = 0.0

    def __call__(self):
        left = self.last + 1.1 - time.monotonic()
        if left > 0:
            time.sleep(left)
        self.last = time.monotonic()


def test_sealed_request_gets_a_sealed_answer(broker, sealed_tap):
    r = tc.Requester(broker.port, SERIAL, version=5, netkey=NETKEY)
    try:
        q = r.send_raw(r.request_frame(tc.GET, "/1024//9"))
        topic, frame, _ = r.wait(q)
        assert frame != REFUSAL
        header, plain = r.seal_state.open(frame, topic)  # raises unless sealed with the from-tap key
        assert header["version"] == 1 and header["direction"] == tc.FROM_TAP
        assert header["sender"] != 0 and header["counter"] >= 1
        assert abs(header["time"] - time.time()) < 30
        assert plain[-2:] == b"\x90\x00"
        # the next answer: same sender, a higher counter
        q = r.send_raw(r.request_frame(tc.GET, "/1024//9"))
        topic, frame2, _ = r.wait(q)
        h2, _ = r.seal_state.open(frame2, topic)
        assert h2["sender"] == header["sender"] and h2["counter"] > header["counter"]
        # a malformed APDU inside a good seal: the 0x80 answer is sealed too
        q = r.send_raw(r.seal_state.seal(r.cmd_topic, b"\xa2\xca\x00\x00\x01\x01"))
        topic, frame3, _ = r.wait(q)
        _, plain3 = r.seal_state.open(frame3, topic)
        assert tc.parse_response(plain3)[0] == tc.BAD_REQUEST
    finally:
        r.close()


def test_sealed_over_311_reply_id(broker, sealed_tap):
    r = tc.Requester(broker.port, SERIAL, version=4, netkey=NETKEY, reply_id="sealed311")
    try:
        code, _ = r.request(tc.GET, "/1024//9")
        assert code not in (tc.UNAUTHORIZED, tc.BAD_REQUEST)
    finally:
        r.close()


def wrong_frames(r: tc.Requester) -> dict[str, bytes]:
    """Every way a sealed request can be wrong, built by hand."""
    req = tc.apdu(tc.GET, "/1024//9")
    s = r.seal_state
    now = int(time.time())
    good_replayed = s.seal(r.cmd_topic, req)
    other = tc.SealState("not the netkey", SERIAL)
    tampered = bytearray(s.seal(r.cmd_topic, req))
    tampered[20] ^= 0x01
    return {
        "unsealed": req,
        "wrong key": other.seal(r.cmd_topic, req),
        "tampered": bytes(tampered),
        "stale": s.seal(r.cmd_topic, req, t=now - 400),
        "future": s.seal(r.cmd_topic, req, t=now + 400),
        "wrong direction": s.seal(r.cmd_topic, req, direction=tc.FROM_TAP),
        "other topic": s.seal(f"{r.prefix}/cmd/elsewhere", req),
        "version 2": s.seal(r.cmd_topic, req, version=2),
        "counter 0": s.seal(r.cmd_topic, req, counter=0),
        "replayed": good_replayed,
    }


@pytest.mark.timeout(60)
def test_every_wrong_request_is_answered_plain_0x81(broker, sealed_tap):
    r = tc.Requester(broker.port, SERIAL, version=5, netkey=NETKEY)
    space = Spacer()
    try:
        frames = wrong_frames(r)
        # the frame to replay is first accepted once
        q = r.send_raw(frames["replayed"])
        topic, frame, _ = r.wait(q)
        r.seal_state.open(frame, topic)
        for why, frame in frames.items():
            space()
            mark = len(sealed_tap.log)
            q = r.send_raw(frame, correlation=why.encode())
            topic, answer, corr = r.wait(q)
            assert answer == REFUSAL, why
            assert corr == why.encode() and topic == r.response_topic
            sealed_tap.wait_log("refused a request", start=mark)
        # still serving good requests
        assert r.request(tc.GET, "/1024//9")[0] != tc.UNAUTHORIZED
    finally:
        r.close()


def test_refusal_reasons_are_logged(broker, sealed_tap):
    r = tc.Requester(broker.port, SERIAL, version=4, netkey=NETKEY, reply_id="logs")
    try:
        frames = wrong_frames(r)
        for frame in (frames["wrong key"], frames["stale"], frames["wrong direction"]):
            r.send_raw(frame)
        sealed_tap.wait_log("tag")            # wrong key: the tag does not verify
        sealed_tap.wait_log("time")           # stale
        sealed_tap.wait_log("direction")      # wrong direction
    finally:
        r.close()


@pytest.mark.timeout(40)
def test_refusals_are_rate_limited_to_one_a_second(broker, sealed_tap):
    r = tc.Requester(broker.port, SERIAL, version=4, netkey=NETKEY, reply_id="flood")
    try:
        unsealed = tc.apdu(tc.GET, "/1024//9")
        t0 = time.monotonic()
        for _ in range(30):
            r.c.publish(r.cmd_topic, unsealed, qos=1)
        answers = [r.wait(r.answers)]  # the first is answered at once
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            try:
                answers.append(r.answers.get(timeout=max(deadline - time.monotonic(), 0.01)))
            except Exception:  # noqa: BLE001
                break
        elapsed = time.monotonic() - t0
        assert all(a[1] == REFUSAL for a in answers)
        # at most one a second: the burst itself lasts far less than the window
        assert 1 <= len(answers) <= int(elapsed) + 1, (len(answers), elapsed)
        assert len(answers) < 30
    finally:
        r.close()


def test_unsealed_requests_to_a_tap_without_netkey_are_served(broker, tap_factory):
    tap_factory(broker, "IoTzPr0043")
    r = tc.Requester(broker.port, "IoTzPr0043", version=5)
    try:
        q = r.send_raw(tc.apdu(tc.GET, "/1024//9"))
        _, answer, _ = r.wait(q)
        assert answer != REFUSAL and answer[-2:] == b"\x90\x00"
    finally:
        r.close()


# ------------------------------------------------------------------------------------ app hook
HOOK = """#!/bin/sh
# upper-cases the packet
tr 'a-z' 'A-Z'
"""

SLOW_HOOK = """#!/bin/sh
sleep 30
"""


def write_hook(path, text):
    path.write_text(text)
    os.chmod(path, 0o755)
    return path


@pytest.mark.timeout(60)
def test_app_packets_sealed_in_sealed_out(broker, tap_factory, tmp_path):
    hook = write_hook(tmp_path / "hook.sh", HOOK)
    tap = tap_factory(broker, SERIAL, extra=["--netkey", NETKEY, "--app-hook", str(hook)])
    prefix = tc.prefix(SERIAL)
    w = tc.Watcher(broker.port, [f"{prefix}/app/out"])
    s = tc.SealState(NETKEY, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5, netkey=NETKEY)
    try:
        r.c.publish(f"{prefix}/app/in", s.seal(f"{prefix}/app/in", b"hello tap"), qos=1).wait_for_publish(5)
        topic, frame, _ = w.next(topic=f"{prefix}/app/out")
        header, plain = s.open(frame, topic)
        assert plain == b"HELLO TAP" and header["direction"] == tc.FROM_TAP
        # unsealed, wrong key and replayed packets are dropped, counted and logged
        r.c.publish(f"{prefix}/app/in", b"plain text", qos=1).wait_for_publish(5)
        tap.wait_log("dropped a packet on")
        other = tc.SealState("wrong", SERIAL)
        r.c.publish(f"{prefix}/app/in", other.seal(f"{prefix}/app/in", b"x"), qos=1).wait_for_publish(5)
        tap.wait_log("(2 dropped so far)")
        # a good one still goes through, and nothing came out for the bad ones
        r.c.publish(f"{prefix}/app/in", s.seal(f"{prefix}/app/in", b"again"), qos=1).wait_for_publish(5)
        topic, frame, _ = w.next(topic=f"{prefix}/app/out")
        assert s.open(frame, topic)[1] == b"AGAIN"
    finally:
        r.close()
        w.close()


@pytest.mark.timeout(60)
def test_app_hook_that_hangs_is_killed(broker, tap_factory, tmp_path):
    hook = write_hook(tmp_path / "slow.sh", SLOW_HOOK)
    tap = tap_factory(broker, SERIAL, extra=["--netkey", NETKEY, "--app-hook", str(hook)])
    prefix = tc.prefix(SERIAL)
    s = tc.SealState(NETKEY, SERIAL)
    w = tc.Watcher(broker.port, [f"{prefix}/app/in"])
    try:
        w.c.publish(f"{prefix}/app/in", s.seal(f"{prefix}/app/in", b"x"), qos=1).wait_for_publish(5)
        tap.wait_log("the app hook failed: it did not finish within 5000 ms", timeout=15)
    finally:
        w.close()
