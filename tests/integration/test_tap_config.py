"""Configuration upload and relay settings through `tapmq tap`, black box (layout in
src/relay/config_upload.hpp): a new project written in parts over /1024//11 is applied, the relay
restarts and its status shows the new configuration version, and it is kept across a Tap restart;
a bad project is refused with the reason and the running one stays; new relay settings (the topic
prefix) make the Tap reconnect under them.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

import tap_client as tc
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0081"
DEMO = Path(__file__).resolve().parents[2] / "src" / "tap" / "projects" / "sensor_demo.json"
PART = 900


def upload(r: tc.Requester, data: bytes) -> int:
    start = b"\xff\xff\xff\xff" + struct.pack(">I", len(data)) + hashlib.sha256(data).digest()
    assert r.put("/1024//11", start)[0] == tc.CHANGED
    for off in range(0, len(data), PART):
        code, _ = r.put("/1024//11", struct.pack(">I", off) + data[off:off + PART])
        assert code == tc.CHANGED, hex(code)
    return r.post("/1024//11")[0]


def project(version: int, name: str = "Sensor_demo") -> bytes:
    p = json.loads(DEMO.read_text())
    p["application"]["config_version"] = version
    p["application"]["name"] = name
    return json.dumps(p, indent=1).encode()


@pytest.fixture
def admin(broker, tap_factory, tmp_path):
    tap = tap_factory(broker, SERIAL, state_dir=tmp_path / "cfg-state")
    r = tc.Requester(broker.port, SERIAL, version=5)
    assert r.login("admin", "admin") == tc.CHANGED
    r.tap = tap
    yield r
    r.close()


@pytest.mark.timeout(60)
def test_upload_applies_restarts_and_persists(broker, admin, tap_factory):
    assert upload(admin, project(2, "Sensor_demo_v2")) == tc.CHANGED
    st = wait_status(broker.port, SERIAL, "online", pred=lambda j: j["config_version"] == 2, timeout=30)
    assert st["application"] == "Sensor_demo_v2"
    assert admin.get("/1024//9") == (tc.CONTENT, b"Sensor_demo_v2")
    assert admin.get("/1024//10") == (tc.CONTENT, struct.pack(">I", 2))
    # kept across a Tap restart
    assert admin.tap.stop() == 0
    tap2 = tap_factory(broker, SERIAL, state_dir=admin.tap.state_dir)
    assert tap2.status["config_version"] == 2 and tap2.status["application"] == "Sensor_demo_v2"


def test_bad_project_is_refused_and_the_running_one_stays(broker, admin):
    bad = json.loads(project(3))
    bad["variables"][0]["type"] = "flot32"
    assert upload(admin, json.dumps(bad).encode()) == tc.BAD_REQUEST
    code, data = admin.get("/1024//11")
    assert code == tc.CONTENT
    assert b"flot32" in data[9:]  # the last error says what is wrong
    assert admin.get("/1024//10") == (tc.CONTENT, struct.pack(">I", 1))
    assert "restarting" not in admin.tap.log_text()


def test_upload_needs_admin(broker, tap_factory):
    tap_factory(broker, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5)
    try:
        data = project(5)
        start = b"\xff\xff\xff\xff" + struct.pack(">I", len(data)) + hashlib.sha256(data).digest()
        assert r.put("/1024//11", start)[0] == tc.UNAUTHORIZED
        assert r.login("supervisor", "supervisor") == tc.CHANGED
        assert r.put("/1024//11", start)[0] == tc.UNAUTHORIZED
    finally:
        r.close()


@pytest.mark.timeout(60)
def test_new_topic_prefix_moves_the_tap(broker, admin):
    assert admin.put("/1024//58", b"TAPS/{serial}") == (tc.CHANGED, b"")
    admin.tap.wait_log("restarting the relay: relay settings changed")
    # the Tap now lives under TAPS/<serial>
    w = tc.Watcher(broker.port, [f"TAPS/{SERIAL}/status"])
    try:
        st = w.next_json(f"TAPS/{SERIAL}/status", pred=lambda j: j["state"] == "online", timeout=30)
        assert st["serial"] == SERIAL
    finally:
        w.close()
    r = tc.Requester(broker.port, SERIAL, version=4, reply_id="moved")
    r.prefix = f"TAPS/{SERIAL}"
    try:
        r.cmd_topic = f"TAPS/{SERIAL}/cmd/moved2"
        r.c.subscribe(f"TAPS/{SERIAL}/resp/moved2", 1)
        r.send_raw(tc.apdu(tc.GET, "/3//2"))
        topic, data, _ = r.wait(r.answers)
        assert topic == f"TAPS/{SERIAL}/resp/moved2"
        assert tc.parse_response(data) == (tc.CONTENT, SERIAL.encode())
    finally:
        r.close()
