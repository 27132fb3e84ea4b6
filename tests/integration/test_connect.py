"""CONNECT / CONNACK / session / keep alive (MQTT 3.1.1 section 3.1-3.2, MQTT 5.0 section 3.1-3.2)."""

import time

import pytest

import mqtt_codec as m
from helpers import assert_serving, uid
from raw_client import ConnectionClosed, RawClient


# ------------------------------------------------------------------ CONNACK basics
def test_connack_mqtt31(raw):
    """MQTT 3.1 (MQIsdp, level 3) CONNECT is accepted: CONNACK 20 02 00 00."""
    c = raw(3)
    c.send(m.connect("v31client", version=3))
    c.expect_packet(b"\x20\x02\x00\x00")
    assert c.is_open()


def test_connack_mqtt311_exact_bytes(raw):
    """[MQTT-3.2.0-1] the first packet from the server is CONNACK; [MQTT-3.2.2-1] clean
    session -> session present 0; accepted: 20 02 00 00."""
    c = raw(4)
    c.send(m.connect(uid(), version=4))
    c.expect_packet(b"\x20\x02\x00\x00")


def test_connack_mqtt5(raw):
    """[MQTT-3.2.0-1] CONNACK with reason 0, session present 0 [MQTT-3.2.2-2], properties decodable."""
    c = raw(5)
    p = c.connect(uid())
    assert p.session_present is False
    assert p.rc == 0


def test_pingreq_pingresp(client):
    """[MQTT-3.12.4-1] the server answers PINGREQ with PINGRESP (d0 00)."""
    for v in (4, 5):
        c = client(uid(), v)
        c.send(m.pingreq())
        c.expect_packet(b"\xd0\x00")


@pytest.mark.parametrize("level", [0, 2, 6, 7])
def test_unsupported_protocol_level(raw, broker, level):
    """[MQTT-3.1.2-2] unsupported protocol level: CONNACK return code 1 (3.1.1 format) then close."""
    c = raw(4)
    body = m.enc_str("MQTT") + bytes([level, 0x02]) + m.enc_u16(60) + m.enc_str("lvl")
    c.send(m.fixed(m.CONNECT, 0, body))
    c.expect_packet(b"\x20\x02\x00\x01")
    c.expect_closed()
    assert_serving(broker.port)


def test_bad_protocol_name(raw, broker):
    """[MQTT-3.1.2-1] a wrong protocol name: the server may close (optionally after a refusing CONNACK)."""
    c = raw(4)
    c.send(m.connect("badname", version=4, protocol_name="MQTX"))
    try:
        frame = c.read_frame(5)
    except ConnectionClosed:  # closed without CONNACK (a hang is a failure: NoPacket)
        frame = None
    if frame is not None:
        assert frame[0] == 0x20 and frame[-1] != 0, f"accepted a bad protocol name: {frame.hex()}"
        c.expect_closed()
    assert_serving(broker.port)


# ----------------------------------------------------------------- packet order
@pytest.mark.parametrize("version", [4, pytest.param(5, marks=pytest.mark.mosquitto_differs(
    "closes without DISCONNECT 0x82"))])
def test_second_connect_is_protocol_error(client, broker, version):
    """[MQTT-3.1.0-2] a second CONNECT is a protocol violation: close (v5: DISCONNECT 0x82)."""
    c = client(uid(), version)
    c.send(m.connect(uid(), version))
    c.expect_error_close(m.RC_PROTOCOL_ERROR)
    assert_serving(broker.port)


@pytest.mark.parametrize("first", [m.pingreq(), m.subscribe(1, [("a", 0)], version=4),
                                   m.publish("a", b"x", version=4), m.disconnect(version=4)],
                         ids=["pingreq", "subscribe", "publish", "disconnect"])
