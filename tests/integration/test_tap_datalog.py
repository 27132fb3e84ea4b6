"""Datalog and alarms of `tapmq tap`, black box: records of the bundles with a datalog period on
<prefix>/data (QoS 1, JSON: serial, time, bundle, values by variable name, typed), nothing lost
across a broker restart (duplicates only as QoS 1 allows) nor across a Tap restart; alarm events
on <prefix>/event (the LEDConfig change alarm); both sealed with a netkey.
The Sensor Demo project logs every 60 s; these tests run it with a 1 s datalog period.
"""

from __future__ import annotations

import json
import signal
import struct
import time
from datetime import datetime
from pathlib import Path

import pytest

import tap_client as tc
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0061"
DEMO = Path(__file__).resolve().parents[2] / "src" / "tap" / "projects" / "sensor_demo.json"


def fast_project(tmp_path: Path) -> Path:
    """The Sensor Demo project with a 1 s datalog on Count_Status and Sensors and the LEDConfig
    change alarm checked every 200 ms."""
    p = json.loads(DEMO.read_text())
    for b in p["bundles"]:
        b["datalog_period_ms"] = 1000 if b["name"] in ("Count_Status", "Sensors") else 0
        if b["name"] == "Count_Control":
            b["monitoring_period_ms"] = 200
    out = tmp_path / "fast.json"
    out.write_text(json.dumps(p))
    return out


def when(record) -> float:
    return datetime.fromisoformat(record["time"].replace("Z", "+00:00")).timestamp()


def test_datalog_records(broker, tap_factory, tmp_path):
    w = tc.Watcher(broker.port, [f"{tc.prefix(SERIAL)}/data"])
    try:
        tap_factory(broker, SERIAL, extra=["--project", str(fast_project(tmp_path))])
        seen = {}
        while len(seen) < 2:
            r = w.next_json(f"{tc.prefix(SERIAL)}/data")
            seen[r["bundle"]] = r
        cs, sensors = seen["Count_Status"], seen["Sensors"]
        assert cs["serial"] == SERIAL and cs["bundle_id"] == 1
        assert set(cs["values"]) == {"Count", "LEDStatus"}
        assert isinstance(cs["values"]["Count"], int) and cs["values"]["LEDStatus"] in (0, 1)
        assert 22 <= sensors["values"]["Temperature_C"] <= 28
        assert 3.25 <= sensors["values"]["Voltage_V"] <= 3.35
        assert abs(when(cs) - time.time()) < 30
        assert "Count_Control" not in seen
    finally:
        w.close()


def collect(w, topic, until: float):
    out = []
    while time.monotonic() < until:
        try:
            out.append(w.next_json(topic, timeout=max(until - time.monotonic(), 0.05)))
        except AssertionError:
            break
    return out


@pytest.mark.timeout(120)
def test_nothing_lost_across_a_broker_restart(broker_factory, tap_factory, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    b = broker_factory(["persistence true", f"persistence_location {store}"])
    topic = f"{tc.prefix(SERIAL)}/data"
    # a persistent watcher: what the broker holds for it while it is away is delivered later
    w = tc.Watcher(b.port, [topic], version=4, client_id="datalog-watcher", clean=False)
    tap = tap_factory(b, SERIAL, extra=["--project", str(fast_project(tmp_path))])
    records = collect(w, topic, time.monotonic() + 3)
    assert b.stop() == 0
    down_from = time.time()
    tap.wait_log("retrying in")
    time.sleep(3)  # the outage itself is the subject: records are taken while nothing can be sent
    ok, why = b._spawn(b.port)
    assert ok, why
    wait_status(b.port, SERIAL, "online", timeout=60)
    records += collect(w, topic, time.monotonic() + 8)
    w.close()
    cs = sorted({r["time"]: r for r in records if r["bundle"] == "Count_Status"}.values(), key=when)
    times = [when(r) for r in cs]
    assert times and times[0] < down_from and times[-1] > down_from + 4
    gaps = [b2 - a for a, b2 in zip(times, times[1:])]
    assert max(gaps) < 1.6, gaps  # one record a second, none missing
    counts = [r["values"]["Count"] for r in cs]
    assert counts == sorted(counts)


@pytest.mark.timeout(90)
def test_records_taken_while_the_tap_was_offline_are_sent_after_it_restarts(broker, tap_factory, tmp_path):
    topic = f"{tc.prefix(SERIAL)}/data"
    w = tc.Watcher(broker.port, [topic])
    proj = fast_project(tmp_path)
    tap = tap_factory(broker, SERIAL, extra=["--project", str(proj)], state_dir=tmp_path / "s")
    first = w.next_json(topic)
    # stop the broker connection by stopping the Tap cleanly, then start it again: records queued
    # on disk but never acknowledged go out after the restart
    assert tap.stop(signal.SIGTERM) == 0
    tap2 = tap_factory(broker, SERIAL, extra=["--project", str(proj)], state_dir=tmp_path / "s")
    assert tap2.status["state"] == "online"
    later = w.next_json(topic, pred=lambda r: when(r) > when(first) + 1)
    assert later["serial"] == SERIAL
    w.close()


def test_led_config_change_raises_an_event(broker, tap_factory, tmp_path):
    topic = f"{tc.prefix(SERIAL)}/event"
    w = tc.Watcher(broker.port, [topic])
    tap_factory(broker, SERIAL, extra=["--project", str(fast_project(tmp_path))])
    r = tc.Requester(broker.port, SERIAL, version=5)
    try:
        assert r.login("supervisor", "supervisor") == tc.CHANGED
        time.sleep(0.5)  # let the alarm take its baseline (one monitoring period)
        assert r.put("/1029/3/4", b"\x01") == (tc.CHANGED, b"")
        ev = w.next_json(topic)
        assert ev["event"] == "changed" and ev["name"] == "LEDConfig_changed"
        assert ev["value"] == 1 and ev["previous"] == 2
        assert ev["variable_name"] == "LEDConfig"
    finally:
        r.close()
        w.close()


def test_sealed_datalog_and_events(broker, tap_factory, tmp_path):
    data, event = f"{tc.prefix(SERIAL)}/data", f"{tc.prefix(SERIAL)}/event"
    w = tc.Watcher(broker.port, [data, event])
    tap_factory(broker, SERIAL, extra=["--project", str(fast_project(tmp_path)), "--netkey", "dl-key"])
    s = tc.SealState("dl-key", SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5, netkey="dl-key")
    try:
        t, frame, _ = w.next(topic=data)
        header, plain = s.open(frame, t)
        assert header["direction"] == tc.FROM_TAP
        assert json.loads(plain)["serial"] == SERIAL
        assert r.login("supervisor", "supervisor") == tc.CHANGED
        time.sleep(0.5)
        assert r.put("/1029/3/4", b"\x00")[0] == tc.CHANGED
        t, frame, _ = w.next(topic=event)
        assert json.loads(s.open(frame, t)[1])["name"] == "LEDConfig_changed"
    finally:
        r.close()
        w.close()
