"""`tapmq spy` black box: a real `tapmq tap`'s traffic decoded and paired with round trips, sealed
frames opened, shown as sealed or flagged; on hand-made traffic (APDUs written from
tap-protocol.md): the unanswered-commands warning naming the problem from the Tap's status,
--json, -F, --record then --replay, a bad recording; --summary.
"""

from __future__ import annotations

import json
import re

import pytest

from ctl_helpers import Background, ctl, get_request_apdu, prefix, publish, retained_status, spy, tapmq
from tap_proc import tap_factory, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq spy against tapmqd")

SERIAL = "IoTzPr0041"



def test_unanswered_commands_get_one_line_naming_the_problem(broker):
    retained_status(broker.port, "Dead1", {"state": "offline", "serial": "Dead1", "reason": "stopped",
                                           "since": "2026-12-07T12:03:11Z"})
    s = spy(broker, "--timeout", "0.3", "--warn-after", "4", "--color", "never")
    try:
        s.wait_line("Dead1 status offline since 2026-12-07T12:03:11Z (stopped)")
        for _ in range(4):
            publish(broker.port, f"{prefix('Dead1')}/cmd", get_request_apdu(1029, 4, 4))
        s.wait_line("Dead1 cmd    GET /1029/4/4 (Period)")
        s.wait_line(re.compile(r"Dead1 ! +no response in 0\.3 s to GET /1029/4/4 \(Period\) sent").search)
        line = s.wait_line("!!! ")
        assert re.search(r"!!! Dead1: 4 commands, no response in [\d.]+ s; status offline since 12:03:11: "
                         r"the Tap is not connected to the broker", line), line
    finally:
        assert s.stop() == 0


def test_json_format_record_and_replay(broker, tmp_path):
    rec = tmp_path / "rec.jsonl"
    s = spy(broker, "--json", "--record", str(rec), "IOTIZE_DEV/#", "not/#")
    try:
        publish(broker.port, f"{prefix('T2')}/cmd/ctl-9", get_request_apdu(1024, None, 9))
        publish(broker.port, f"{prefix('T2')}/resp/ctl-9", b"\x45Sensor_demo\x90\x00")
        publish(broker.port, "not/a/tap", b"\x00\xff")
        resp = json.loads(s.wait_line('"kind":"resp"'))
        assert resp["serial"] == "T2" and resp["reply_id"] == "ctl-9"
        assert resp["response"]["code"] == 0x45 and resp["response"]["value"] == "Sensor_demo"
        assert resp["answers"] == "GET /1024//9 (application name)" and resp["rtt_ms"] >= 0
        other = json.loads(s.wait_line('"not/a/tap"'))
        assert other["text"] == "hex 00FF"
    finally:
        assert s.stop() == 0
    assert len(rec.read_text().splitlines()) == 3
    # offline, line format, then -F
    p = Background([tapmq(), "spy", "--replay", str(rec), "--color", "never"])
    assert p.proc.wait(10) == 0
    p.drain()
    out = p.lines
    assert re.search(r"T2 cmd +GET /1024//9 \(application name\) +\[ctl-9\]$", out[0]), out
    assert re.search(r'T2 resp +0x45 Content "Sensor_demo" +\(GET /1024//9 \(application name\), [\d.]+ ms\)', out[1]), out
    assert out[2].endswith("not/a/tap hex 00FF")
    p = Background([tapmq(), "spy", "--replay", str(rec), "-F", "%k|%s|%d|%t"])
    assert p.proc.wait(10) == 0
    p.drain()
    assert p.lines[0] == "cmd|T2|GET /1024//9 (application name)|IOTIZE_DEV/T2_DEV/cmd/ctl-9"
    assert p.lines[2] == "other||hex 00FF|not/a/tap"


def test_replay_of_a_bad_file_says_where(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"time_us": 1, "topic": "a", "payload_hex": "00"}\nnot json\n')
    p = Background([tapmq(), "spy", "--replay", str(bad)])
    assert p.proc.wait(10) == 2
    p.drain()
    assert p.err == [f"tapmq spy: {bad}:2: not a JSON object"]


def test_live_traffic_of_a_tap_decoded_and_paired(broker, tap_factory):
    tap_factory(broker, SERIAL)
    s = spy(broker, "--color", "never", "--summary")
    try:
        assert ctl(broker, SERIAL, "get", "Count").returncode == 0
        s.wait_line(re.compile(SERIAL + r" cmd +GET /1029/1/4 \(Count\)").search)
        s.wait_line(re.compile(SERIAL + r" resp +0x45 Content \d+ +\(GET /1029/1/4 \(Count\), [\d.]+ ms\)").search)
        assert ctl(broker, SERIAL, "get", "Period").returncode == 6
        s.wait_line(re.compile(r"resp +0x81 Unauthorized \"anonymous may not GET Period").search)
    finally:
        assert s.stop() == 0
    summary = s.lines[s.lines.index(next(l for l in s.lines if l.startswith("TAP "))) + 1:]
    row = next(l for l in summary if l.startswith(SERIAL)).split()
    assert row[1:5] == ["2", "2", "1", "0"]  # commands, responses, failures, unanswered


def test_sealed_frames_with_and_without_the_netkey(broker, tap_factory):
    tap_factory(broker, SERIAL, extra=["--netkey", "s3cret"])
    keyed = spy(broker, "--color", "never", "--netkey", "s3cret")
    blind = spy(broker, "--color", "never")
    wrong = spy(broker, "--color", "never", "--netkey", "nope")
    try:
        assert ctl(broker, SERIAL, "--netkey", "s3cret", "get", "Count").returncode == 0
        keyed.wait_line(re.compile(r"cmd +GET /1029/1/4 \(Count\) +\[sealed [0-9A-F]{8} #1\]").search)
        keyed.wait_line(re.compile(r"resp +0x45 Content \d+ +\(GET /1029/1/4 \(Count\), [\d.]+ ms\) +\[sealed").search)
        blind.wait_line(re.compile(r"cmd +sealed frame from [0-9A-F]{8} #1, 12 bytes: no netkey given").search)
        wrong.wait_line("does not open with the netkey")
    finally:
        for s in (keyed, blind, wrong):
            assert s.stop() == 0