def test_first_packet_not_connect(raw, broker, first):
    """[MQTT-3.1.0-1] the first packet must be CONNECT: the server closes without answering."""
    c = raw(4)
    c.send(first)
    c.expect_closed()
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, 5])
def test_connect_reserved_flag(raw, broker, version):
    """[MQTT-3.1.2-3] CONNECT reserved flag set: malformed -> close (v5 may send CONNACK 0x81 first)."""
    c = raw(version)
    c.send(m.connect(uid(), version, reserved_flag=True))
    try:
        p = c.recv(5)
    except ConnectionClosed:  # closed straight away
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc >= 0x80, f"reserved flag accepted: {p!r}"
        if version == 5:
            assert p.rc == m.RC_MALFORMED_PACKET
        c.expect_closed()
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("case", ["will_qos3", "qos_without_will", "retain_without_will"])
def test_connect_will_flag_consistency(raw, broker, version, case):
    """[MQTT-3.1.2-11]/[MQTT-3.1.2-13]/[MQTT-3.1.2-14]/[MQTT-3.1.2-15]: will QoS 3, or will
    QoS/retain without the will flag, is malformed -> connection closed."""
    flags = {"will_qos3": 0x04 | 0x18 | 0x02, "qos_without_will": 0x08 | 0x02,
             "retain_without_will": 0x20 | 0x02}[case]
    body = m.enc_str("MQTT") + bytes([version, flags]) + m.enc_u16(60)
    if version == 5:
        body += m.enc_properties(None)
    body += m.enc_str(uid())
    if flags & 0x04:
        if version == 5:
            body += m.enc_properties(None)
        body += m.enc_str("will/t") + m.enc_bin(b"w")
    c = raw(version)
    c.send(m.fixed(m.CONNECT, 0, body))
    try:
        p = c.recv(5)
    except ConnectionClosed:
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc >= 0x80, f"invalid will flags accepted: {p!r}"
        c.expect_closed()
    assert_serving(broker.port)


def test_password_without_username_v311(raw, broker):
    """[MQTT-3.1.2-22] 3.1.1: password flag without user name flag -> connection closed."""
    c = raw(4)
    body = m.enc_str("MQTT") + bytes([4, 0x42]) + m.enc_u16(60) + m.enc_str(uid()) + m.enc_bin(b"pw")
    c.send(m.fixed(m.CONNECT, 0, body))
    try:
        p = c.recv(5)
    except ConnectionClosed:
        p = None
    if p is not None:
        assert p.type == m.CONNACK and p.rc != 0, f"accepted: {p!r}"
        c.expect_closed()
    assert_serving(broker.port)


# ------------------------------------------------------------------- client ids
def test_empty_client_id_clean_v311(raw):
    """[MQTT-3.1.3-6]/[MQTT-3.1.3-7] zero-length ClientId with CleanSession=1 is accepted."""
    c = raw(4)
    c.send(m.connect("", version=4, clean=True))
    c.expect_packet(b"\x20\x02\x00\x00")
    assert c.is_open()


def test_empty_client_id_not_clean_v311(raw, broker):
    """[MQTT-3.1.3-8] zero-length ClientId with CleanSession=0: CONNACK 0x02 then close."""
    c = raw(4)
    c.send(m.connect("", version=4, clean=False))
    c.expect_packet(b"\x20\x02\x00\x02")
    c.expect_closed()
    assert_serving(broker.port)


def test_empty_client_id_v5_assigned(raw):
    """[MQTT-3.1.3-6] v5: a zero-length ClientID gets a unique Assigned Client Identifier (3.2.2.3.7)."""
    ids = []
    for _ in range(2):
        c = raw(5)
        p = c.connect("")
        assigned = p.prop(m.ASSIGNED_CLIENT_IDENTIFIER)
        assert assigned, f"no Assigned Client Identifier in {p!r}"
        ids.append(assigned)
    assert ids[0] != ids[1]


def test_client_id_23_chars_accepted(raw):
    """[MQTT-3.1.3-5] ClientIds of 1..23 chars [0-9a-zA-Z] must be accepted."""
    c = raw(4)
    c.connect("abcdefghijklmnopqrstuvw")
    assert c.is_open()


@pytest.mark.parametrize("version", [4, pytest.param(5, marks=pytest.mark.mosquitto_differs(
    "2.0.11 closes the old v5 connection without DISCONNECT 0x8E"))])
