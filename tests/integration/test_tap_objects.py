"""The Tap's objects through `tapmq tap`, black box: identity and application (/3, /1024//9, 10),
login and rights per requester (§3's profiles; sessions keyed as §5 says), unknown paths and
methods, variables that change over time (Count, and Period changing its speed), LEDConfig driving
LEDStatus, bundles, multi-command, the relay settings. Requests built by hand in tap_client.py.
"""

from __future__ import annotations

import struct
import time

import pytest

import tap_client as tc
from tap_proc import tap_factory  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0051"
COUNT, LEDSTATUS, LEDCONFIG, PERIOD, TEMPERATURE, VOLTAGE = 1, 2, 3, 4, 5, 6


def var(i: int) -> str:
    return f"/1029/{i}/4"


def i32(b: bytes) -> int:
    return struct.unpack(">i", b)[0]


@pytest.fixture
def tap(broker, tap_factory):
    return tap_factory(broker, SERIAL)


@pytest.fixture
def req(broker, tap):
    r = tc.Requester(broker.port, SERIAL, version=5)
    yield r
    r.close()


def test_identity_and_application(req):
    assert req.get("/3//0") == (tc.CONTENT, b"tapmq")
    assert req.get("/3//1") == (tc.CONTENT, b"Tap-Sim")
    assert req.get("/3//2") == (tc.CONTENT, SERIAL.encode())
    assert req.get("/3//3") == (tc.CONTENT, b"1.0.0")
    assert req.get("/1024//9") == (tc.CONTENT, b"Sensor_demo")
    code, data = req.get("/1024//10")
    assert code == tc.CONTENT and int.from_bytes(data, "big") == 1
    code, data = req.get("/3//13")
    assert code == tc.CONTENT and abs(int.from_bytes(data, "big") - time.time()) < 60


def test_unknown_paths_and_methods(req):
    assert req.get("/1029/99/4")[0] == tc.NOT_FOUND
    assert req.get("/4242//1")[0] == tc.NOT_FOUND
    assert req.get("/1028/77/1")[0] == tc.NOT_FOUND
    # a PUT on a read-only variable: 0x85 whatever the profile
    assert req.put(var(COUNT), struct.pack(">i", 5))[0] == tc.METHOD_NOT_ALLOWED
    assert req.login("admin", "admin") == tc.CHANGED
    assert req.put(var(COUNT), struct.pack(">i", 5))[0] == tc.METHOD_NOT_ALLOWED


def test_anonymous_reads_count_status_but_may_not_write_count_control(req):
    code, data = req.get("/1028/1/1")  # Count_Status: Count (int32) ‖ LEDStatus (uint8)
    assert code == tc.CONTENT and len(data) == 5
    assert req.get(var(COUNT))[0] == tc.CONTENT
    assert req.get(var(PERIOD))[0] == tc.UNAUTHORIZED  # Count_Control is not anonymous's
    assert req.put(var(PERIOD), struct.pack(">i", 100))[0] == tc.UNAUTHORIZED
    assert req.get("/1028/3/1")[0] == tc.UNAUTHORIZED


def test_wrong_password_and_unknown_user_are_0x81(req):
    assert req.login("supervisor", "wrong") == tc.UNAUTHORIZED
    assert req.login("nobody", "supervisor") == tc.UNAUTHORIZED
    assert req.put(var(PERIOD), struct.pack(">i", 100))[0] == tc.UNAUTHORIZED


def test_supervisor_writes_period_and_count_speeds_up(req):
    assert req.login("supervisor", "supervisor") == tc.CHANGED
    code, data = req.get(var(PERIOD))
    assert code == tc.CONTENT and i32(data) == 1000
    # default Period 1000 ms: Count moves by about one a second (time is the subject here)
    c0 = i32(req.get(var(COUNT))[1])
    t0 = time.monotonic()
    time.sleep(1.5)
    slow = i32(req.get(var(COUNT))[1]) - c0
    slow_rate = slow / (time.monotonic() - t0)
    assert 0 < slow_rate < 3
    assert req.put(var(PERIOD), struct.pack(">i", 20)) == (tc.CHANGED, b"")
    assert i32(req.get(var(PERIOD))[1]) == 20
    c1 = i32(req.get(var(COUNT))[1])
    t1 = time.monotonic()
    time.sleep(1.0)
    fast_rate = (i32(req.get(var(COUNT))[1]) - c1) / (time.monotonic() - t1)
    assert fast_rate > 10 * max(slow_rate, 1), (slow_rate, fast_rate)
    # out of range: 0x80, and the value stays
    assert req.put(var(PERIOD), struct.pack(">i", 5))[0] == tc.BAD_REQUEST
    assert req.put(var(PERIOD), struct.pack(">i", 60001))[0] == tc.BAD_REQUEST
    assert i32(req.get(var(PERIOD))[1]) == 20


