"""PUBLISH / QoS flows / message properties / topic aliases
(MQTT 3.1.1 sections 3.3-3.7, 4.3-4.6; MQTT 5.0 sections 3.3-3.7, 4.3-4.6)."""

import threading
import time

import pytest

import mqtt_codec as m
from helpers import assert_serving, forwarded_props, uid
from paho_helper import PahoClient, publish_props
from raw_client import RawClient


# ------------------------------------------------------------------- QoS matrix
@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("pub_qos", [0, 1, 2])
@pytest.mark.parametrize("sub_qos", [0, 1, 2])
def test_qos_matrix_raw(client, version, pub_qos, sub_qos):
    """[MQTT-3.8.4-6]/[MQTT-3.3.5-1]: delivered at min(publish QoS, granted QoS); the
    publisher's flow completes (PUBACK [MQTT-4.3.2-2] / PUBREC+PUBCOMP [MQTT-4.3.3-2])."""
    topic = uid("qm/")
    sub = client(uid(), version)
    suback = sub.subscribe((topic, sub_qos))
    assert suback.rcs == [sub_qos], "granted QoS differs from requested"
    pub = client(uid(), version)
    pub.publish(topic, b"payload-%d" % pub_qos, qos=pub_qos)
    p = sub.expect_publish(topic, b"payload-%d" % pub_qos, qos=min(pub_qos, sub_qos), retain=False)
    if p.qos:
        assert p.pid != 0, "[MQTT-2.3.1-1] packet id must be nonzero"
    assert sub.sync() == []


def test_qos0_delivery_exact_bytes_v311(client):
    """3.1.1 QoS 0 delivery is exactly the published packet: 30 len topic payload."""
    sub = client(uid(), 4)
    sub.subscribe(("exact/t", 0))
    pub = client(uid(), 4)
    pub.publish("exact/t", b"hello", qos=0)
    sub.expect_packet(m.publish("exact/t", b"hello", version=4))


def test_qos1_delivery_exact_bytes_v5(client):
    """v5 QoS 1 delivery: 32 len topic pid props(0) payload, with the broker's packet id."""
    sub = client(uid(), 5)
    sub.subscribe(("exact/q1", 1))
    pub = client(uid(), 5)
    pub.publish("exact/q1", b"hello", qos=1)
    p = sub.expect(m.PUBLISH)
    assert p.raw == m.publish("exact/q1", b"hello", qos=1, pid=p.pid, version=5)
    sub.ack(p)


@pytest.mark.parametrize("pub_v,sub_v", [(4, 5), (5, 4), (3, 5), (5, 3)])
def test_cross_version_delivery(client, pub_v, sub_v):
    """Messages flow between MQTT 3.1, 3.1.1 and 5.0 clients."""
    topic = uid("xv/")
    sub = client(uid(), sub_v)
    sub.subscribe((topic, 2))
    pub = client(uid(), pub_v)
    pub.publish(topic, b"cross", qos=2)
    sub.expect_publish(topic, b"cross", qos=2)


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_paho_pubsub(broker, version, qos):
    """A real client library (paho) publishes and receives at QoS 0/1/2 over 3.1.1 and 5.0."""
    topic = uid("paho/")
    sub = PahoClient(broker.port, uid(), version)
    pub = PahoClient(broker.port, uid(), version)
    try:
        granted = sub.subscribe(topic, qos)
        assert granted == [qos]
        for i in range(5):
            pub.publish(topic, b"m%d" % i, qos)
        got = [sub.get() for _ in range(5)]
        assert [x.payload for x in got] == [b"m%d" % i for i in range(5)], "[MQTT-4.6.0-6] order"
        assert all(x.qos == qos for x in got)
    finally:
        pub.close()
        sub.close()


def test_order_preserved_qos1(client):
    """[MQTT-4.6.0-6] messages from one publisher on one topic arrive in order (100 x QoS 1)."""
    sub = client(uid(), 5)
    sub.subscribe(("ord/t", 1))
    pub = client(uid(), 5)
    for i in range(100):
        pub.send(m.publish("ord/t", b"%d" % i, qos=1, pid=i + 1))
    for i in range(100):
        sub.expect_publish("ord/t", b"%d" % i, qos=1)
    acks = [pub.expect(m.PUBACK).pid for _ in range(100)]
    assert acks == list(range(1, 101)), "[MQTT-4.6.0-2] PUBACKs in order"