def test_client_id_takeover(client, version):
    """[MQTT-3.1.4-3] (3.1.1 [MQTT-3.1.4-2]) a CONNECT with a ClientID already connected
    disconnects the existing client: v5 DISCONNECT 0x8E (Session taken over), v3 close."""
    cid = uid("take")
    old = client(cid, version)
    new = client(cid, version)
    old.expect_error_close(m.RC_SESSION_TAKEN_OVER)
    assert new.is_open()


def test_takeover_keeps_session(client):
    """[MQTT-3.1.4-3] with CleanSession=0 the new connection takes over the existing session."""
    cid = uid("take")
    old = client(cid, 4, clean=False)
    topic = uid("tk/")
    old.subscribe((topic, 1))
    new = client(cid, 4, clean=False)
    assert new.connack.session_present is True
    old.expect_closed()
    pub = client(uid(), 4)
    pub.publish(topic, b"after", qos=1)
    new.expect_publish(topic, b"after", qos=1)


# ------------------------------------------------------------------- keep alive
@pytest.mark.mosquitto_differs("checks keep alive only every ~5 s")
@pytest.mark.parametrize("version", [4, 5])
def test_keepalive_timeout_closes(raw, version):
    """[MQTT-3.1.2-24] (3.1.1 [MQTT-3.1.2-24]) no packet within 1.5 x Keep Alive -> the
    server closes the connection (v5 may send DISCONNECT 0x8D first)."""
    c = raw(version)
    c.connect(uid(), keepalive=1)
    t0 = time.monotonic()
    p = c.expect_closed(timeout=5, allow_disconnect=True)
    elapsed = time.monotonic() - t0
    if p is not None:
        assert p.rc == m.RC_KEEP_ALIVE_TIMEOUT
    assert 0.9 <= elapsed <= 3.5, f"closed after {elapsed:.2f}s for keepalive 1"


def test_keepalive_traffic_keeps_alive(raw):
    """[MQTT-3.1.2-23] PINGREQs within the keep alive keep the connection open."""
    c = raw(4)
    c.connect(uid(), keepalive=1)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        c.send(m.pingreq())
        c.expect(m.PINGRESP, timeout=0.9)   # the broker's answer paces the loop
        time.sleep(0.4)                     # keep-alive timing is the subject of this test
    assert c.is_open()


@pytest.mark.broker_config("max_keepalive 10")
def test_max_keepalive_server_keep_alive(raw):
    """[MQTT-3.2.2-21] v5: a keep alive above max_keepalive -> CONNACK Server Keep Alive = 10,
    which the client must then use."""
    c = raw(5)
    p = c.connect(uid(), keepalive=60)
    assert p.prop(m.SERVER_KEEP_ALIVE) == 10, p


@pytest.mark.broker_config("max_keepalive 10")
def test_keepalive_within_max_no_server_keep_alive(raw):
    """A keep alive within max_keepalive is kept (no override, or the same value)."""
    c = raw(5)
    p = c.connect(uid(), keepalive=5)
    assert p.prop(m.SERVER_KEEP_ALIVE, 5) == 5, p


@pytest.mark.timeout(40)
@pytest.mark.broker_config("max_keepalive 10")
def test_server_keep_alive_enforced(raw):
    """[MQTT-3.2.2-22] the Server Keep Alive replaces the client's value: the broker then closes an
    idle client after 1.5 x the server value (10 s, the smallest max_keepalive allowed)."""
    c = raw(5)
    p = c.connect(uid(), keepalive=600)
    assert p.prop(m.SERVER_KEEP_ALIVE) == 10
    t0 = time.monotonic()
    c.expect_closed(timeout=25, allow_disconnect=True)
    assert 9.5 <= time.monotonic() - t0 <= 20


# ------------------------------------------------------------- advertised limits
@pytest.mark.broker_config("max_inflight_messages 7", "max_qos 1", "retain_available false",
                           "max_packet_size 2000", "max_topic_alias 5")
def test_connack_properties_advertise_limits(raw):
    """3.2.2.3: Receive Maximum, Maximum QoS [MQTT-3.2.2-9], Retain Available [MQTT-3.2.2-13],
    Maximum Packet Size, Topic Alias Maximum reflect the configuration."""
    c = raw(5)
    p = c.connect(uid())
    assert p.prop(m.RECEIVE_MAXIMUM) == 7, p
    assert p.prop(m.MAXIMUM_QOS) == 1, p
    assert p.prop(m.RETAIN_AVAILABLE) == 0, p
    assert p.prop(m.MAXIMUM_PACKET_SIZE) == 2000, p
    assert p.prop(m.TOPIC_ALIAS_MAXIMUM) == 5, p


