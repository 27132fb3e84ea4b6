"""Malformed and hostile input (MQTT 3.1.1 sections 1.5, 2.2, 4.8; MQTT 5.0 sections 1.5, 2.1-2.2,
4.13).  Each test checks the exact v5 reason code, that 3.1.1 connections are just closed, and
that the broker keeps serving other clients."""

import random
import socket
import time

import pytest

import mqtt_codec as m
from helpers import assert_serving, uid
from raw_client import ConnectionClosed, RawClient

BOTH = [4, 5]


def mq(value, reason, id=None, multi=False):
    """A parameter that Mosquitto (the reference run) handles differently (``multi``: ``value``
    is the tuple of several argument values)."""
    values = value if multi else (value,)
    return pytest.param(*values, marks=pytest.mark.mosquitto_differs(reason), id=id)


V5_CLOSES_BARE = [4, mq(5, "closes without DISCONNECT")]


def _bad(client, broker, version, data, reason, *, setup=None):
    c = client(uid(), version)
    if setup:
        setup(c)
    c.send(data)
    c.expect_error_close(reason)
    assert_serving(broker.port)


# ------------------------------------------------------------ fixed header flags
RESERVED_FLAG_CASES = {
    "subscribe_flags_0": m.subscribe(1, [("a", 0)], version=4, flags=0),
    "unsubscribe_flags_0": m.unsubscribe(1, ["a"], version=4, flags=0),
    "pubrel_flags_0": b"\x60\x02\x00\x01",
    "pingreq_flags_1": b"\xc1\x00",
    "disconnect_flags_2": b"\xe2\x00",
    "puback_flags_2": b"\x42\x02\x00\x01",
}
_LAX = {"pingreq_flags_1": "answers PINGRESP", "puback_flags_2": "ignores the flags"}


def _flag_params():
    for name in RESERVED_FLAG_CASES:
        for v in BOTH:
            pid = f"{name}-v{v}"
            if name in _LAX:
                yield mq((name, v), _LAX[name], pid)
            elif v == 5 and name in ("pubrel_flags_0", "disconnect_flags_2"):
                yield mq((name, v), "closes without DISCONNECT", pid)
            else:
                yield pytest.param((name, v), id=pid)


@pytest.mark.parametrize("case", list(_flag_params()))
def test_reserved_flags(client, broker, case):
    """[MQTT-2.2.2-2] (3.1.1 [MQTT-2.2.2-2]) reserved fixed-header flags with a wrong value:
    malformed -> v5 DISCONNECT 0x81, 3.1.1 close.  ([MQTT-3.8.1-1], [MQTT-3.10.1-1], [MQTT-3.6.1-1])"""
    name, version = case
    data = RESERVED_FLAG_CASES[name]
    if version == 5 and name.startswith(("subscribe", "unsubscribe")):
        data = (m.subscribe(1, [("a", 0)], flags=0) if name.startswith("subscribe")
                else m.unsubscribe(1, ["a"], flags=0))
    _bad(client, broker, version, data, m.RC_MALFORMED_PACKET)


@pytest.mark.parametrize("version,ptype", [(4, 0), (5, 0), (4, 15), mq((5, 15), "closes without DISCONNECT", multi=True)],
                         ids=["type0-v4", "type0-v5", "type15-v4", "type15-v5"])
def test_reserved_packet_type(client, broker, version, ptype):
    """2.1.2: packet type 0 is reserved (and 15/AUTH does not exist in 3.1.1; in v5 an AUTH
    without an authentication method is a protocol error) -> close (v5: 0x81 or 0x82)."""
    data = bytes([ptype << 4, 0])
    reason = (m.RC_PROTOCOL_ERROR, m.RC_MALFORMED_PACKET)
    _bad(client, broker, version, data, reason)


@pytest.mark.mosquitto_differs("ignores CONNACK/PINGRESP from a client")
@pytest.mark.parametrize("version", BOTH)
def test_client_sends_server_only_packets(client, broker, version):
    """CONNACK/SUBACK/PINGRESP are server-to-client packets: from a client they are a protocol
    violation -> close (v5 DISCONNECT 0x82 or 0x81)."""
    for data in (b"\x20\x02\x00\x00", b"\xd0\x00"):
        c = client(uid(), version)
        c.send(data)
        c.expect_error_close((m.RC_PROTOCOL_ERROR, m.RC_MALFORMED_PACKET))
    assert_serving(broker.port)


