"""Retained messages (MQTT 3.1.1 section 3.3.1.3; MQTT 5.0 sections 3.3.1.3, 3.2.2.3.5)."""

import time

import pytest

import mqtt_codec as m
from helpers import assert_serving, forwarded_props, uid, wait_sys_value


@pytest.mark.parametrize("version", [4, 5])
def test_retained_delivered_on_subscribe(client, version):
    """[MQTT-3.3.1-5] (v5 [MQTT-3.3.1-5]) a retained message is stored and delivered to later
    subscribers with RETAIN 1 [MQTT-3.3.1-8]."""
    topic = uid("rt/")
    pub = client(uid(), version)
    pub.publish(topic, b"stored", qos=1, retain=True)
    sub = client(uid(), version)
    sub.subscribe((topic, 1))
    sub.expect_publish(topic, b"stored", qos=1, retain=True)
    assert sub.sync() == []


@pytest.mark.parametrize("version", [4, 5])
def test_retained_replaced(client, version):
    """[MQTT-3.3.1-5] a new retained message replaces the previous one on that topic."""
    topic = uid("rt/")
    pub = client(uid(), version)
    pub.publish(topic, b"first", qos=1, retain=True)
    pub.publish(topic, b"second", qos=1, retain=True)
    sub = client(uid(), version)
    sub.subscribe((topic, 1))
    sub.expect_publish(topic, b"second", retain=True)
    assert sub.sync() == []


@pytest.mark.parametrize("version", [4, 5])
def test_retained_qos0_replaces(client, version):
    """[MQTT-3.3.1-7] (3.1.1) a QoS 0 retained message also replaces the retained message."""
    topic = uid("rt/")
    pub = client(uid(), version)
    pub.publish(topic, b"q1", qos=1, retain=True)
    pub.publish(topic, b"q0", qos=0, retain=True)
    pub.sync()
    sub = client(uid(), version)
    sub.subscribe((topic, 1))
    sub.expect_publish(topic, b"q0", qos=0, retain=True)


@pytest.mark.parametrize("version", [4, 5])
def test_retained_deleted_by_empty_payload(client, version):
    """[MQTT-3.3.1-10]/[MQTT-3.3.1-11] an empty retained message removes the retained message
    (it is not stored itself); existing subscribers get it as a normal message."""
    topic = uid("rt/")
    pub = client(uid(), version)
    live = client(uid(), version)
    live.subscribe((topic, 1))
    pub.publish(topic, b"x", qos=1, retain=True)
    live.expect_publish(topic, b"x")
    pub.publish(topic, b"", qos=1, retain=True)
    live.expect_publish(topic, b"")
    sub = client(uid(), version)
    sub.subscribe((topic, 1))
    assert sub.sync() == [], "retained message not deleted"


@pytest.mark.parametrize("version", [4, 5])
def test_non_retained_publish_keeps_retained(client, version):
    """[MQTT-3.3.1-12] (3.1.1) a PUBLISH with RETAIN 0 neither stores nor removes the retained message."""
    topic = uid("rt/")
    pub = client(uid(), version)
    pub.publish(topic, b"kept", qos=1, retain=True)
    pub.publish(topic, b"transient", qos=1, retain=False)
    pub.publish(topic, b"", qos=1, retain=False)
    sub = client(uid(), version)
    sub.subscribe((topic, 1))
    sub.expect_publish(topic, b"kept", retain=True)
    assert sub.sync() == []


@pytest.mark.parametrize("msg_qos,sub_qos", [(2, 1), (1, 2), (2, 0), (0, 2)])
def test_retained_qos_is_minimum(client, msg_qos, sub_qos):
    """[MQTT-3.3.1-6]/[MQTT-3.8.4-6]: a retained message is delivered at min(stored QoS, granted QoS)."""
    topic = uid("rt/")
    pub = client(uid(), 5)
    pub.publish(topic, b"q", qos=msg_qos, retain=True)
    pub.sync()
    sub = client(uid(), 5)
    sub.subscribe((topic, sub_qos))
    sub.expect_publish(topic, b"q", qos=min(msg_qos, sub_qos), retain=True)


def test_retained_wildcard_subscription(client):
    """All retained messages matching a wildcard filter are delivered."""
    base = uid("rw")
    pub = client(uid(), 5)
    topics = [f"{base}/a", f"{base}/b/c", f"{base}/d"]
    for t in topics:
        pub.publish(t, t.encode(), qos=1, retain=True)
    sub = client(uid(), 5)
    sub.subscribe((f"{base}/#", 1))
    got = sub.sync()
    for p in got:
        sub.ack(p)
    assert sorted(p.topic for p in got) == sorted(topics)
    assert all(p.retain and p.payload == p.topic.encode() for p in got)


def test_retained_properties_kept(client):
    """Retained messages keep their properties (content type, user properties, correlation data)."""
    topic = uid("rt/")
    props = [(m.CONTENT_TYPE, "text/x"), (m.USER_PROPERTY, ("a", "1")), (m.USER_PROPERTY, ("b", "2")),
             (m.CORRELATION_DATA, b"cd"), (m.PAYLOAD_FORMAT_INDICATOR, 1)]
    pub = client(uid(), 5)
    pub.publish(topic, b"p", qos=1, retain=True, props=props)
    sub = client(uid(), 5)
    sub.subscribe((topic, 1))
    p = sub.expect_publish(topic, b"p", retain=True)
    assert p.user_properties == [("a", "1"), ("b", "2")]
    assert dict((k, v) for k, v in forwarded_props(p) if k != m.USER_PROPERTY) == {
        m.CONTENT_TYPE: "text/x", m.CORRELATION_DATA: b"cd", m.PAYLOAD_FORMAT_INDICATOR: 1}