def test_led_config_drives_led_status(req):
    assert req.login("supervisor", "supervisor") == tc.CHANGED
    assert req.put(var(LEDCONFIG), b"\x01") == (tc.CHANGED, b"")
    assert req.get(var(LEDSTATUS)) == (tc.CONTENT, b"\x01")
    assert req.put(var(LEDCONFIG), b"\x00") == (tc.CHANGED, b"")
    assert req.get(var(LEDSTATUS)) == (tc.CONTENT, b"\x00")
    assert req.put(var(LEDCONFIG), b"\x07")[0] == tc.BAD_REQUEST  # not a choice


def test_bundles(req):
    code, data = req.get("/1028/2/1")  # Sensors: Temperature_C ‖ Voltage_V, float32 each
    assert code == tc.CONTENT and len(data) == 8
    t, v = struct.unpack(">ff", data)
    assert 22 <= t <= 28 and 3.25 <= v <= 3.35
    assert req.login("supervisor", "supervisor") == tc.CHANGED
    code, data = req.get("/1028/3/1")  # Count_Control: Period ‖ LEDConfig
    assert code == tc.CONTENT and len(data) == 5 and i32(data[:4]) == 1000


def test_multi_command(req):
    payload = tc.multi_command([
        (tc.GET, "/1024//9", b"", tc.CONTENT),
        (tc.GET, "/3//2", b"", tc.CONTENT),
        (tc.GET, "/1029/99/4", b"", tc.CONTENT),
    ])
    code, data = req.post("/1024//89", payload)
    assert code == tc.CONTENT, hex(code)
    replies = tc.parse_multi_reply(data)
    assert replies[0] == (tc.CONTENT, b"Sensor_demo")
    assert replies[1] == (tc.CONTENT, SERIAL.encode())
    assert replies[2][0] == tc.NOT_FOUND or len(replies) == 2


def test_admin_reads_relay_settings(req):
    assert req.get("/1024//55")[0] == tc.UNAUTHORIZED  # the netkey is admin's
    assert req.put("/1024//50", b"example.org")[0] == tc.UNAUTHORIZED
    assert req.login("admin", "admin") == tc.CHANGED
    code, data = req.get("/1024//50")
    assert code == tc.CONTENT and data == b"127.0.0.1"
    assert req.get("/1024//55") == (tc.CONTENT, b"")
    code, data = req.get("/1024//58")
    assert code == tc.CONTENT and data.decode() in ("IOTIZE_DEV/{serial}_DEV", f"IOTIZE_DEV/{SERIAL}_DEV")


def test_logins_hold_per_reply_channel(broker, tap):
    """A login holds for the requester that made it: another reply channel stays anonymous;
    requests on the bare cmd topic share one session."""
    a = tc.Requester(broker.port, SERIAL, version=4, reply_id="alice")
    b = tc.Requester(broker.port, SERIAL, version=4, reply_id="bob")
    m5 = tc.Requester(broker.port, SERIAL, version=5)
    bare1 = tc.Requester(broker.port, SERIAL, version=4, reply_id="")
    try:
        assert a.login("supervisor", "supervisor") == tc.CHANGED
        assert a.get(var(PERIOD))[0] == tc.CONTENT
        assert b.get(var(PERIOD))[0] == tc.UNAUTHORIZED
        assert m5.get(var(PERIOD))[0] == tc.UNAUTHORIZED
        assert bare1.login("supervisor", "supervisor") == tc.CHANGED
        assert bare1.get(var(PERIOD))[0] == tc.CONTENT
        assert a.post("/1024//1")[0] == tc.CHANGED  # logout
        assert a.get(var(PERIOD))[0] == tc.UNAUTHORIZED
    finally:
        for r in (a, b, m5, bare1):
            r.close()


def test_sealed_logins_follow_the_sender(broker, tap_factory):
    tap_factory(broker, "IoTzPr0052", extra=["--netkey", "k3y"])
    a = tc.Requester(broker.port, "IoTzPr0052", version=4, reply_id="shared", netkey="k3y", sender=0x11111111)
    b = tc.Requester(broker.port, "IoTzPr0052", version=4, reply_id="other", netkey="k3y", sender=0x22222222)
    try:
        assert a.login("supervisor", "supervisor") == tc.CHANGED
        assert a.get(var(PERIOD))[0] == tc.CONTENT
        assert b.get(var(PERIOD))[0] == tc.UNAUTHORIZED
    finally:
        a.close()
        b.close()