def test_large_payload(client):
    """A 1 MiB payload is delivered intact."""
    data = bytes(range(256)) * 4096
    sub = client(uid(), 5)
    sub.subscribe(("big/t", 1))
    pub = client(uid(), 5)
    pub.publish("big/t", data, qos=1)
    sub.expect_publish("big/t", data, qos=1)


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_duplicate_publish_delivered_once(client, version):
    """[MQTT-4.3.3-9] (3.1.1 [MQTT-4.3.3-2]) QoS 2: a resent PUBLISH (DUP=1, same packet id)
    before PUBREL is answered with PUBREC again but not delivered twice."""
    topic = uid("eo/")
    sub = client(uid(), version)
    sub.subscribe((topic, 2), (topic + "/marker", 0))
    pub = client(uid(), version)
    pub.send(m.publish(topic, b"once", qos=2, pid=7, version=version))
    pub.expect(m.PUBREC, pid=7)
    pub.send(m.publish(topic, b"once", qos=2, pid=7, dup=True, version=version))
    pub.expect(m.PUBREC, pid=7)
    pub.send(m.pubrel(7, version=version))
    pub.expect(m.PUBCOMP, pid=7)
    pub.publish(topic + "/marker", b"end", qos=0)
    got = sub.expect_publish(topic, b"once", qos=2)
    assert got.dup is False, "[MQTT-3.3.1-3] the DUP flag of an outgoing message is set independently"
    sub.expect_publish(topic + "/marker", b"end")


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_packet_id_reused_after_pubcomp(client, version):
    """[MQTT-4.3.3-12] after PUBCOMP a PUBLISH with the same packet id is a new message."""
    topic = uid("eo/")
    sub = client(uid(), version)
    sub.subscribe((topic, 2))
    pub = client(uid(), version)
    pub.publish(topic, b"first", qos=2, pid=9)
    pub.publish(topic, b"second", qos=2, pid=9)
    sub.expect_publish(topic, b"first")
    sub.expect_publish(topic, b"second")


@pytest.mark.mosquitto_differs("answers PUBCOMP 0x00")
def test_pubrel_unknown_id_v5(client):
    """3.7.2.1: PUBREL for an unknown packet id -> PUBCOMP with 0x92 (Packet Identifier not found)."""
    c = client(uid(), 5)
    c.send(m.pubrel(4242))
    p = c.expect(m.PUBCOMP, pid=4242)
    assert p.rc == m.RC_PACKET_ID_NOT_FOUND
    assert c.is_open()


def test_pubrel_unknown_id_v311(client):
    """[MQTT-3.6.4-1] 3.1.1: PUBREL for an unknown id is still answered with PUBCOMP (70 02 id)."""
    c = client(uid(), 4)
    c.send(m.pubrel(4242, version=4))
    c.expect_packet(b"\x70\x02\x10\x92")
    assert c.is_open()


def test_qos1_no_subscribers_v5(client):
    """v5 PUBACK to a publish nobody receives: 0x00 or 0x10 (No matching subscribers)."""
    c = client(uid(), 5)
    pid = c.publish(uid("nosub/"), b"x", qos=1, wait=False)
    p = c.expect(m.PUBACK, pid=pid)
    assert p.rc in (0, m.RC_NO_MATCHING_SUBSCRIBERS)


