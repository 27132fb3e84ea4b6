"""Process signals: SIGTERM shuts down cleanly (v5 clients get DISCONNECT 0x8B), SIGHUP keeps
connections."""

import signal
import time

import pytest

import mqtt_codec as m
from helpers import assert_serving, uid
from raw_client import RawClient


@pytest.mark.mosquitto_differs("2.0.11 closes v5 connections without DISCONNECT 0x8B")
def test_sigterm_disconnects_v5_clients(broker, client):
    """SIGTERM: every MQTT 5 client receives DISCONNECT 0x8B (Server shutting down) and the
    process exits with status 0."""
    cs = [client(uid(), 5) for _ in range(3)]
    cs[0].subscribe(("sig/t", 1))
    broker.send_signal(signal.SIGTERM)
    for c in cs:
        c.expect_disconnect(m.RC_SERVER_SHUTTING_DOWN, timeout=10)
    assert broker.wait_exit() == 0


def test_sigterm_closes_v311_clients_and_exits_0(broker, client):
    """SIGTERM: 3.1.1 clients are closed (no DISCONNECT exists for them) and the exit status is 0."""
    cs = [client(uid(), 4) for _ in range(3)]
    broker.send_signal(signal.SIGTERM)
    for c in cs:
        c.expect_closed(timeout=10)
    assert broker.wait_exit() == 0


def test_sigterm_idle_exits_promptly(broker):
    """SIGTERM with no clients: exit 0 within a few seconds."""
    t0 = time.monotonic()
    assert broker.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 5


def test_sigterm_with_half_open_connections(broker, raw):
    """SIGTERM while connections have not finished CONNECT or hold partial packets still exits 0."""
    a = raw(5)
    a.send(m.connect(uid(), 5)[:7])
    b = raw(5)
    b.connect(uid())
    b.send(m.publish("sig/h", b"x" * 100, qos=1, pid=1)[:20])
    t0 = time.monotonic()
    assert broker.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 10


def test_sigint_exits_0(broker):
    """SIGINT (Ctrl-C) also shuts down with status 0."""
    assert broker.stop(signal.SIGINT) == 0


def test_sighup_keeps_connections(broker, client):
    """SIGHUP (reload) keeps existing connections, sessions and subscriptions; new clients can still
    connect."""
    sub = client(uid(), 5)
    sub.subscribe(("hup/t", 1))
    v3 = client(uid(), 4)
    for _ in range(2):
        broker.send_signal(signal.SIGHUP)
        pub = client(uid(), 5)
        pub.publish("hup/t", b"after-hup", qos=1)
        sub.expect_publish("hup/t", b"after-hup")
        assert v3.is_open()
        assert broker.running()
    assert_serving(broker.port)
    # the process must still be alive after the signals were handled
    late = RawClient(broker.port, 5)
    try:
        late.connect(uid())
        assert late.is_open()
    finally:
        late.close()
    assert broker.running()
