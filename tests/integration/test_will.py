"""Will messages (MQTT 3.1.1 section 3.1.2.5-3.1.2.7; MQTT 5.0 sections 3.1.2.5-3.1.2.7, 3.1.3.2)."""

import time

import pytest

import mqtt_codec as m
from helpers import uid


def _watcher(client, topic, version=5, qos=2):
    w = client(uid("watch"), version)
    w.subscribe((topic, qos))
    return w


def _closed_normally(c):
    """Wait until the broker has processed the DISCONNECT (it closes the connection)."""
    c.disconnect()


@pytest.mark.parametrize("version", [3, 4, 5])
def test_will_on_abnormal_close(client, version):
    """[MQTT-3.1.2-8] the Will Message is published when the connection closes without DISCONNECT."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), version, will=m.Will(topic, b"gone", qos=1))
    c.abort()
    w.expect_publish(topic, b"gone", qos=1, retain=False)


@pytest.mark.parametrize("version", [4, 5])
def test_will_on_socket_shutdown(client, version):
    """[MQTT-3.1.2-8] an orderly TCP close (FIN) without DISCONNECT also triggers the will."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), version, will=m.Will(topic, b"fin", qos=0))
    c.close()
    w.expect_publish(topic, b"fin", qos=0)


@pytest.mark.parametrize("version", [4, 5])
def test_no_will_on_normal_disconnect(client, version):
    """[MQTT-3.1.2-10] (v5 [MQTT-3.14.4-3]) after a normal DISCONNECT the will is discarded.
    The marker published after the broker closed the connection arrives first and alone."""
    topic = uid("will/")
    w = _watcher(client, topic)
    w.subscribe((topic + "/marker", 0))
    c = client(uid(), version, will=m.Will(topic, b"should-not", qos=1))
    _closed_normally(c)
    other = client(uid(), version)
    other.publish(topic + "/marker", b"m", qos=1)
    w.expect_publish(topic + "/marker", b"m")
    assert w.sync() == []


def test_will_on_disconnect_with_will_message(client):
    """3.14.2.1: DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the will."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), 5, will=m.Will(topic, b"asked", qos=1))
    c.disconnect(m.RC_DISCONNECT_WITH_WILL)
    w.expect_publish(topic, b"asked", qos=1)


@pytest.mark.parametrize("will_qos", [0, 1, 2])
def test_will_qos(client, will_qos):
    """[MQTT-3.1.2-14]: the will is published with its Will QoS (subscriber at QoS 2)."""
    topic = uid("will/")
    w = _watcher(client, topic, qos=2)
    c = client(uid(), 5, will=m.Will(topic, b"q", qos=will_qos))
    c.abort()
    w.expect_publish(topic, b"q", qos=will_qos)


@pytest.mark.parametrize("version", [4, 5])
def test_will_retain(client, version):
    """[MQTT-3.1.2-17] Will Retain 1: the will is published as a retained message; a later
    subscriber receives it with RETAIN 1."""
    topic = uid("will/")
    c = client(uid(), version, will=m.Will(topic, b"retained-will", qos=1, retain=True))
    w = _watcher(client, topic)
    c.abort()
    w.expect_publish(topic, b"retained-will", qos=1)
    late = client(uid(), version)
    late.subscribe((topic, 1))
    late.expect_publish(topic, b"retained-will", retain=True)


@pytest.mark.parametrize("version", [4, 5])
def test_will_not_retained(client, version):
    """[MQTT-3.1.2-16] Will Retain 0: the will is not stored as retained."""
    topic = uid("will/")
    c = client(uid(), version, will=m.Will(topic, b"nr", qos=1, retain=False))
    w = _watcher(client, topic)
    c.abort()
    w.expect_publish(topic, b"nr")
    late = client(uid(), version)
    late.subscribe((topic, 1))
    assert late.sync() == []


def test_will_properties_forwarded(client):
    """3.1.3.2: will properties (content type, response topic, correlation data, user properties)
    are sent with the Will Message."""
    topic = uid("will/")
    w = _watcher(client, topic)
    props = [(m.CONTENT_TYPE, "text/will"), (m.RESPONSE_TOPIC, "will/resp"),
             (m.CORRELATION_DATA, b"\x01\x02"), (m.USER_PROPERTY, ("why", "crash")),
             (m.USER_PROPERTY, ("n", "2"))]
    c = client(uid(), 5, will=m.Will(topic, b"wp", qos=1, props=props))
    c.abort()
    p = w.expect_publish(topic, b"wp")
    assert p.prop(m.CONTENT_TYPE) == "text/will"
    assert p.prop(m.RESPONSE_TOPIC) == "will/resp"
    assert p.prop(m.CORRELATION_DATA) == b"\x01\x02"
    assert p.user_properties == [("why", "crash"), ("n", "2")]


@pytest.mark.timeout(20)
def test_will_delay_interval(client):
    """[MQTT-3.1.3-9] with a Will Delay Interval of 2 s the will is published 2 s after the close,
    not before."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)],
               will=m.Will(topic, b"late", qos=1, props=[(m.WILL_DELAY_INTERVAL, 2)]))
    t0 = time.monotonic()
    c.abort()
    w.expect_publish(topic, b"late", timeout=6)
    elapsed = time.monotonic() - t0
    assert 1.8 <= elapsed <= 5, f"will published after {elapsed:.2f}s, delay was 2s"