@pytest.mark.parametrize("version", BOTH)
def test_publish_qos3(client, broker, version):
    """[MQTT-3.3.1-4] a PUBLISH with both QoS bits set is malformed -> 0x81 / close."""
    _bad(client, broker, version, b"\x36\x06\x00\x01a\x00\x01" + (b"\x00" if version == 5 else b"x"),
         m.RC_MALFORMED_PACKET)


@pytest.mark.mosquitto_differs("accepts DUP on QoS 0")
@pytest.mark.parametrize("version", BOTH)
def test_publish_qos0_with_dup(client, broker, version):
    """[MQTT-3.3.1-2] DUP must be 0 for QoS 0: malformed -> 0x81 / close."""
    _bad(client, broker, version, m.publish("d/t", b"x", dup=True, version=version), m.RC_MALFORMED_PACKET)


# ----------------------------------------------------------- remaining length
@pytest.mark.parametrize("version", V5_CLOSES_BARE)
def test_remaining_length_five_bytes(client, broker, version):
    """2.2.3 / 1.5.5: a Remaining Length longer than 4 bytes is malformed -> 0x81 / close."""
    _bad(client, broker, version, b"\x30\xff\xff\xff\xff\x01", m.RC_MALFORMED_PACKET)


@pytest.mark.parametrize("version", BOTH)
def test_remaining_length_too_short_for_content(client, broker, version):
    """A PUBLISH whose topic length runs past the Remaining Length is malformed."""
    _bad(client, broker, version, b"\x30\x03\x00\x10ab", m.RC_MALFORMED_PACKET)


@pytest.mark.parametrize("version", BOTH)
def test_connect_remaining_length_five_bytes(raw, broker, version):
    """A CONNECT with a 5-byte remaining length: closed without CONNACK (v5 may send CONNACK 0x81)."""
    c = raw(version)
    c.send(b"\x10\xff\xff\xff\xff\x01")
    try:
        p = c.recv(5)
    except ConnectionClosed:
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc == m.RC_MALFORMED_PACKET, p
        c.expect_closed()
    assert_serving(broker.port)


# ------------------------------------------------------------------ strings
@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("topic", [b"a/\xff", b"a/\xc3", b"a/\xed\xa0\x80", b"a\x00b", b"\xc0\xaf"],
                         ids=["0xff", "truncated", "surrogate", "nul", "overlong"])
def test_invalid_utf8_topic(client, broker, version, topic):
    """[MQTT-1.5.4-1] ill-formed UTF-8 (incl. surrogates, overlong) and [MQTT-1.5.4-2] U+0000 in a
    topic name: malformed -> v5 DISCONNECT 0x81 (0x90 accepted: Topic Name invalid), 3.1.1 close."""
    _bad(client, broker, version, m.publish(topic, b"x", version=version),
         (m.RC_MALFORMED_PACKET, m.RC_TOPIC_NAME_INVALID))


@pytest.mark.parametrize("version", BOTH)
def test_invalid_utf8_filter(client, broker, version):
    """[MQTT-1.5.4-1] ill-formed UTF-8 in a SUBSCRIBE topic filter is malformed -> 0x81 / close."""
    c = client(uid(), version)
    c.send(m.subscribe(1, [(b"f/\xfe", 0)], version=version))
    try:
        p = c.recv(5)
    except ConnectionClosed:
        assert version == 4, "v5: closed without DISCONNECT"
        p = None
    if p is not None:
        if p.type == m.SUBACK:   # refusing just the filter is tolerated
            assert p.rcs[0] >= 0x80, p
        else:
            assert p.type == m.DISCONNECT and p.rc in (m.RC_MALFORMED_PACKET, m.RC_TOPIC_FILTER_INVALID), p
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, mq(5, "answers 0x82 instead of 0x90")])
@pytest.mark.parametrize("topic", ["a/+", "a/#", "+", "#", "a+b"])
def test_wildcard_in_topic_name(client, broker, version, topic):
    """[MQTT-3.3.2-2] a topic name must not contain wildcards: v5 DISCONNECT 0x90 (Topic Name
    invalid), 3.1.1 close."""
    _bad(client, broker, version, m.publish(topic, b"x", qos=1, pid=1, version=version),
         m.RC_TOPIC_NAME_INVALID)