def test_connack_default_properties(raw):
    """Defaults: no Maximum QoS (2), retain available, wildcard/subscription id/shared
    subscriptions available (absent or 1), receive maximum absent or > 0, each property at most once."""
    c = raw(5)
    p = c.connect(uid())
    assert not p.has_prop(m.MAXIMUM_QOS), f"Maximum QoS sent although QoS 2 is supported: {p!r}"
    for pid in (m.RETAIN_AVAILABLE, m.WILDCARD_SUBSCRIPTION_AVAILABLE,
                m.SUBSCRIPTION_IDENTIFIER_AVAILABLE, m.SHARED_SUBSCRIPTION_AVAILABLE):
        assert p.prop(pid, 1) == 1, f"property 0x{pid:02x} says unavailable: {p!r}"
    assert p.prop(m.RECEIVE_MAXIMUM, 65535) > 0
    ids = [k for k, _ in p.props if k != m.USER_PROPERTY]
    assert len(ids) == len(set(ids)), f"duplicate CONNACK properties {p!r}"


# ------------------------------------------------------------- sessions (3.1.1)
def test_session_present_flag_v311(client):
    """[MQTT-3.2.2-1] clean -> 0; [MQTT-3.2.2-2] resumed session -> 1; [MQTT-3.2.2-3] new -> 0."""
    cid = uid("sp")
    c = client(cid, 4, clean=False)
    assert c.connack.session_present is False
    c.disconnect()
    c = client(cid, 4, clean=False)
    assert c.connack.session_present is True
    c.disconnect()
    c = client(cid, 4, clean=True)
    assert c.connack.session_present is False
    c.disconnect()
    c = client(cid, 4, clean=False)
    assert c.connack.session_present is False, "clean session must have discarded the session [MQTT-3.1.2-6]"


def test_session_persists_subscriptions_and_queues_v311(client):
    """[MQTT-3.1.2-4]/[MQTT-3.1.2-5] CleanSession=0: subscriptions survive and QoS 1/2 messages
    published while offline are delivered on reconnect."""
    cid, topic = uid("per"), uid("per/")
    c = client(cid, 4, clean=False)
    c.subscribe((topic, 1), (topic + "/2", 2))
    c.disconnect()
    pub = client(uid(), 4)
    pub.publish(topic, b"one", qos=1)
    pub.publish(topic + "/2", b"two", qos=2)
    pub.publish(topic, b"zero", qos=0)
    c = client(cid, 4, clean=False)
    assert c.connack.session_present
    received = c.sync(5)
    for p in received:
        c.ack(p)
    got = [(p.topic, p.payload, p.qos) for p in received]
    # storing QoS 0 messages for an offline session is optional [MQTT-3.1.2-5]
    got = [g for g in got if g != (topic, b"zero", 0)]
    assert got == [(topic, b"one", 1), (topic + "/2", b"two", 2)]
    # the subscription is still active for live messages
    pub.publish(topic, b"live", qos=1)
    c.expect_publish(topic, b"live", qos=1)


def test_clean_session_discards_state_v311(client):
    """[MQTT-3.1.2-6] CleanSession=1 discards the previous session: no subscription, no queue."""
    cid, topic = uid("cl"), uid("cl/")
    c = client(cid, 4, clean=False)
    c.subscribe((topic, 1))
    c.disconnect()
    c = client(cid, 4, clean=True)
    assert c.connack.session_present is False
    pub = client(uid(), 4)
    pub.publish(topic, b"x", qos=1)
    assert c.sync() == [], "old subscription survived a clean session"


# ------------------------------------------------------------------ sessions (v5)
def test_session_expiry_zero_ends_session(client):
    """[MQTT-3.1.2-23]: Session Expiry 0 (absent) -> the session ends with the connection."""
    cid = uid("se")
    c = client(cid, 5, clean=False)
    c.subscribe(("se/x", 1))
    c.disconnect()
    c = client(cid, 5, clean=False)
    assert c.connack.session_present is False


