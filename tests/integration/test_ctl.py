"""`tapmq ctl` black box: the real tapmqd, the real `tapmq tap` (plain and sealed) and the tool as a
user runs it. Each diagnosis has a test: broker down, no Tap with this serial ever connected, a
retained offline status, a Tap killed (offline by its will), wrong or missing netkey, unauthorised
write; values refused by the project before anything is sent; info, get/set, bundle, raw, watch at
the bundle's period, config push of a good and a bad project, firmware push interrupted and
resumed, datalog pull, ls with Taps going offline; MQTT 5 correlation and 3.1.1 reply ids; TCP and
WebSocket listeners.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from broker_proc import reserve_port
from ctl_helpers import Background, ctl, prefix, retained_status, tapmq
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq ctl against tapmqd")

SERIAL = "IoTzPr0041"

# Exit statuses (docs/tap.md, "The control centre and the spy")
OK, NETWORK, BAD_INPUT, BROKER, TIMEOUT, NOT_FOUND, REFUSED, TAP_ERROR = range(8)



# ------------------------------------------------------------------ diagnoses without a Tap
def test_broker_down_is_a_network_failure():
    port = reserve_port()
    p = ctl(None, SERIAL, "get", "Period", conn=["-h", "127.0.0.1", "-p", str(port)])
    assert p.returncode == NETWORK, p.stderr
    assert f"cannot connect to the broker at" in p.stderr and str(port) in p.stderr


def test_no_tap_ever_connected_says_so(broker):
    p = ctl(broker, "NoSuchTap", "get", "Period", "--timeout", "0.5")
    assert p.returncode == TIMEOUT, p.stderr
    assert "no answer from NoSuchTap in 0.5 s; no status on IOTIZE_DEV/NoSuchTap_DEV/status" in p.stderr


def test_offline_status_is_quoted(broker):
    retained_status(broker.port, "Gone1", {"state": "offline", "serial": "Gone1", "reason": "stopped",
                                           "since": "2026-01-02T12:03:11Z"})
    p = ctl(broker, "Gone1", "info", "--timeout", "0.5")
    assert p.returncode == TIMEOUT
    assert p.stderr.strip() == ("tapmq ctl: no answer from Gone1 in 0.5 s; its status says offline since "
                                "2026-01-02 12:03:11, stopped (the Tap is not connected to the broker)")


def test_bad_input_is_refused_before_anything_is_sent(broker):
    p = ctl(broker, SERIAL, "set", "Period", "5", "--timeout", "0.5")
    assert p.returncode == BAD_INPUT
    assert "Period" in p.stderr and "10" in p.stderr  # below min 10
    p = ctl(broker, SERIAL, "set", "LEDConfig", "sparkle", "--timeout", "0.5")
    assert p.returncode == BAD_INPUT
    assert "one of off on blink" in p.stderr
    p = ctl(broker, SERIAL, "set", "Period", "1.5", "--timeout", "0.5")
    assert p.returncode == BAD_INPUT
    p = ctl(broker, SERIAL, "get", "Nope", "--timeout", "0.5")
    assert p.returncode == NOT_FOUND
    assert 'no variable "Nope"' in p.stderr and "Period" in p.stderr
    p = ctl(broker, SERIAL, "set", "Count", "3", "--timeout", "0.5")
    assert p.returncode == REFUSED
    assert "Count is read-only" in p.stderr
    p = ctl(broker, SERIAL, "raw", "DELETE", "/1024//9")
    assert p.returncode == BAD_INPUT
    p = ctl(broker, SERIAL, "get", "Period", "--project", "/nonexistent.json")
    assert p.returncode == BAD_INPUT and "cannot read the project file" in p.stderr


def test_ls_lists_the_fleet_and_follows_it(broker):
    retained_status(broker.port, "TapA", {"state": "online", "serial": "TapA", "firmware": "1.0.0",
                                          "application": "Sensor_demo", "config_version": 1,
                                          "since": "2026-12-07T10:00:00Z"})
    retained_status(broker.port, "TapB", {"state": "offline", "serial": "TapB", "reason": "connection lost"})
    p = ctl(broker, None, "ls")
    assert p.returncode == OK, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["SERIAL", "STATE", "SINCE", "FIRMWARE", "APPLICATION"]
    assert re.match(r"TapA +online +\S+.* +1\.0\.0 +Sensor_demo v1$", lines[1]), lines
    assert re.match(r"TapB +offline +- *$", lines[2]), lines
    p = ctl(broker, None, "ls", "--json", "B")
    assert [json.loads(l)["serial"] for l in p.stdout.splitlines()] == ["TapB"]
    # --watch: a Tap going offline shows up as it happens
    w = Background([tapmq(), "ctl", "-h", "127.0.0.1", "-p", str(broker.port), "ls", "--watch", "--json"])
    try:
        w.wait_line('"TapA"')
        start = len(w.lines)
        retained_status(broker.port, "TapA", {"state": "offline", "serial": "TapA", "reason": "connection lost"})
        line = w.wait_line('"TapA"', start=start)
        assert json.loads(line)["state"] == "offline"
    finally:
        assert w.stop() == 0


# ------------------------------------------------------------------ with a real `tapmq tap`
def test_info_get_set_bundle_raw(broker, tap_factory):
    tap_factory(broker, SERIAL)
    p = ctl(broker, SERIAL, "info")
    assert p.returncode == OK, p.stderr
    info = dict(re.split(r"\s{2,}|\s(?=\S)", l, maxsplit=1) for l in p.stdout.splitlines())
    assert info["serial"] == SERIAL and info["application"] == "Sensor_demo"
    assert info["config_version"] == "1" and info["manufacturer"] == "tapmq"
    assert info["profile"] == "anonymous (0)" and info["target"] == "connected"
    assert info["status"].startswith("online since")

    p = ctl(broker, SERIAL, "get", "Count", "LEDStatus", "Temperature_C")
    assert p.returncode == OK, p.stderr
    count, led, temp = p.stdout.split()
    assert int(count) >= 0 and led in ("0", "1") and 15 < float(temp) < 35
    # anonymous reads Count_Status and Sensors only
    p = ctl(broker, SERIAL, "get", "Period")
    assert p.returncode == REFUSED
    assert "refused: 0x81 Unauthorized (anonymous may not GET Period (/1029/4/4))" in p.stderr

    # anonymous may not write Period: the Tap's reason is quoted
    p = ctl(broker, SERIAL, "set", "Period", "500")
    assert p.returncode == REFUSED
    assert p.stderr.startswith("tapmq ctl: refused: 0x81 Unauthorized (anonymous may not PUT")
    p = ctl(broker, SERIAL, "--user", "supervisor", "--password", "supervisor", "set", "Period", "500")
    assert p.returncode == OK, p.stderr
    assert p.stdout.strip() == "Period = 500"
    p = ctl(broker, SERIAL, "--user", "supervisor", "--password", "supervisor", "set", "LEDConfig", "blink")
    assert p.returncode == OK, p.stderr
    p = ctl(broker, SERIAL, "--user", "supervisor", "--password", "supervisor", "get", "Period", "LEDConfig",
            "--json")
    assert json.loads(p.stdout) == {"Period": 500, "LEDConfig": 2}
    p = ctl(broker, SERIAL, "--user", "supervisor", "--password", "wrong", "get", "Period")
    assert p.returncode == REFUSED and "login as supervisor refused" in p.stderr

    p = ctl(broker, SERIAL, "bundle", "Sensors", "--json")
    assert p.returncode == OK, p.stderr
    assert set(json.loads(p.stdout)) == {"Temperature_C", "Voltage_V"}

    p = ctl(broker, SERIAL, "raw", "GET", "/1024//9")
    assert p.returncode == OK
    assert p.stdout.splitlines() == ["0x45 Content", b"Sensor_demo".hex().upper(), '"Sensor_demo"']
    p = ctl(broker, SERIAL, "raw", "GET", "/4242//1")
    assert p.returncode == NOT_FOUND and p.stdout.startswith("0x84 Not Found")


def test_mqtt311_reply_ids(broker, tap_factory):
    tap_factory(broker, SERIAL)
    p = ctl(broker, SERIAL, "-V", "311", "get", "Count")
    assert p.returncode == OK, p.stderr
    assert int(p.stdout) >= 0


def test_watch_samples_arrive_at_the_bundle_period(broker, tap_factory):
    tap_factory(broker, SERIAL)
    p = ctl(broker, SERIAL, "watch", "Count_Status", "--json", "--count", "5")
    assert p.returncode == OK, p.stderr
    samples = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(samples) == 5 and all(s["bundle"] == "Count_Status" for s in samples)
    times = [time.mktime(time.strptime(s["time"][:19], "%Y-%m-%dT%H:%M:%S")) + float(s["time"][19:-1] or 0)
             for s in samples]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.3 <= g <= 1.0 for g in gaps), gaps  # 500 ms, give or take a loaded machine's round trip
    assert set(samples[0]["values"]) == {"Count", "LEDStatus"}


def test_tap_killed_is_diagnosed_from_its_will(broker, tap_factory):
    t = tap_factory(broker, SERIAL)
    t.kill()
    wait_status(broker.port, SERIAL, "offline")
    p = ctl(broker, SERIAL, "get", "Period", "--timeout", "0.5")
    assert p.returncode == TIMEOUT
    assert "its status says offline" in p.stderr and "(the Tap is not connected to the broker)" in p.stderr


def test_netkey_right_wrong_and_missing(broker, tap_factory):
    # A sealing Tap answers a request it cannot open at most once a second: one Tap per case.
    for serial in ("IoTzPr0051", "IoTzPr0052"):
        tap_factory(broker, serial, extra=["--netkey", "s3cret"])
    p = ctl(broker, "IoTzPr0051", "--netkey", "s3cret", "get", "Count")
    assert p.returncode == OK, p.stderr
    assert int(p.stdout) >= 0
    p = ctl(broker, "IoTzPr0051", "--netkey", "wrong", "get", "Count")
    assert p.returncode == REFUSED
    assert "the Tap IoTzPr0051 could not open the request: wrong netkey?" in p.stderr
    p = ctl(broker, "IoTzPr0052", "get", "Count")
    assert p.returncode == REFUSED
    assert "probably has a netkey and serves only sealed requests; give --netkey or --netkey-file" in p.stderr


def test_config_push_good_and_bad(broker, tap_factory, tmp_path):
    tap_factory(broker, SERIAL)
    p = ctl(broker, SERIAL, "config", "pull", str(tmp_path / "pulled.json"))
    assert p.returncode == OK, p.stderr
    demo = json.loads((tmp_path / "pulled.json").read_text())
    assert demo["application"]["config_version"] == 1
    demo["application"]["config_version"] = 2
    good = tmp_path / "v2.json"
    good.write_text(json.dumps(demo))
    p = ctl(broker, SERIAL, "config", "push", str(good), "--user", "admin", "--password", "admin")
    assert p.returncode == OK, p.stderr
    assert p.stdout.strip() == "configuration applied: Sensor_demo version 2 (was 1)"
    demo["variables"][0]["type"] = "flot32"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(demo))
    p = ctl(broker, SERIAL, "config", "push", str(bad), "--user", "admin", "--password", "admin")
    assert p.returncode == BAD_INPUT
    assert '"flot32" is not a type' in p.stderr and "(nothing was sent)" in p.stderr
    p = ctl(broker, SERIAL, "config", "push", str(good))
    assert p.returncode == REFUSED  # anonymous


def test_firmware_push_interrupted_resumes_and_reports_the_result(broker, tap_factory, tmp_path):
    tap_factory(broker, SERIAL)
    package = json.dumps({"type": "tapmq-firmware", "version": "2.0.0", "padding": "x" * 60000}).encode()
    f = tmp_path / "fw.json"
    f.write_bytes(package)
    admin = ["--user", "admin", "--password", "admin"]
    # A first push broken off part-way: the start part and the first 4096 bytes, sent by hand.
    import hashlib
    start = b"\xff\xff\xff\xff" + len(package).to_bytes(4, "big") + hashlib.sha256(package).digest()
    assert ctl(broker, SERIAL, *admin, "raw", "PUT", "/5//0", start.hex()).returncode == OK
    for off in range(0, 4096, 1024):
        part = off.to_bytes(4, "big") + package[off:off + 1024]
        assert ctl(broker, SERIAL, *admin, "raw", "PUT", "/5//0", part.hex()).returncode == OK
    p = ctl(broker, SERIAL, *admin, "firmware", "push", str(f), timeout=90)
    assert p.returncode == OK, p.stdout + p.stderr
    assert f"firmware push: resuming at byte 4096 of {len(package)}" in p.stderr
    assert "update started" in p.stdout
    assert re.search(r"firmware \S+ -> 2\.0\.0: result 1 \(success\)", p.stdout), p.stdout
    st = wait_status(broker.port, SERIAL, "online", pred=lambda j: j.get("firmware") == "2.0.0")
    assert st["firmware"] == "2.0.0"


def test_datalog_pull_empties_the_queue(broker, tap_factory, tmp_path):
    tap_factory(broker, SERIAL)
    admin = ["--user", "admin", "--password", "admin"]
    p = ctl(broker, SERIAL, *admin, "datalog", "pull", "--csv", str(tmp_path / "log.csv"))
    assert p.returncode == OK, p.stderr
    assert re.search(r"\d+ datalog records pulled from " + SERIAL, p.stderr)
    assert (tmp_path / "log.csv").read_text().splitlines()[0].startswith("time,bundle")
    p = ctl(broker, SERIAL, *admin, "raw", "GET", "/1031//10")
    assert p.returncode == OK and p.stdout.splitlines()[1] == "00000000"


def test_websocket_listener(broker_factory, tap_factory):
    ws = reserve_port()
    b = broker_factory(extra_lines=[f"listener {ws} 127.0.0.1", "protocol websockets"])
    tap_factory(b, SERIAL)
    p = ctl(b, SERIAL, "get", "Count", conn=["-L", f"ws://127.0.0.1:{ws}/mqtt"])
    assert p.returncode == OK, p.stderr
    assert int(p.stdout) >= 0