def test_invalid_utf8_client_id(raw, broker):
    """[MQTT-1.5.4-1] ill-formed UTF-8 in the ClientID: the connection is refused (closed, or v5
    CONNACK 0x81/0x85)."""
    c = raw(5)
    c.send(m.connect(b"id\xff", 5))
    try:
        p = c.recv(5)
    except ConnectionClosed:
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc in (m.RC_MALFORMED_PACKET, m.RC_CLIENT_ID_NOT_VALID), p
    assert_serving(broker.port)


# --------------------------------------------------------------- packet ids
@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("which", ["publish_qos1", "publish_qos2", "subscribe", "unsubscribe"])
def test_packet_id_zero(client, broker, version, which):
    """[MQTT-2.2.1-3] (3.1.1 [MQTT-2.3.1-1]) QoS>0 PUBLISH, SUBSCRIBE and UNSUBSCRIBE need a nonzero
    packet id: v5 DISCONNECT 0x81/0x82, 3.1.1 close."""
    data = {"publish_qos1": m.publish("z/t", b"x", qos=1, pid=0, version=version),
            "publish_qos2": m.publish("z/t", b"x", qos=2, pid=0, version=version),
            "subscribe": m.subscribe(0, [("z/t", 0)], version=version),
            "unsubscribe": m.unsubscribe(0, ["z/t"], version=version)}[which]
    _bad(client, broker, version, data, (m.RC_MALFORMED_PACKET, m.RC_PROTOCOL_ERROR))


# ---------------------------------------------------------------- properties
@pytest.mark.parametrize("name,props", [
    ("unknown_id", m.enc_varint(5) + b"\x7f\x00\x00\x00\x00"),
    ("session_expiry_in_publish", m.enc_properties([(m.SESSION_EXPIRY_INTERVAL, 5)])),
    mq(("duplicate_payload_format", m.enc_properties([(m.PAYLOAD_FORMAT_INDICATOR, 1),
                                                      (m.PAYLOAD_FORMAT_INDICATOR, 1)])),
       "accepts a repeated Payload Format Indicator", multi=True),
    ("length_past_end", b"\x20\x01\x01"),
    mq(("subscription_id_in_publish", m.enc_properties([(m.SUBSCRIPTION_IDENTIFIER, 1)])),
       "accepts a Subscription Identifier from a client", multi=True),
], ids=["unknown_id", "session_expiry_in_publish", "duplicate_payload_format", "length_past_end",
        "subscription_id_in_publish"])
def test_invalid_publish_properties(client, broker, name, props):
    """2.2.2.2: unknown property ids, properties not allowed in PUBLISH (Session Expiry; a client
    sending Subscription Identifier [MQTT-3.3.4-6]), repeated single properties and lengths past
    the packet end: DISCONNECT 0x81 or 0x82."""
    body = m.enc_str("pp/t") + m.enc_u16(1) + props + b"payload"
    _bad(client, broker, 5, m.fixed(m.PUBLISH, 0x02, body), (m.RC_MALFORMED_PACKET, m.RC_PROTOCOL_ERROR))


@pytest.mark.mosquitto_differs("forwards the message (the check is optional in 1.5.4)")
def test_payload_format_invalid_v5(client, broker):
    """[MQTT-3.3.2-?]/1.5.4: Payload Format Indicator 1 with a non-UTF-8 payload: tapmqd checks it,
    answers PUBACK 0x99 (Payload format invalid), forwards nothing, and stays available."""
    sub = client(uid(), 5)
    sub.subscribe(("pf/bad", 1))
    c = client(uid(), 5)
    c.send(m.publish("pf/bad", b"\xff\xfe", qos=1, pid=1, props=[(m.PAYLOAD_FORMAT_INDICATOR, 1)]))
    p = c.recv(5)
    assert p.type == m.PUBACK and p.rc == m.RC_PAYLOAD_FORMAT_INVALID, p
    c.publish("pf/bad", b"valid", qos=1, props=[(m.PAYLOAD_FORMAT_INDICATOR, 1)])
    assert sub.expect_publish("pf/bad").payload == b"valid"  # the invalid one never arrived
    assert_serving(broker.port)


