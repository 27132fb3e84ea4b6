"""Small shared helpers for the integration tests."""

from __future__ import annotations

import itertools

import mqtt_codec as m
from raw_client import RawClient

_ids = itertools.count(1)


def uid(prefix: str = "c") -> str:
    """A client id / topic fragment unique within the test run."""
    return f"{prefix}{next(_ids)}"


def assert_serving(port: int, version: int = 5) -> None:
    """The broker still accepts a new client and routes a QoS 1 message to it."""
    c = RawClient(port, version)
    try:
        c.connect(uid("alive"))
        topic = uid("alive/")
        c.subscribe((topic, 1))
        c.publish(topic, b"ping", qos=1)
        c.expect_publish(topic, b"ping", qos=1)
        c.disconnect()
    finally:
        c.close()


def collect_publishes(c: RawClient, n: int, timeout: float = 5.0, ack: bool = True) -> list[m.Packet]:
    """Receive ``n`` PUBLISH packets (acknowledging them when ``ack``)."""
    out = []
    for _ in range(n):
        p = c.expect(m.PUBLISH, timeout)
        if ack:
            c.ack(p)
        out.append(p)
    return out


def forwarded_props(p: m.Packet) -> list:
    """Properties of a delivered PUBLISH minus those the broker sets per delivery
    (Topic Alias, Subscription Identifier, Message Expiry Interval)."""
    return [(k, v) for k, v in p.props
            if k not in (m.TOPIC_ALIAS, m.SUBSCRIPTION_IDENTIFIER, m.MESSAGE_EXPIRY_INTERVAL)]


def wait_sys_value(c: RawClient, topic: str, expected: bytes, timeout: float = 8.0) -> None:
    """Subscribes `c` to a $SYS topic and waits until the broker publishes `expected` on it (needs a
    short sys_interval). Other PUBLISHes on that connection are acknowledged and skipped."""
    import time
    c.subscribe((topic, 0))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            p = c.recv(timeout=max(0.05, deadline - time.monotonic()))
        except AssertionError:
            break
        if p.type != m.PUBLISH:
            continue
        c.ack(p)
        if p.topic == topic:
            last = p.payload
            if last == expected:
                return
    raise AssertionError(f"{topic}: {last!r}, expected {expected!r} within {timeout} s")
