"""Flow control: Receive Maximum both ways, queue limits, Maximum Packet Size towards the
client (MQTT 5.0 sections 3.1.2.11, 3.2.2.3, 4.9; broker queue configuration)."""

import os
import socket

import pytest

import mqtt_codec as m
from helpers import assert_serving, uid, wait_sys_value


def _fill(pub, topic, n, qos=1, prefix=b"m"):
    for i in range(n):
        pub.publish(topic, prefix + b"%d" % i, qos=qos)


@pytest.mark.mosquitto_differs("2.0.11 releases two queued messages per acknowledgement (exceeds Receive Maximum)")
@pytest.mark.parametrize("qos", [1, 2])
def test_broker_respects_client_receive_maximum(client, qos):
    """[MQTT-3.3.4-9] the server never has more unacknowledged QoS>0 PUBLISHes to a client than
    its Receive Maximum (2): exactly 2 arrive; each acknowledgement releases one more, in order."""
    topic = uid("rm/")
    sub = client(uid(), 5, props=[(m.RECEIVE_MAXIMUM, 2)])
    sub.subscribe((topic, qos))
    pub = client(uid(), 5)
    _fill(pub, topic, 6, qos)
    inflight = [sub.expect_publish(topic, qos=qos, ack=False) for _ in range(2)]
    sub.expect_no_packet(0.5)   # nothing more may come while 2 are in flight
    received = list(inflight)
    while len(received) < 6:
        oldest = inflight.pop(0)
        sub.ack(oldest)          # for QoS 2 the quota returns only at PUBCOMP (4.9)
        nxt = sub.expect_publish(topic, qos=qos, ack=False)
        inflight.append(nxt)
        received.append(nxt)
        if len(received) < 6:
            sub.expect_no_packet(0.2)
    for p in inflight:
        sub.ack(p)
    assert [p.payload for p in received] == [b"m%d" % i for i in range(6)]


def test_qos2_quota_held_until_pubcomp(client):
    """4.9: for QoS 2 the send quota is only returned by PUBCOMP, not by PUBREC."""
    topic = uid("rm2/")
    sub = client(uid(), 5, props=[(m.RECEIVE_MAXIMUM, 1)])
    sub.subscribe((topic, 2))
    pub = client(uid(), 5)
    _fill(pub, topic, 2, 2)
    p1 = sub.expect_publish(topic, b"m0", qos=2, ack=False)
    sub.send(m.pubrec(p1.pid))
    rel = sub.expect(m.PUBREL)       # and nothing else: the second message is still held
    assert rel.pid == p1.pid
    sub.expect_no_packet(0.5)
    sub.send(m.pubcomp(p1.pid))
    sub.expect_publish(topic, b"m1", qos=2)


@pytest.mark.broker_config("max_inflight_messages 2")
@pytest.mark.mosquitto_differs("does not enforce its Receive Maximum on incoming QoS 2")
def test_client_exceeds_broker_receive_maximum(client, broker):
    """[MQTT-3.3.4-8]/3.2.2.3.3: a client sending more unacknowledged QoS 2 PUBLISHes than the
    CONNACK Receive Maximum (2) gets DISCONNECT 0x93 (Receive Maximum exceeded)."""
    c = client(uid(), 5)
    assert c.connack.prop(m.RECEIVE_MAXIMUM) == 2
    for pid in (1, 2):
        c.send(m.publish("rx/t", b"x", qos=2, pid=pid))
        c.expect(m.PUBREC, pid=pid)
    c.send(m.publish("rx/t", b"x", qos=2, pid=3))
    c.expect_disconnect(m.RC_RECEIVE_MAXIMUM_EXCEEDED)
    assert_serving(broker.port)