# ------------------------------------------------------------- packet size
@pytest.mark.broker_config("max_packet_size 1000")
@pytest.mark.parametrize("version", BOTH)
def test_packet_too_large(client, broker, version):
    """[MQTT-3.2.2-?] 3.2.2.3.6: a packet larger than the advertised Maximum Packet Size (1000):
    v5 DISCONNECT 0x95 (Packet too large), 3.1.1 close; smaller packets are fine."""
    c = client(uid(), version)
    if version == 5:
        assert c.connack.prop(m.MAXIMUM_PACKET_SIZE) == 1000
    c.publish("big/ok", b"x" * 900, qos=1)
    c.send(m.publish("big/t", b"x" * 2000, qos=1, pid=2, version=version))
    c.expect_error_close(m.RC_PACKET_TOO_LARGE)
    assert_serving(broker.port)


@pytest.mark.broker_config("max_packet_size 1000")
def test_packet_too_large_announced_only(raw, broker):
    """The broker must refuse an oversized packet from its header alone: a client announcing
    10 MB and sending only the first bytes is disconnected without the broker waiting for the
    rest."""
    c = raw(5)
    c.connect(uid())
    c.send(b"\x30" + m.enc_varint(10_000_000) + m.enc_str("big/t") + b"\x00" + b"x" * 100)
    c.expect_disconnect(m.RC_PACKET_TOO_LARGE)
    assert_serving(broker.port)


@pytest.mark.broker_config("message_size_limit 100")
def test_message_size_limit(client, broker):
    """message_size_limit 100: a larger payload is not delivered (v5 publisher may get PUBACK 0x95
    or 0x97, or DISCONNECT 0x95); the broker stays up."""
    sub = client(uid(), 5)
    sub.subscribe(("msl/t", 1))
    pub = client(uid(), 5)
    pub.send(m.publish("msl/t", b"x" * 500, qos=1, pid=1))
    p = pub.recv(5)
    if p.type == m.PUBACK:
        assert p.rc >= 0x80 or p.rc in (0,), p
    else:
        assert p.type == m.DISCONNECT and p.rc in (m.RC_PACKET_TOO_LARGE, m.RC_QUOTA_EXCEEDED), p
    assert sub.sync() == [], "oversized message delivered"
    assert_serving(broker.port)


# ------------------------------------------------------------ half packets
@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("cut", [1, 2, 5, 12])
def test_half_packet_then_close(client, broker, version, cut):
    """A packet cut short followed by a close must not disturb the broker."""
    c = client(uid(), version)
    data = m.publish("half/t", b"x" * 200, qos=1, pid=1, version=version)
    c.send(data[:cut])
    c.close()
    assert_serving(broker.port)


@pytest.mark.parametrize("cut", [1, 3, 10, 20])
def test_half_connect_then_close(raw, broker, cut):
    """A CONNECT cut short followed by a close."""
    c = raw(5)
    c.send(m.connect(uid(), 5, props=[(m.SESSION_EXPIRY_INTERVAL, 10)])[:cut])
    c.close()
    assert_serving(broker.port)


def test_byte_by_byte_packets(raw):
    """Packets split into single bytes (TCP segmentation) are reassembled correctly."""
    c = raw(5)
    for b in m.connect(uid(), 5, props=[(m.USER_PROPERTY, ("k", "v"))]):
        c.send(bytes([b]))
    c.expect(m.CONNACK, rc=0)
    for b in m.subscribe(1, [("bb/t", 1)]):
        c.send(bytes([b]))
    c.expect(m.SUBACK)
    for b in m.publish("bb/t", b"slow", qos=1, pid=2):
        c.send(bytes([b]))
    got = {c.recv().type, c.recv().type}
    assert got == {m.PUBACK, m.PUBLISH}