def test_retained_from_v5_to_v311(client):
    """A retained message published by v5 reaches a 3.1.1 subscriber as a plain retained PUBLISH."""
    topic = uid("rt/")
    pub = client(uid(), 5)
    pub.publish(topic, b"v5", qos=0, retain=True, props=[(m.USER_PROPERTY, ("k", "v"))])
    pub.sync()
    sub = client(uid(), 4)
    pid = sub.pid()
    sub.send(m.subscribe(pid, [(topic, 0)], version=4))
    sub.expect_packet(m.suback(pid, [0], version=4))
    sub.expect_packet(m.publish(topic, b"v5", retain=True, version=4))


@pytest.mark.timeout(20)
def test_retained_message_expiry(client):
    """[MQTT-3.3.2-5] an expired retained message is no longer delivered; an unexpired one carries
    the remaining Message Expiry Interval [MQTT-3.3.2-6]."""
    pub = client(uid(), 5)
    base = uid("rx")
    pub.publish(f"{base}/short", b"s", qos=1, retain=True, props=[(m.MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.publish(f"{base}/long", b"l", qos=1, retain=True, props=[(m.MESSAGE_EXPIRY_INTERVAL, 30)])
    time.sleep(2.2)   # no event to await: expiry is the passage of time
    sub = client(uid(), 5)
    sub.subscribe((f"{base}/#", 1))
    got = sub.sync()
    for p in got:
        sub.ack(p)
    assert [p.topic for p in got] == [f"{base}/long"], got
    assert 1 <= got[0].prop(m.MESSAGE_EXPIRY_INTERVAL) <= 28


@pytest.mark.broker_config("retain_available false")
def test_retain_not_available_v5(client, broker):
    """[MQTT-3.2.2-14] CONNACK Retain Available 0; a v5 PUBLISH with RETAIN 1 is then a protocol
    violation -> DISCONNECT 0x9A (Retain not supported) [MQTT-3.2.2-15]."""
    c = client(uid(), 5)
    assert c.connack.prop(m.RETAIN_AVAILABLE) == 0
    c.send(m.publish("rn/t", b"x", qos=1, pid=1, retain=True))
    c.expect_disconnect(m.RC_RETAIN_NOT_SUPPORTED)
    assert_serving(broker.port)


@pytest.mark.broker_config("retain_available false")
def test_retain_not_available_non_retained_ok(client):
    """With retain_available false normal (RETAIN 0) messages still flow."""
    sub = client(uid(), 5)
    sub.subscribe(("rn/ok", 1))
    pub = client(uid(), 5)
    pub.publish("rn/ok", b"x", qos=1)
    sub.expect_publish("rn/ok", b"x", retain=False)


@pytest.mark.mosquitto_skip("max_retained_messages / max_retained_bytes are tapmqd directives")
@pytest.mark.broker_config("max_retained_messages 2", "max_retained_bytes 40", "sys_interval 1")
def test_retained_limits(broker, client):
    """Totals over all topics (bytes = topic + payload). A message over a limit is delivered to the
    current subscribers but not retained; a replacement counts its new size; a refusal is logged
    (topic, client, limits) and counted in $SYS; the limits are reloaded on SIGHUP."""
    import signal
    live = client(uid())
    live.subscribe(("lim/#", 1))
    pub = client("limpub")

    def put(topic, payload):
        pub.publish(topic, payload, qos=1, retain=True)
        live.expect_publish(topic, payload)

    put("lim/a", b"x" * 10)  # 1 message, 15 bytes
    put("lim/b", b"y" * 10)  # 2 messages, 30 bytes
    w = client("willer", will=m.Will("lim/w", b"bye", qos=1, retain=True))
    w.close()  # no DISCONNECT: its retained will is a third message: delivered, not retained
    live.expect_publish("lim/w", b"bye")
    broker.wait_log(r"Not retaining message on topic 'lim/w' from the will of willer \(8 bytes\): "
                    r"max_retained_messages 2 / max_retained_bytes 40 reached \(1 refused so far\)")
    put("lim/c", b"z")  # the same for a PUBLISH (logged again at the 1001st refusal)
    put("lim/a", b"X" * 20)  # replaced: 25 + 15 = 40 bytes fits
    put("lim/b", b"Y" * 11)  # replaced: 25 + 16 = 41 bytes does not; the old one stays
    late = client(uid())
    late.subscribe(("lim/#", 1))
    got = sorted((p.topic, p.payload) for p in (late.expect_publish(retain=True) for _ in range(2)))
    assert got == [("lim/a", b"X" * 20), ("lim/b", b"y" * 10)]
    assert late.sync() == []
    wait_sys_value(client(uid()), "$SYS/broker/retained messages/dropped", b"3")

    put("lim/b", b"")  # a delete is never refused, and makes room
    put("lim/c", b"z")
    mark = len(broker.log)
    broker.extra_config = [line for line in broker.extra_config if not line.startswith("max_retained")]
    broker.config_path.write_text(broker.config_text(broker.port))
    broker.send_signal(signal.SIGHUP)
    broker.wait_log(r"Configuration reloaded", start=mark)
    put("lim/d", b"w" * 100)  # no limits any more
    late = client(uid())
    late.subscribe(("lim/#", 1))
    got = sorted(p.topic for p in (late.expect_publish(retain=True) for _ in range(3)))
    assert got == ["lim/a", "lim/c", "lim/d"]
    assert late.sync() == []
