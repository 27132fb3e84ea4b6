"""`tapmq tap --fleet N`, black box: N Taps in one process, serials counting up from --serial's
trailing digits (zero-padded, growing past 9s), each online with its own connection, state
directory and simulated board, each answering as itself; SIGTERM takes them all offline.
"""

from __future__ import annotations

import struct

import pytest

import tap_client as tc
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIALS = ["FLT0098", "FLT0099", "FLT0100", "FLT0101", "FLT0102"]


@pytest.mark.timeout(60)
def test_fleet_of_five(broker, tap_factory, tmp_path):
    tap = tap_factory(broker, "FLT0098", extra=["--fleet", "5"], state_dir=tmp_path / "fleet")
    for s in SERIALS:
        assert wait_status(broker.port, s, "online")["serial"] == s
        assert (tmp_path / "fleet" / s).is_dir()
    temps = set()
    for s in SERIALS[:3]:
        r = tc.Requester(broker.port, s, version=5)
        try:
            assert r.get("/3//2") == (tc.CONTENT, s.encode())
            code, data = r.get("/1028/2/1")
            assert code == tc.CONTENT
            temps.add(struct.unpack(">ff", data)[0])
        finally:
            r.close()
    assert len(temps) == 3  # each board is seeded from its serial
    assert tap.stop() == 0
    for s in SERIALS:
        assert wait_status(broker.port, s, "offline")["reason"] == "stopped"


def test_fleet_serial_without_digits(broker, tap_factory, tmp_path):
    tap_factory(broker, "DEMO", extra=["--fleet", "2"], state_dir=tmp_path / "f2", wait=False)
    for s in ("DEMO0000", "DEMO0001"):
        assert wait_status(broker.port, s, "online")["serial"] == s
