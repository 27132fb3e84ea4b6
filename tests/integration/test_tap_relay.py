"""`tapmq tap` at run time, black box: the retained status (online with its fields, offline by the
will when the Tap is killed, offline on a clean exit), MQTT 5 correlation and 3.1.1 reply ids with
concurrent requesters, malformed frames, and the errors a user sees (broker refusing, bad key file,
bad project file). The real tapmqd and the real `tapmq tap`; requests built by tap_client.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from types import SimpleNamespace

import pytest

import tap_client as tc
from broker_proc import Broker, reserve_port
from tap_proc import tap_factory, tapmq_binary, wait_status  # noqa: F401 (fixture)

pytestmark = pytest.mark.mosquitto_skip("runs tapmq tap against tapmqd")

SERIAL = "IoTzPr0041"


def test_status_online_retained_with_its_fields(broker, tap_factory):
    tap_factory(broker, SERIAL)
    # a new subscriber gets the retained status
    st = wait_status(broker.port, SERIAL, "online")
    assert st["serial"] == SERIAL
    assert st["application"] == "Sensor_demo"
    assert st["config_version"] == 1
    assert st["firmware"] == "1.0.0"
    assert st["since"].endswith("Z")


def test_will_says_offline_when_the_tap_is_killed(broker, tap_factory):
    tap = tap_factory(broker, SERIAL)
    tap.kill()  # SIGKILL: no goodbye, the broker publishes the will
    st = wait_status(broker.port, SERIAL, "offline")
    assert st["serial"] == SERIAL
    assert st["reason"] == "connection lost"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_exit_publishes_offline(broker, tap_factory, sig):
    tap = tap_factory(broker, SERIAL)
    assert tap.stop(sig) == 0
    st = wait_status(broker.port, SERIAL, "offline")
    assert st["reason"] == "stopped"
    assert "since" in st


def test_tap_restart_comes_back_online(broker, tap_factory, tmp_path):
    tap = tap_factory(broker, SERIAL)
    assert tap.stop() == 0
    tap2 = tap_factory(broker, SERIAL, state_dir=tap.state_dir)
    assert tap2.status["state"] == "online"


def test_two_taps_cannot_share_a_state_dir(broker, tap_factory):
    tap = tap_factory(broker, SERIAL)
    p = subprocess.run([tapmq_binary(), "tap", "--serial", "Other1", "-p", str(broker.port), "--state-dir",
                        str(tap.state_dir)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 1
    assert str(tap.state_dir) in p.stderr and "in use" in p.stderr


def test_mqtt5_correlation_data_and_response_topic(broker, tap_factory):
    tap_factory(broker, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5, response_topic="my/answers/here")
    try:
        q = r.send_raw(tc.apdu(tc.GET, "/1024//9"), correlation=b"\x00corr-1\xff")
        topic, data, corr = r.wait(q)
        assert topic == "my/answers/here"
        assert corr == b"\x00corr-1\xff"
        assert data[-2:] == b"\x90\x00"
    finally:
        r.close()


def test_311_reply_ids_and_bare_cmd(broker, tap_factory):
    tap_factory(broker, SERIAL)
    a = tc.Requester(broker.port, SERIAL, version=4, reply_id="alpha")
    bare = tc.Requester(broker.port, SERIAL, version=4, reply_id="")
    try:
        assert a.resp_topic == f"{tc.prefix(SERIAL)}/resp/alpha"
        code, _ = a.request(tc.GET, "/1024//9")
        assert code not in (tc.BAD_REQUEST, tc.UNAUTHORIZED)
        topic, data, _ = bare.wait(bare.send_raw(tc.apdu(tc.GET, "/1024//9")))
        assert topic == f"{tc.prefix(SERIAL)}/resp"
        # the reply-id requester got nothing of the bare one's
        assert a.answers.empty()
    finally:
        a.close()
        bare.close()


def test_malformed_frames_answer_0x80(broker, tap_factory):
    tap_factory(broker, SERIAL)
    r = tc.Requester(broker.port, SERIAL, version=5)
    try:
        good = tc.apdu(tc.GET, "/1024//9")
        bad = [b"", b"\xa2", b"\xa1" + good[1:], good[:-1], good + b"\x00", b"\xa2\xda" + good[2:]]
        for frame in bad:
            topic, data, _ = r.wait(r.send_raw(frame))
            assert tc.parse_response(data)[0] == tc.BAD_REQUEST, frame.hex()
    finally:
        r.close()


@pytest.mark.timeout(60)
def test_concurrent_requesters_each_get_their_answers_in_order(broker, tap_factory):
    """Ten requesters (MQTT 5 and 3.1.1 mixed) each send 30 requests without waiting; every
    requester gets exactly its answers, in its order (the frames alternate malformed / well formed,
    so an answer shows which request it belongs to)."""
    tap_factory(broker, SERIAL)
    requesters = [tc.Requester(broker.port, SERIAL, version=5 if i % 2 else 4, reply_id=f"r{i}")
                  for i in range(10)]
    good = tc.apdu(tc.GET, "/1024//9")
    bad = b"\xa2\xca\x00\x00\x01\x01"
    errors = []

    def run(r: tc.Requester):
        try:
            if r.version == 5:
                qs = [r.send_raw(good if k % 3 else bad, correlation=b"%d" % k) for k in range(30)]
                for k, q in enumerate(qs):
                    _, data, corr = r.wait(q)
                    assert corr == b"%d" % k
                    assert (tc.parse_response(data)[0] == tc.BAD_REQUEST) == (k % 3 == 0), k
            else:
                for k in range(30):
                    r.send_raw(good if k % 3 else bad)
                for k in range(30):
                    _, data, _ = r.wait(r.answers)
                    assert (tc.parse_response(data)[0] == tc.BAD_REQUEST) == (k % 3 == 0), k
                assert r.answers.empty()
        except BaseException as e:  # noqa: BLE001
            errors.append(f"{r.cmd_topic}: {e!r}")

    threads = [threading.Thread(target=run, args=(r,)) for r in requesters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    for r in requesters:
        r.close()
    assert not errors, errors


def test_broker_refusing_is_named_and_retried(broker_factory, tap_factory, tmp_path):
    pw = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pw), SERIAL, "right"], check=True, capture_output=True)
    b = broker_factory(["allow_anonymous false", f"password_file {pw}"])
    tap = tap_factory(b, SERIAL, extra=["-P", "wrong"], wait=False)
    tap.wait_log(f"the broker refused {SERIAL}: 0x86 bad user name or password")
    line = tap.wait_log("retrying in")
    assert "retrying in" in line
    assert tap.running()  # never gives up


def test_broker_unreachable_is_retried_then_connects(tap_factory, tmp_path):
    port = reserve_port()
    tap = tap_factory(SimpleNamespace(port=port), SERIAL, wait=False)
    tap.wait_log(f"cannot connect to 127.0.0.1:{port}")
    tap.wait_log("retrying in")
    late = Broker(tmp_path, [], name="late")
    late.config_path.write_text(late.config_text(port))
    ok, why = late._spawn(port)
    assert ok, why
    late.port = port
    try:
        assert wait_status(port, SERIAL, "online", timeout=40)["serial"] == SERIAL
        assert tap.running()
    finally:
        tap.stop()
        late.stop()


def test_key_file_must_be_private(broker, tmp_path):
    key = tmp_path / "netkey"
    key.write_text("secret\n")
    os.chmod(key, 0o644)
    p = subprocess.run([tapmq_binary(), "tap", "--serial", SERIAL, "-p", str(broker.port), "--state-dir",
                        str(tmp_path / "s"), "--netkey-file", str(key)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2
    assert f"chmod 600 {key}" in p.stderr and "0644" in p.stderr


def test_bad_project_file_names_file_and_pointer(broker, tmp_path):
    proj = tmp_path / "p.json"
    proj.write_text(json.dumps({"application": {"name": "x", "config_version": 1}, "variables": [
        {"id": 1, "name": "A", "address": 0, "type": "flot32"}]}))
    p = subprocess.run([tapmq_binary(), "tap", "--serial", SERIAL, "-p", str(broker.port), "--state-dir",
                        str(tmp_path / "s"), "--project", str(proj)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2
    assert "p.json: /variables/0/type" in p.stderr