def test_session_expiry_keeps_session(client):
    """Session Expiry > 0: the session (subscriptions, queued messages) survives a disconnect;
    [MQTT-3.2.2-2] session present = 1 on resume."""
    cid, topic = uid("se"), uid("se/")
    c = client(cid, 5, clean=True, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    c.subscribe((topic, 1))
    c.disconnect()
    pub = client(uid(), 5)
    pub.publish(topic, b"queued", qos=1)
    c = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    assert c.connack.session_present is True
    c.expect_publish(topic, b"queued", qos=1)


def test_clean_start_discards_v5_session(client):
    """[MQTT-3.1.2-4] Clean Start=1 discards an existing session: session present 0."""
    cid = uid("cs")
    c = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    c.subscribe(("cs/x", 1))
    c.disconnect()
    c = client(cid, 5, clean=True, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    assert c.connack.session_present is False


@pytest.mark.timeout(20)
def test_session_expires_after_interval(client):
    """[MQTT-3.1.2-23] the session is discarded when the Session Expiry Interval has passed."""
    cid = uid("sx")
    c = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 1)])
    c.subscribe(("sx/x", 1))
    c.disconnect()
    time.sleep(2.5)  # no event to await: the expiry is the passage of time
    c = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 1)])
    assert c.connack.session_present is False


def test_session_expiry_changed_at_disconnect(client):
    """3.14.2.2.2: the Session Expiry Interval in DISCONNECT replaces the CONNECT one:
    60 -> 0 ends the session at disconnect."""
    cid = uid("sd")
    c = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    c.subscribe(("sd/x", 1))
    c.disconnect(0, props=[(m.SESSION_EXPIRY_INTERVAL, 0)])
    c = client(cid, 5, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 60)])
    assert c.connack.session_present is False


def test_session_expiry_extended_at_disconnect(client):
    """3.14.2.2.2: a nonzero CONNECT expiry may be changed to another nonzero value at DISCONNECT."""
    cid = uid("sd")
    c = client(cid, 5, props=[(m.SESSION_EXPIRY_INTERVAL, 1)])
    c.subscribe(("sd/y", 1))
    c.disconnect(0, props=[(m.SESSION_EXPIRY_INTERVAL, 120)])
    c = client(cid, 5, clean=False)
    assert c.connack.session_present is True


def test_session_expiry_zero_to_nonzero_is_protocol_error(client, broker):
    """[MQTT-3.14.2-2] Session Expiry 0 at CONNECT and nonzero at DISCONNECT: protocol error,
    the server sends DISCONNECT 0x82; the session still ends."""
    cid = uid("sz")
    c = client(cid, 5)
    c.send(m.disconnect(0, props=[(m.SESSION_EXPIRY_INTERVAL, 30)]))
    c.expect_disconnect(m.RC_PROTOCOL_ERROR)
    c2 = client(cid, 5, clean=False)
    assert c2.connack.session_present is False
    assert_serving(broker.port)


def test_disconnect_normal_closes(client):
    """[MQTT-3.14.4-1] after DISCONNECT the server closes the connection."""
    for v in (4, 5):
        c = client(uid(), v)
        c.send(m.disconnect(version=v))
        c.expect_closed()


# ------------------------------------------------------------------ connections
@pytest.mark.broker_config("max_connections 2")
def test_max_connections(raw, broker):
    """max_connections 2: a third client is refused (closed, or CONNACK with a failure code)."""
    a, b = raw(5), raw(5)
    a.connect(uid())
    b.connect(uid())
    c = raw(5)
    try:
        c.send(m.connect(uid(), 5))
        p = c.recv(5)
    except (ConnectionClosed, OSError):
        p = None   # refused by closing the connection
    if p is not None:
        assert p.type == m.CONNACK and p.rc >= 0x80, f"third connection accepted: {p!r}"
        c.expect_closed()
    a.disconnect()
    d = RawClient(broker.port, 5)
    try:
        d.connect(uid())
    finally:
        d.close()