@pytest.mark.broker_config("max_inflight_messages 2")
def test_error_disconnect_reaches_a_client_still_writing(client, broker):
    """A client still writing when the broker disconnects it (0x93 here) reads the DISCONNECT and
    its reason, not a connection reset: the broker sends FIN after the DISCONNECT and reads and
    discards what still arrives (bounded) before it closes the socket."""
    c = client(uid(), 5)
    over = b"".join(m.publish("rx/t", b"x", qos=2, pid=pid) for pid in (1, 2, 3))
    # One write: three QoS 2 PUBLISHes, then 500 kB still arriving as the broker decides (less than
    # the 1 MiB the broker reads and discards at most).
    c.send(over + m.publish("rx/fill", b"y" * 500_000, qos=0))
    for pid in (1, 2):
        c.expect(m.PUBREC, pid=pid)
    d = c.recv()
    assert d.type == m.DISCONNECT and d.rc == m.RC_RECEIVE_MAXIMUM_EXCEEDED, d
    # What a client still sending sees next: its writes still succeed (the broker reads on), and
    # once it has said all it had to say, the end of the stream (FIN), never a reset.
    for _ in range(20):
        assert c.try_send(m.publish("rx/fill", b"z" * 10_000, qos=0)), "write failed after DISCONNECT"
    c.sock.shutdown(socket.SHUT_WR)
    c.sock.settimeout(5)
    try:
        rest = c.sock.recv(65536)
    except ConnectionResetError:
        pytest.fail("the broker reset the connection instead of closing it after DISCONNECT")
    assert rest == b"", rest
    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    assert err == 0, f"the broker reset the connection: {os.strerror(err)}"
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [3, 4])
def test_v3_qos2_window_beyond_max_inflight_is_served(client, version):
    """MQTT 3.x has no Receive Maximum and the broker never announced one: a 3.1/3.1.1 client
    with 64 QoS 2 PUBLISHes awaiting PUBREL (default max_inflight_messages is 20) is served,
    every message is delivered exactly once, and the connection stays up."""
    topic = uid("w64/")
    sub = client(uid(), 4)
    sub.subscribe((topic, 2))
    pub = client(uid(), version)
    n = 64
    for pid in range(1, n + 1):
        pub.send(m.publish(topic, b"m%d" % pid, qos=2, pid=pid, version=version))
    for pid in range(1, n + 1):
        pub.expect(m.PUBREC, pid=pid)
    for pid in range(1, n + 1):
        pub.send(m.pubrel(pid))
    for pid in range(1, n + 1):
        pub.expect(m.PUBCOMP, pid=pid)
    got = [sub.expect_publish(topic, qos=2).payload for _ in range(n)]
    assert got == [b"m%d" % i for i in range(1, n + 1)]
    sub.expect_no_packet(0.3)
    assert pub.is_open()


@pytest.mark.broker_config("max_inflight_messages 2")
def test_within_broker_receive_maximum_ok(client):
    """Completing QoS 2 flows returns the quota: many sequential flows stay within 2."""
    c = client(uid(), 5)
    for _ in range(6):
        c.publish("rx/ok", b"x", qos=2)
    assert c.is_open()


@pytest.mark.broker_config("max_queued_messages 5", "max_inflight_messages 20")
def test_offline_queue_limited_v311(client):
    """max_queued_messages 5: of 20 QoS 1 messages published to an offline session only 5 are
    kept (the rest are dropped); those delivered are in publish order."""
    cid, topic = uid("mq"), uid("mq/")
    sub = client(cid, 4, clean=False)
    sub.subscribe((topic, 1))
    sub.disconnect()
    pub = client(uid(), 4)
    _fill(pub, topic, 20)
    sub = client(cid, 4, clean=False)
    got = []
    for p in sub.sync(5):
        assert p.type == m.PUBLISH, p
        sub.ack(p)
        got.append(p)
    # messages may still be released as acks free the in-flight window
    while True:
        more = sub.sync(5)
        if not more:
            break
        for p in more:
            sub.ack(p)
            got.append(p)
    idx = [int(p.payload[1:]) for p in got]
    assert len(got) == 5, f"{len(got)} delivered: {idx}"
    assert idx == sorted(idx)


@pytest.mark.broker_config("max_queued_messages 3")
def test_offline_queue_limited_v5(client):
    """Same for a v5 session with Session Expiry; QoS 0 messages are not queued for offline
    clients or count towards the same limit."""
    cid, topic = uid("mq"), uid("mq/")
    sub = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    sub.subscribe((topic, 2))
    sub.disconnect()
    pub = client(uid(), 5)
    _fill(pub, topic, 10, qos=2)
    sub = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    got = []
    while True:
        batch = sub.sync(5)
        if not batch:
            break
        for p in batch:
            if p.type == m.PUBLISH:
                sub.send(m.pubrec(p.pid))
                got.append(p)
            elif p.type == m.PUBREL:
                sub.send(m.pubcomp(p.pid))
    assert len(got) == 3, [p.payload for p in got]


def test_maximum_packet_size_towards_client(client):
    """[MQTT-3.1.2-24] the server must not send a packet larger than the client's Maximum Packet
    Size: the oversized message is discarded for that client, smaller ones still arrive."""
    topic = uid("mps/")
    sub = client(uid(), 5, props=[(m.MAXIMUM_PACKET_SIZE, 200)])
    sub.subscribe((topic, 1))
    pub = client(uid(), 5)
    pub.publish(topic, b"x" * 500, qos=1)
    pub.publish(topic, b"small", qos=1)
    sub.expect_publish(topic, b"small")
    assert sub.sync() == []


@pytest.mark.mosquitto_skip("log line and $SYS value as tapmqd writes them")
@pytest.mark.broker_config("max_queued_messages 2", "sys_interval 1")
def test_queue_limit_drops_are_logged_and_counted(broker, client):
    sub = client("qlim", 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    sub.subscribe(("ql/#", 1))
    sub.disconnect()
    _fill(client(uid(), 5), "ql/x", 5)
    broker.wait_log(r"Dropping message on topic 'ql/x' \(QoS 1\) for client qlim: max_queued_messages "
                    r"reached \(1 dropped so far\)")
    wait_sys_value(client(uid(), 5), "$SYS/broker/publish/messages/dropped", b"3")