# ----------------------------------------------------------- session redelivery
@pytest.mark.parametrize("version", [4, 5])
def test_redelivery_with_dup_on_resume(client, raw, version):
    """[MQTT-4.4.0-1] on resuming a session the server resends unacknowledged PUBLISH packets
    with DUP=1 [MQTT-3.3.1-1], the original packet ids, in the original order [MQTT-4.6.0-1];
    then messages queued while offline follow."""
    cid, topic = uid("rd"), uid("rd/")
    kw = dict(clean=False) if version == 4 else dict(clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    sub = client(cid, version, **kw)
    sub.subscribe((topic, 1))
    pub = client(uid(), version)
    for i in range(3):
        pub.publish(topic, b"u%d" % i, qos=1)
    first = [sub.expect_publish(topic, b"u%d" % i, qos=1, ack=False) for i in range(3)]
    sub.abort()     # no acknowledgement, no DISCONNECT
    for i in range(2):
        pub.publish(topic, b"q%d" % i, qos=1)
    sub = client(cid, version, **kw)
    assert sub.connack.session_present
    again = [sub.expect_publish(topic, b"u%d" % i, qos=1, ack=False) for i in range(3)]
    assert all(p.dup for p in again), f"redelivered without DUP: {again}"
    assert [p.pid for p in again] == [p.pid for p in first], "packet ids changed on redelivery"
    for p in again:
        sub.ack(p)
    for i in range(2):
        sub.expect_publish(topic, b"q%d" % i, qos=1)


@pytest.mark.parametrize("version", [4, 5])
def test_pubrel_resent_on_resume(client, version):
    """[MQTT-4.4.0-1] a QoS 2 flow interrupted after PUBREC is resumed with PUBREL; the
    message is not delivered again."""
    cid, topic = uid("rr"), uid("rr/")
    kw = dict(clean=False) if version == 4 else dict(clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    sub = client(cid, version, **kw)
    sub.subscribe((topic, 2))
    pub = client(uid(), version)
    pub.publish(topic, b"x2", qos=2)
    p = sub.expect_publish(topic, b"x2", qos=2, ack=False)
    sub.send(m.pubrec(p.pid, version=version))
    sub.expect(m.PUBREL, pid=p.pid)
    sub.abort()
    sub = client(cid, version, **kw)
    rel = sub.expect(m.PUBREL)
    assert rel.pid == p.pid
    sub.send(m.pubcomp(p.pid, version=version))
    assert sub.sync() == []


# ---------------------------------------------------------------- message expiry
def test_message_expiry_forwarded(client):
    """[MQTT-3.3.2-6] the forwarded Message Expiry Interval is the received value minus the
    time spent waiting in the server (here: at most the original)."""
    sub = client(uid(), 5)
    sub.subscribe(("mx/t", 1))
    pub = client(uid(), 5)
    pub.publish("mx/t", b"e", qos=1, props=[(m.MESSAGE_EXPIRY_INTERVAL, 100)])
    p = sub.expect_publish("mx/t", b"e")
    assert 99 <= p.prop(m.MESSAGE_EXPIRY_INTERVAL) <= 100


def test_no_expiry_not_added(client):
    """A message without expiry is forwarded without a Message Expiry Interval."""
    sub = client(uid(), 5)
    sub.subscribe(("mx/n", 1))
    pub = client(uid(), 5)
    pub.publish("mx/n", b"e", qos=1)
    p = sub.expect_publish("mx/n", b"e")
    assert not p.has_prop(m.MESSAGE_EXPIRY_INTERVAL)


@pytest.mark.timeout(20)
def test_expired_message_not_delivered(client):
    """[MQTT-3.3.2-5] a message whose expiry passed while queued is not delivered;
    the surviving one carries the remaining interval [MQTT-3.3.2-6]."""
    cid = uid("mxs")
    sub = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    sub.subscribe(("mx/q", 1))
    sub.disconnect()
    pub = client(uid(), 5)
    pub.publish("mx/q", b"short", qos=1, props=[(m.MESSAGE_EXPIRY_INTERVAL, 1)])
    pub.publish("mx/q", b"long", qos=1, props=[(m.MESSAGE_EXPIRY_INTERVAL, 30)])
    time.sleep(2.2)  # no event to await: expiry is the passage of time
    sub = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    p = sub.expect_publish("mx/q", timeout=5)
    assert p.payload == b"long", f"expired message delivered: {p!r}"
    assert 1 <= p.prop(m.MESSAGE_EXPIRY_INTERVAL) <= 28, p
    assert sub.sync() == []


# ------------------------------------------------------------ property forwarding
def test_properties_forwarded_untouched(client):
    """[MQTT-3.3.2-4] Payload Format Indicator, [MQTT-3.3.2-20] Content Type, [MQTT-3.3.2-15]
    Response Topic, [MQTT-3.3.2-16] Correlation Data, [MQTT-3.3.2-17]/[MQTT-3.3.2-18] User
    Properties (order kept, duplicates kept) are forwarded unaltered."""
    props = [(m.PAYLOAD_FORMAT_INDICATOR, 1), (m.CONTENT_TYPE, "application/json"),
             (m.RESPONSE_TOPIC, "reply/here"), (m.CORRELATION_DATA, b"\x00\x01corr\xff"),
             (m.USER_PROPERTY, ("k1", "v1")), (m.USER_PROPERTY, ("k2", "v2")),
             (m.USER_PROPERTY, ("k1", "again")), (m.USER_PROPERTY, ("ünï", "cödé"))]
    sub = client(uid(), 5)
    sub.subscribe(("pf/t", 2))
    pub = client(uid(), 5)
    pub.publish("pf/t", b'{"a":1}', qos=2, props=props)
    p = sub.expect_publish("pf/t", b'{"a":1}', qos=2)
    got_user = p.user_properties
    assert got_user == [("k1", "v1"), ("k2", "v2"), ("k1", "again"), ("ünï", "cödé")]
    others = {k: v for k, v in forwarded_props(p) if k != m.USER_PROPERTY}
    assert others == {m.PAYLOAD_FORMAT_INDICATOR: 1, m.CONTENT_TYPE: "application/json",
                      m.RESPONSE_TOPIC: "reply/here", m.CORRELATION_DATA: b"\x00\x01corr\xff"}


def test_properties_not_sent_to_v311(client):
    """A v5 message with properties reaches a 3.1.1 subscriber as a plain 3.1.1 PUBLISH."""
    sub = client(uid(), 4)
    sub.subscribe(("pf/v3", 0))
    pub = client(uid(), 5)
    pub.publish("pf/v3", b"x", props=[(m.USER_PROPERTY, ("a", "b")), (m.CONTENT_TYPE, "t")])
    sub.expect_packet(m.publish("pf/v3", b"x", version=4))


def test_paho_properties_roundtrip(broker):
    """paho v5: user properties, content type, response topic and correlation data arrive."""
    sub = PahoClient(broker.port, uid(), 5)
    pub = PahoClient(broker.port, uid(), 5)
    try:
        sub.subscribe("pp/t", 1)
        props = publish_props(UserProperty=[("a", "1"), ("b", "2")], ContentType="text/plain",
                              ResponseTopic="pp/reply", CorrelationData=b"cid-1")
        pub.publish("pp/t", b"body", 1, props=props)
        msg = sub.get()
        assert msg.properties.UserProperty == [("a", "1"), ("b", "2")]
        assert msg.properties.ContentType == "text/plain"
        assert msg.properties.ResponseTopic == "pp/reply"
        assert msg.properties.CorrelationData == b"cid-1"
    finally:
        pub.close()
        sub.close()


# --------------------------------------------------------- topic aliases (c -> b)
@pytest.mark.broker_config("max_topic_alias 10")
def test_topic_alias_client_to_broker(client):
    """[MQTT-3.3.2-12] a Topic Alias set with a topic name is used for later PUBLISHes with an
    empty topic; aliases can be re-mapped; subscribers see the full topic name."""
    sub = client(uid(), 5)
    sub.subscribe(("ta/#", 1))
    pub = client(uid(), 5)
    assert pub.connack.prop(m.TOPIC_ALIAS_MAXIMUM) == 10
    pub.publish("ta/one", b"1", qos=1, props=[(m.TOPIC_ALIAS, 3)])
    pub.publish("", b"2", qos=1, props=[(m.TOPIC_ALIAS, 3)])
    pub.publish("ta/two", b"3", qos=1, props=[(m.TOPIC_ALIAS, 3)])   # re-map
    pub.publish("", b"4", qos=1, props=[(m.TOPIC_ALIAS, 3)])
    got = [sub.expect_publish(qos=1) for _ in range(4)]
    assert [(p.topic, p.payload) for p in got] == [("ta/one", b"1"), ("ta/one", b"2"),
                                                   ("ta/two", b"3"), ("ta/two", b"4")]
    for p in got:
        assert not p.has_prop(m.TOPIC_ALIAS), f"[MQTT-3.1.2-27] alias sent to a client without Topic Alias Maximum: {p!r}"


@pytest.mark.broker_config("max_topic_alias 10")
def test_topic_alias_is_per_connection(client, broker):
    """[MQTT-3.3.2-7] topic alias mappings belong to one connection: another connection using
    the alias without a topic name commits a protocol error (0x82)."""
    a = client(uid(), 5)
    a.publish("ta/x", b"1", qos=1, props=[(m.TOPIC_ALIAS, 1)])
    b = client(uid(), 5)
    b.send(m.publish("", b"2", qos=1, pid=1, props=[(m.TOPIC_ALIAS, 1)]))
    b.expect_disconnect(m.RC_PROTOCOL_ERROR)
    assert a.is_open()


@pytest.mark.broker_config("max_topic_alias 10")
@pytest.mark.parametrize("alias", [pytest.param(0, marks=pytest.mark.mosquitto_differs("alias 0 -> 0x81")),
                                   11, 65535])
def test_topic_alias_invalid(client, broker, alias):
    """[MQTT-3.3.2-8] alias 0, [MQTT-3.3.2-9] alias above the server's Topic Alias Maximum:
    DISCONNECT 0x94 (Topic Alias invalid)."""
    c = client(uid(), 5)
    c.send(m.publish("ta/bad", b"x", qos=0, props=[(m.TOPIC_ALIAS, alias)]))
    c.expect_disconnect(m.RC_TOPIC_ALIAS_INVALID)
    assert_serving(broker.port)


@pytest.mark.broker_config("max_topic_alias 0")
def test_topic_alias_not_allowed_when_max_zero(client, broker):
    """[MQTT-3.3.2-9]: when CONNACK has no Topic Alias Maximum (0) any alias is invalid -> 0x94."""
    c = client(uid(), 5)
    assert c.connack.prop(m.TOPIC_ALIAS_MAXIMUM, 0) == 0
    c.send(m.publish("ta/bad", b"x", props=[(m.TOPIC_ALIAS, 1)]))
    c.expect_disconnect(m.RC_TOPIC_ALIAS_INVALID)


@pytest.mark.broker_config("max_topic_alias 10")
def test_topic_alias_unknown_empty_topic(client, broker):
    """An empty topic name with an alias that has no mapping: protocol error 0x82."""
    c = client(uid(), 5)
    c.send(m.publish("", b"x", qos=0, props=[(m.TOPIC_ALIAS, 5)]))
    c.expect_disconnect(m.RC_PROTOCOL_ERROR)
    assert_serving(broker.port)


def test_empty_topic_without_alias(client, broker):
    """[MQTT-4.7.3-1] an empty topic name without Topic Alias: v5 DISCONNECT 0x82 (Protocol
    Error); 3.1.1: connection closed."""
    for v in (4, 5):
        c = client(uid(), v)
        c.send(m.publish("", b"x", version=v))
        c.expect_error_close((m.RC_PROTOCOL_ERROR, m.RC_TOPIC_NAME_INVALID, m.RC_MALFORMED_PACKET))
    assert_serving(broker.port)


# --------------------------------------------------------- topic aliases (b -> c)
def test_no_alias_to_client_without_topic_alias_maximum(client):
    """[MQTT-3.1.2-27] the server must not send a Topic Alias to a client whose CONNECT has no
    Topic Alias Maximum."""
    sub = client(uid(), 5)
    sub.subscribe(("tb/t", 0))
    pub = client(uid(), 5)
    for i in range(3):
        pub.publish("tb/t", b"%d" % i)
    for i in range(3):
        p = sub.expect_publish("tb/t", b"%d" % i)
        assert not p.has_prop(m.TOPIC_ALIAS), p


@pytest.mark.mosquitto_differs("never sends topic aliases to clients")
def test_broker_uses_topic_aliases_to_client(client):
    """[MQTT-3.3.2-11]: with Topic Alias Maximum 2 in CONNECT the broker may use aliases 1..2;
    here it is expected to use them: the second message on a topic has an empty topic name."""
    sub = client(uid(), 5, props=[(m.TOPIC_ALIAS_MAXIMUM, 2)])
    sub.subscribe(("tb/#", 1))
    pub = client(uid(), 5)
    topics = ["tb/a", "tb/b", "tb/a", "tb/c", "tb/a", "tb/b", "tb/c", "tb/c"]
    for i, t in enumerate(topics):
        pub.publish(t, b"%d" % i, qos=1)
    used_alias = False
    for i, t in enumerate(topics):
        p = sub.expect_publish(payload=b"%d" % i)
        assert p.topic == t, f"alias resolved to {p.topic!r}, expected {t!r}"
        alias = p.prop(m.TOPIC_ALIAS)
        if alias is not None:
            assert 1 <= alias <= 2, f"[MQTT-3.3.2-11] alias {alias} above the client's maximum"
            if p.raw and p.raw[2:4] == b"\x00\x00":   # empty topic name on the wire
                used_alias = True
    assert used_alias, "broker never sent a PUBLISH with an empty topic name + alias"


# --------------------------------------------------------------------- max QoS
@pytest.mark.broker_config("max_qos 1")
def test_publish_above_max_qos_v5(client, broker):
    """[MQTT-3.2.2-11] a v5 PUBLISH with QoS above the CONNACK Maximum QoS -> DISCONNECT 0x9B."""
    c = client(uid(), 5)
    assert c.connack.prop(m.MAXIMUM_QOS) == 1
    c.send(m.publish("mq/t", b"x", qos=2, pid=1))
    c.expect_disconnect(m.RC_QOS_NOT_SUPPORTED)
    assert_serving(broker.port)


@pytest.mark.broker_config("max_qos 1")
def test_delivery_capped_by_max_qos(client):
    """With max_qos 1 a QoS 1 publish is delivered at most at QoS 1 even to a QoS 2 request."""
    sub = client(uid(), 4)
    sub.subscribe(("mq/c", 2), expect_rcs=[1])
    pub = client(uid(), 4)
    pub.publish("mq/c", b"x", qos=1)
    sub.expect_publish("mq/c", b"x", qos=1)


@pytest.mark.timeout(90)
@pytest.mark.broker_config("worker_threads 2", "max_inflight_messages 0", "max_queued_messages 0")
def test_deliveries_across_workers_while_subscribers_come_and_go(client, broker):
    """A worker writes the sockets of the other worker's subscribers itself. Two publishers (one per
    worker, connections alternate between them) send 1 KiB QoS 1 messages while subscribers on both
    workers receive them, one of them too slowly for its socket buffer, and others connect and reset
    their connections in the middle of the traffic: every steady subscriber gets every message, each
    publisher's in order, and the broker keeps serving."""
    topic = uid("xw/")
    n = 1500
    payload = b"x" * 1024
    steady = [client(uid(), 5) for _ in range(4)]
    slow = RawClient(broker.port, 5, rcvbuf=4096)
    slow.connect(uid())
    for s in steady + [slow]:
        s.subscribe((topic, 1))
    pubs = [client(uid(), 5) for _ in range(2)]
    got: dict[int, list[bytes]] = {}
    done = threading.Event()
    errors: list[BaseException] = []

    def receive(i: int, c: RawClient) -> None:
        try:
            out = got.setdefault(i, [])
            while len(out) < 2 * n:
                out.append(c.expect_publish(topic, qos=1, timeout=30).payload[:16])
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    def churn() -> None:
        try:
            while not done.is_set():
                c = RawClient(broker.port, 5)
                c.connect(uid())
                c.subscribe((topic, 1))
                for _ in range(10):
                    try:
                        c.recv(0.2)
                    except Exception:  # noqa: BLE001 - nothing yet, or closed: reset anyway
                        break
                c.abort()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    def publish(k: int, c: RawClient) -> None:
        try:
            for i in range(n):
                c.send(m.publish(topic, b"%d:%012d" % (k, i) + payload, qos=1, pid=i % 65535 + 1))
            for i in range(n):
                c.expect(m.PUBACK, timeout=30)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    readers = [threading.Thread(target=receive, args=(i, s)) for i, s in enumerate(steady)]
    churner = threading.Thread(target=churn)
    publishers = [threading.Thread(target=publish, args=(k, p)) for k, p in enumerate(pubs)]
    for t in readers + [churner] + publishers:
        t.start()
    for t in publishers:
        t.join()
    done.set()
    churner.join()
    receive(len(steady), slow)  # its socket buffer has been full most of the time
    for t in readers:
        t.join()
    assert not errors, errors
    for i, payloads in got.items():
        assert len(payloads) == 2 * n, (i, len(payloads))
        for k in (0, 1):
            mine = [int(p.split(b":")[1][:12]) for p in payloads if p.startswith(b"%d:" % k)]
            assert mine == list(range(n)), f"subscriber {i}: publisher {k}'s messages out of order or missing"
    assert_serving(broker.port)