def test_many_packets_in_one_segment(raw):
    """Many packets in one write are all processed, in order."""
    c = raw(5)
    c.connect(uid())
    c.subscribe(("seg/t", 0))
    c.send(b"".join(m.publish("seg/t", b"%d" % i) for i in range(50)) + m.pingreq())
    got = c.sync()
    got_payloads = [p.payload for p in got if p.type == m.PUBLISH]
    # the explicit PINGREQ above and the one of sync() give two PINGRESPs
    assert got_payloads == [b"%d" % i for i in range(50)]


@pytest.mark.timeout(40)
@pytest.mark.broker_config("connect_timeout 1")
def test_connect_never_sent(raw, broker):
    """Connections that never send CONNECT do not block others, and are closed once
    connect_timeout (1 s) has passed."""
    idle = [RawClient(broker.port, 5) for _ in range(5)]
    try:
        assert_serving(broker.port)
        for s in idle:
            s.expect_closed(timeout=5)
        assert_serving(broker.port)
    finally:
        for s in idle:
            s.close()


# ----------------------------------------------------------- slow consumer
@pytest.mark.timeout(60)
@pytest.mark.broker_config("max_queued_messages 100", "max_queued_bytes 1000000")
def test_client_that_never_reads(raw, client, broker):
    """A subscriber that never reads while 160 MiB are published to it: the broker keeps serving
    others promptly and its memory stays bounded (it drops or disconnects the slow client)."""
    slow = raw(5, rcvbuf=4096)
    slow.connect(uid())
    slow.subscribe(("flood/t", 0), ("flood/q", 1))
    base = broker.rss_kib()
    pub = client(uid(), 5)
    payload = b"z" * 65536
    chunk = b"".join(m.publish("flood/t" if i % 2 else "flood/q", payload, qos=0) for i in range(16))
    t_end = time.monotonic() + 30
    for i in range(160):          # 160 x 16 x 64 KiB = 160 MiB
        pub.sock.settimeout(max(0.1, t_end - time.monotonic()))
        pub.send(chunk)
        if i == 80:
            t0 = time.monotonic()
            assert_serving(broker.port)
            assert time.monotonic() - t0 < 3, "broker slow to serve others during the flood"
    pub.sync(timeout=30)          # the broker has consumed the whole flood
    grown_mib = (broker.rss_kib() - base) / 1024
    print(f"broker RSS growth during the flood: {grown_mib:.1f} MiB")
    t0 = time.monotonic()
    assert_serving(broker.port)
    assert time.monotonic() - t0 < 3, "broker slow to serve others while a client does not read"
    assert pub.is_open(), "the publisher was penalised for a slow subscriber"
    assert grown_mib < 80, f"broker RSS grew by {grown_mib:.0f} MiB for a client that never reads"


# ---------------------------------------------------------------- garbage
@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("seed", range(6))
def test_random_garbage_after_connect(client, broker, version, seed):
    """Random bytes after CONNECT (a frame of reserved type 0, then noise) close the connection
    (v5 with a DISCONNECT >= 0x80 or a bare close); the broker keeps serving."""
    rnd = random.Random(seed)
    body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(8, 512)))
    # a complete frame of the reserved type 0 (so the broker need not wait for more bytes),
    # followed by more random bytes
    junk = bytes([rnd.randrange(0, 16)]) + m.enc_varint(len(body)) + body + body[::-1]
    c = client(uid(), version)
    c.try_send(junk)
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            p = c.recv(max(0.1, deadline - time.monotonic()))
            if p.type == m.DISCONNECT:
                assert p.rc >= 0x80, p
    except ConnectionClosed:
        pass
    except m.MalformedPacket as e:
        pytest.fail(f"broker answered garbage with an invalid packet: {e}")
    assert c.closed_by_peer, "connection not closed after garbage"
    assert_serving(broker.port)


def test_garbage_before_connect(raw, broker):
    """Garbage instead of a CONNECT: closed without a response."""
    c = raw(5)
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    c.expect_closed()
    assert_serving(broker.port)


def test_many_abrupt_connections(broker):
    """100 connections opened and reset at once (some mid-CONNECT) leave the broker healthy."""
    socks = []
    for i in range(100):
        s = socket.create_connection(("127.0.0.1", broker.port), timeout=5)
        if i % 2:
            s.sendall(m.connect(uid(), 5)[: i % 13 + 1])
        socks.append(s)
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    assert_serving(broker.port)
