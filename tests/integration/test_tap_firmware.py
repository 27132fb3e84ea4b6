"""Firmware update through `tapmq tap` (LwM2M object 5, layouts in src/relay/firmware_update.hpp),
black box: a good package installs, the relay restarts and its status shows the new version; a
corrupted one is refused and the old firmware keeps running; a download interrupted by a Tap
restart resumes from GET /5//0's next missing offset.
"""

from __future__ import annotations

import hashlib
import json
import struct

import pytest

import tap_client as tc
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0071"
PART = 1000


def package(version: str, size: int = 0) -> bytes:
    body = {"type": "tapmq-firmware", "version": version}
    if size:
        body["padding"] = "x" * size
    return json.dumps(body).encode()


def start_part(pkg: bytes, digest: bytes | None = None) -> bytes:
    return b"\xff\xff\xff\xff" + struct.pack(">I", len(pkg)) + (digest or hashlib.sha256(pkg).digest())


def send(r: tc.Requester, pkg: bytes, start: int = 0, end: int | None = None):
    end = len(pkg) if end is None else end
    for off in range(start, end, PART):
        code, _ = r.put("/5//0", struct.pack(">I", off) + pkg[off:min(off + PART, end)])
        assert code == tc.CHANGED, (off, hex(code))


def u8(r, p):
    code, data = r.get(p)
    assert code == tc.CONTENT
    return data[0]


@pytest.fixture
def admin(broker, tap_factory):
    tap = tap_factory(broker, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5)
    assert r.login("admin", "admin") == tc.CHANGED
    r.tap = tap
    yield r
    r.close()


@pytest.mark.timeout(60)
def test_good_package_installs_and_the_relay_restarts(broker, admin):
    pkg = package("2.0.0", 3000)
    assert admin.put("/5//0", start_part(pkg))[0] == tc.CHANGED
    assert u8(admin, "/5//3") == 1  # downloading
    send(admin, pkg)
    assert u8(admin, "/5//3") == 2  # downloaded
    assert admin.post("/5//2")[0] == tc.CHANGED
    st = wait_status(broker.port, SERIAL, "online", pred=lambda j: j["firmware"] == "2.0.0", timeout=30)
    assert st["application"] == "Sensor_demo"
    admin.tap.wait_log("restarting the relay: firmware 2.0.0 installed")
    # a new connection: log in again
    assert admin.login("admin", "admin") == tc.CHANGED
    assert admin.get("/3//3") == (tc.CONTENT, b"2.0.0")
    assert u8(admin, "/5//5") == 1  # success
    assert u8(admin, "/5//3") == 0  # idle


def test_corrupted_package_is_refused_and_old_firmware_runs(broker, admin):
    pkg = package("6.6.6", 2000)
    bad = bytearray(pkg)
    bad[100] ^= 0xFF
    assert admin.put("/5//0", start_part(pkg))[0] == tc.CHANGED
    send(admin, bytes(bad))
    assert admin.post("/5//2")[0] == tc.BAD_REQUEST
    assert u8(admin, "/5//5") == 5  # integrity check failure
    assert admin.get("/3//3") == (tc.CONTENT, b"1.0.0")
    assert wait_status(broker.port, SERIAL, "online")["firmware"] == "1.0.0"


def test_incomplete_package_cannot_be_installed(broker, admin):
    pkg = package("3.0.0", 2000)
    assert admin.put("/5//0", start_part(pkg))[0] == tc.CHANGED
    send(admin, pkg, 0, 1000)
    assert admin.post("/5//2")[0] == tc.BAD_REQUEST
    assert admin.get("/3//3") == (tc.CONTENT, b"1.0.0")


def test_anonymous_may_not_update(broker, tap_factory):
    tap_factory(broker, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5)
    try:
        pkg = package("9.9.9")
        assert r.put("/5//0", start_part(pkg))[0] == tc.UNAUTHORIZED
    finally:
        r.close()


@pytest.mark.timeout(90)
def test_interrupted_download_resumes_after_a_tap_restart(broker, tap_factory, tmp_path):
    state = tmp_path / "fw-state"
    tap = tap_factory(broker, SERIAL, state_dir=state)
    pkg = package("4.0.0", 12000)
    r = tc.Requester(broker.port, SERIAL, version=5)
    try:
        assert r.login("admin", "admin") == tc.CHANGED
        assert r.put("/5//0", start_part(pkg))[0] == tc.CHANGED
        send(r, pkg, 0, 9000)
        assert tap.stop() == 0  # the Tap goes away mid-download
        tap_factory(broker, SERIAL, state_dir=state)
        assert r.login("admin", "admin") == tc.CHANGED
        assert r.put("/5//0", start_part(pkg))[0] == tc.CHANGED  # same size and hash: resume
        code, data = r.get("/5//0")
        total, nxt = struct.unpack(">II", data)
        assert code == tc.CONTENT and total == len(pkg)
        assert 0 < nxt <= 9000  # from the last checkpoint (every 4 KiB received) on
        send(r, pkg, nxt)
        assert r.post("/5//2")[0] == tc.CHANGED
        wait_status(broker.port, SERIAL, "online", pred=lambda j: j["firmware"] == "4.0.0", timeout=30)
    finally:
        r.close()