@pytest.mark.timeout(20)
def test_will_delay_cancelled_by_reconnect(client):
    """[MQTT-3.1.3-9]: a reconnect with the same ClientID before the delay elapses means the will
    is not sent."""
    topic = uid("will/")
    cid = uid("wd")
    w = _watcher(client, topic)
    c = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)],
               will=m.Will(topic, b"cancelled", qos=1, props=[(m.WILL_DELAY_INTERVAL, 1)]))
    c.abort()
    c2 = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    w.expect_no_packet(2.0)   # beyond the 1 s delay: nothing may arrive
    c2.disconnect()


@pytest.mark.timeout(20)
@pytest.mark.mosquitto_differs("waits for the will delay even though the session ended")
def test_will_sent_at_session_end_before_delay(client):
    """3.1.3.2.2: the will is published when the session ends, even if the Will Delay Interval
    (30 s) has not elapsed (Session Expiry 0)."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), 5, will=m.Will(topic, b"session-end", qos=1, props=[(m.WILL_DELAY_INTERVAL, 30)]))
    t0 = time.monotonic()
    c.abort()
    w.expect_publish(topic, b"session-end", timeout=5)
    assert time.monotonic() - t0 < 4


@pytest.mark.parametrize("version", [4, 5])
def test_will_on_protocol_error(client, version):
    """3.1.2.5 (3.1.1): the will is published when the server closes the connection because of a
    protocol error (here a malformed PUBLISH with QoS 3)."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), version, will=m.Will(topic, b"bad-client", qos=1))
    c.send(b"\x36\x05\x00\x01a\x00\x01")   # PUBLISH QoS 3
    c.expect_error_close(m.RC_MALFORMED_PACKET)
    w.expect_publish(topic, b"bad-client")


@pytest.mark.mosquitto_differs("checks keep alive only every ~5 s")
def test_will_on_keepalive_timeout(client):
    """3.1.2.5: the will is published when the keep alive expires."""
    topic = uid("will/")
    w = _watcher(client, topic)
    client(uid(), 4, keepalive=1, will=m.Will(topic, b"ka", qos=1))
    w.expect_publish(topic, b"ka", timeout=4)


@pytest.mark.parametrize("version", [4, 5])
def test_will_on_takeover(client, version):
    """[MQTT-3.1.4-3]: when a connection is taken over the old one's will is published (v5: as its
    Will Delay is 0)."""
    topic = uid("will/")
    cid = uid("wt")
    w = _watcher(client, topic)
    client(cid, version, will=m.Will(topic, b"taken", qos=1))
    client(cid, version)
    w.expect_publish(topic, b"taken")


def test_will_topic_with_wildcard_rejected(raw, broker):
    """4.7.1/[MQTT-3.3.2-2]: the Will Topic is a topic name, wildcards make the CONNECT invalid
    (refused with a CONNACK failure code or closed)."""
    c = raw(5)
    c.send(m.connect(uid(), 5, will=m.Will("will/#", b"x")))
    try:
        p = c.recv(5)
    except Exception:
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc >= 0x80, f"wildcard will topic accepted: {p!r}"


@pytest.mark.mosquitto_skip("worker_threads is a tapmqd directive")
@pytest.mark.broker_config("worker_threads 1")
def test_will_reaches_subscriber_on_the_same_worker(client):
    """With one worker thread the closing client and the subscriber share it: the will is still sent
    at once, not when the subscriber's worker next has something else to do."""
    topic = uid("will/")
    w = _watcher(client, topic)
    c = client(uid(), 5, will=m.Will(topic, b"gone", qos=1))
    c.close()
    w.expect_publish(topic, b"gone", qos=1)
