"""SUBSCRIBE / UNSUBSCRIBE, topic matching, $SYS, shared subscriptions, subscription options
(MQTT 3.1.1 sections 3.8-3.11, 4.7; MQTT 5.0 sections 3.8-3.11, 4.7, 4.8)."""

import pytest

import mqtt_codec as m
from helpers import assert_serving, uid

# ------------------------------------------------------------------ wildcards
MATCHES = [
    ("sport/tennis/player1/#", "sport/tennis/player1", True),          # [MQTT-4.7.1-2]
    ("sport/tennis/player1/#", "sport/tennis/player1/ranking", True),
    ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", True),
    ("sport/#", "sport", True),
    ("#", "any/thing/at/all", True),
    ("sport/tennis/+", "sport/tennis/player1", True),
    ("sport/tennis/+", "sport/tennis/player1/ranking", False),
    ("sport/+", "sport", False),
    ("sport/+", "sport/", True),
    ("+/+", "/finance", True),
    ("/+", "/finance", True),
    ("+", "/finance", False),
    ("+/tennis/#", "sport/tennis/x/y", True),
    ("a//b", "a//b", True),
    ("a/+/b", "a//b", True),
    ("Sport", "sport", False),                                          # case sensitive
    ("a/b", "a/b/", False),
    ("+", "x", True),
]


@pytest.mark.parametrize("version", [4, 5])
def test_wildcard_matching(client, version):
    """4.7.1 wildcard semantics ([MQTT-4.7.1-1..3]) and 4.7.3 case sensitivity: each filter receives
    exactly the topics it matches (checked with a PINGREQ barrier)."""
    # one namespace level per case so that the filters do not see each other's topics
    c = client(uid(), version)
    pub = client(uid(), version)
    for i, (flt, topic, should) in enumerate(MATCHES):
        ns = f"wc{i}"
        f = f"{ns}/{flt}"
        t = f"{ns}/{topic}"
        c.subscribe((f, 1))
        pub.publish(t, b"x", qos=1)
        got = c.sync()
        assert bool(got) == should, f"filter {flt!r} vs topic {topic!r}: got {got}"
        if should:
            assert len(got) == 1 and got[0].topic == t


def test_wildcard_root_hash_and_plus(client):
    """'#' alone and '+' alone at the root match non-'$' topics of the right depth."""
    a = client(uid(), 5)
    a.subscribe(("#", 0), ("+", 0))
    pub = client(uid(), 5)
    pub.publish("rootlevel", b"1", qos=1)
    pub.publish("two/levels", b"2", qos=1)
    got = a.sync()
    # 'rootlevel' matches both filters: one or two copies depending on the overlap policy
    topics = [p.topic for p in got]
    assert "two/levels" in topics and "rootlevel" in topics


# ------------------------------------------------------------------ '$' topics
@pytest.mark.broker_config("sys_interval 1")
def test_dollar_topics_not_matched_by_wildcards(client):
    """[MQTT-4.7.2-1] '#' and '+/...' at the first level do not match topics starting with '$';
    '$SYS/...' filters do.  Checked with subscription identifiers on one connection."""
    c = client(uid(), 5)
    c.subscribe(("#", 0), sub_id=1)
    c.subscribe(("+/broker/version", 0), sub_id=2)
    c.subscribe(("+/broker/uptime", 0), sub_id=2)
    c.subscribe(("$SYS/broker/version", 0), ("$SYS/broker/uptime", 0), sub_id=3)
    seen = set()
    for _ in range(4):
        p = c.expect(m.PUBLISH, timeout=5)
        assert p.topic.startswith("$SYS/broker/"), p
        assert p.sub_ids == [3], f"'$' topic delivered through a wildcard subscription: {p!r}"
        seen.add(p.topic)
        if seen == {"$SYS/broker/version", "$SYS/broker/uptime"}:
            break
    assert seen == {"$SYS/broker/version", "$SYS/broker/uptime"}


def test_client_dollar_topic_not_matched_by_hash(client):
    """[MQTT-4.7.2-1] a '$'-prefixed (non-$SYS) application topic is not matched by '#' or '+/x'."""
    a = client(uid(), 4)
    a.subscribe(("#", 0), ("+/x", 0))
    pub = client(uid(), 4)
    pub.publish("$app/x", b"dollar", qos=1)
    pub.publish("nodollar/x", b"plain", qos=1)
    got = a.sync()
    assert all(not p.topic.startswith("$") for p in got), got


@pytest.mark.broker_config("sys_interval 1")
@pytest.mark.parametrize("topic", ["$SYS/broker/version", "$SYS/broker/uptime",
                                   "$SYS/broker/clients/connected", "$SYS/broker/messages/received"])
def test_sys_topics_present(client, topic):
    """$SYS/broker/... statistics are published (sys_interval 1 s)."""
    c = client(uid(), 4)
    c.subscribe((topic, 0))
    p = c.expect_publish(topic, timeout=4)
    assert p.payload, f"empty {topic}"
    if topic != "$SYS/broker/version":
        assert p.payload.split()[0].isdigit(), p.payload


@pytest.mark.broker_config("sys_interval 1")
def test_sys_clients_connected_counts(client):
    """$SYS/broker/clients/connected reflects connected clients (>= the 3 of this test)."""
    client(uid(), 4), client(uid(), 4)   # two more connected clients (the fixture keeps them open)
    c = client(uid(), 4)
    c.subscribe(("$SYS/broker/clients/connected", 0))
    values = []
    while not values or int(values[-1]) < 3:   # the retained value may predate these clients
        p = c.expect_publish("$SYS/broker/clients/connected", timeout=4)
        values.append(p.payload)
    assert int(values[-1]) >= 3, values


# --------------------------------------------------------------- SUBACK basics
@pytest.mark.parametrize("version", [4, 5])
def test_suback_one_code_per_filter(client, version):
    """[MQTT-3.8.4-1] SUBACK with [MQTT-3.8.4-2] the same packet id and [MQTT-3.8.4-6] one
    return code per filter in order (granted QoS)."""
    c = client(uid(), version)
    pid = c.pid()
    c.send(m.subscribe(pid, [("s/a", 0), ("s/b", 1), ("s/c", 2), ("s/+/d", 1)], version=version))
    c.expect_packet(m.suback(pid, [0, 1, 2, 1], version=version))


@pytest.mark.parametrize("version", [4, 5])
def test_resubscribe_replaces(client, version):
    """[MQTT-3.8.4-3] an identical filter replaces the subscription (new QoS), no duplicates,
    and existing retained messages are re-sent."""
    c = client(uid(), version)
    pub = client(uid(), version)
    pub.publish("rs/t", b"ret", qos=1, retain=True)
    c.subscribe(("rs/t", 0))
    c.expect_publish("rs/t", b"ret", qos=0, retain=True)
    c.subscribe(("rs/t", 1))
    c.expect_publish("rs/t", b"ret", qos=1, retain=True)
    pub.publish("rs/t", b"live", qos=1)
    c.expect_publish("rs/t", b"live", qos=1)
    assert c.sync() == []


@pytest.mark.broker_config("max_qos 1")
@pytest.mark.parametrize("version", [4, 5])
def test_granted_qos_capped_by_max_qos(client, version):
    """[MQTT-3.8.4-5] (3.1.1) / 3.9.3: the server may grant a lower QoS: with max_qos 1 a QoS 2 request is
    granted QoS 1 and messages are delivered at QoS 1."""
    c = client(uid(), version)
    c.subscribe(("mq/t", 2), ("mq/u", 0), expect_rcs=[1, 0])
    pub = client(uid(), version)
    pub.publish("mq/t", b"x", qos=1)
    c.expect_publish("mq/t", b"x", qos=1)


# ------------------------------------------------------------ invalid filters
@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("flt", ["a/#/b", "a#", "a/b#", "a+", "a/+b/c", "#/a", ""])
def test_invalid_topic_filter(client, broker, version, flt):
    """[MQTT-4.7.1-2]/[MQTT-4.7.1-3]/[MQTT-4.7.3-1] an invalid filter is refused: SUBACK failure for
    that filter (0x80, v5 0x8F) or the connection is closed (v5 DISCONNECT 0x8F/0x81/0x82);
    never accepted."""
    c = client(uid(), version)
    pid = c.pid()
    c.send(m.subscribe(pid, [(flt, 0), ("ok/filter", 0)], version=version))
    try:
        p = c.recv(5)
    except Exception:
        p = None     # closed without a DISCONNECT (3.1.1 style)
        assert version == 4, "v5: connection closed without DISCONNECT"
    if p is not None and p.type == m.SUBACK:
        expected = 0x80 if version == 4 else (m.RC_TOPIC_FILTER_INVALID, m.RC_UNSPECIFIED_ERROR)
        assert (p.rcs[0] == expected if version == 4 else p.rcs[0] in expected), p
        assert c.is_open()
    elif p is not None:
        assert p.type == m.DISCONNECT and p.rc in (m.RC_TOPIC_FILTER_INVALID, m.RC_MALFORMED_PACKET,
                                                    m.RC_PROTOCOL_ERROR), p
        c.expect_closed()
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, 5])
def test_subscribe_without_filters(client, broker, version):
    """[MQTT-3.8.3-3] a SUBSCRIBE with no topic filter is a protocol violation -> close."""
    c = client(uid(), version)
    c.send(m.subscribe(c.pid(), [], version=version))
    c.expect_error_close((m.RC_PROTOCOL_ERROR, m.RC_MALFORMED_PACKET))
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, 5])
def test_subscribe_qos3(client, broker, version):
    """[MQTT-3.8.3-4] (v5 [MQTT-3-8.3-5]) requested QoS 3 / reserved option bits -> malformed, close."""
    c = client(uid(), version)
    c.send(m.subscribe(c.pid(), [("q3/t", 3)], version=version))
    c.expect_error_close(m.RC_MALFORMED_PACKET)
    assert_serving(broker.port)


def test_subscribe_reserved_option_bits_v5(client, broker):
    """[MQTT-3.8.3-5] v5 subscription options bits 6-7 must be 0 -> malformed 0x81."""
    c = client(uid(), 5)
    c.send(m.subscribe(c.pid(), [("rb/t", 0xC1)]))
    c.expect_disconnect(m.RC_MALFORMED_PACKET)
    assert_serving(broker.port)


def test_subscribe_retain_handling_3_v5(client, broker):
    """3.8.3.1: Retain Handling 3 is a protocol error (malformed/protocol error)."""
    c = client(uid(), 5)
    c.send(m.subscribe(c.pid(), [("rh/t", 0x30)]))
    c.expect_disconnect((m.RC_MALFORMED_PACKET, m.RC_PROTOCOL_ERROR))
    assert_serving(broker.port)


# --------------------------------------------------------------- unsubscribe
def test_unsubscribe_v311_exact(client):
    """[MQTT-3.10.4-4] UNSUBACK b0 02 <pid>, [MQTT-3.10.4-5] even if nothing was subscribed;
    [MQTT-3.10.4-2] no more messages after UNSUBACK."""
    c = client(uid(), 4)
    c.subscribe(("us/t", 1))
    pid = c.pid()
    c.send(m.unsubscribe(pid, ["us/t"], version=4))
    c.expect_packet(m.unsuback(pid, version=4))
    pid = c.pid()
    c.send(m.unsubscribe(pid, ["never/subscribed"], version=4))
    c.expect_packet(m.unsuback(pid, version=4))
    pub = client(uid(), 4)
    pub.publish("us/t", b"x", qos=1)
    assert c.sync() == []


def test_unsubscribe_v5_reason_codes(client):
    """3.11.3: UNSUBACK reason 0x00 for a removed subscription, 0x11 (No subscription existed)
    otherwise, one per filter in order."""
    c = client(uid(), 5)
    c.subscribe(("us/a", 1), ("us/+/b", 0))
    p = c.unsubscribe("us/a", "us/none", "us/+/b")
    assert p.rcs == [0x00, m.RC_NO_SUBSCRIPTION_EXISTED, 0x00], p
    p = c.unsubscribe("us/a")
    assert p.rcs == [m.RC_NO_SUBSCRIPTION_EXISTED]


@pytest.mark.parametrize("version", [4, 5])
def test_unsubscribe_without_filters(client, broker, version):
    """[MQTT-3.10.3-2] an UNSUBSCRIBE with no topic filter is a protocol violation -> close."""
    c = client(uid(), version)
    c.send(m.unsubscribe(c.pid(), [], version=version))
    c.expect_error_close((m.RC_PROTOCOL_ERROR, m.RC_MALFORMED_PACKET))
    assert_serving(broker.port)


# ------------------------------------------------------- subscription options
def test_no_local(client):
    """[MQTT-3.8.3-3] No Local: the client's own publications are not sent back to it (other
    clients' are); the marker proves the broker already processed the first publish."""
    c = client(uid(), 5)
    c.subscribe(("nl/t", m.sub_options(1, no_local=True)), ("nl/marker", 1))
    c.publish("nl/t", b"mine", qos=1)
    c.publish("nl/marker", b"m", qos=1)
    c.expect_publish("nl/marker", b"m")
    other = client(uid(), 5)
    other.publish("nl/t", b"theirs", qos=1)
    c.expect_publish("nl/t", b"theirs")


def test_without_no_local_echo(client):
    """Without No Local a client receives its own publications."""
    c = client(uid(), 5)
    c.subscribe(("nl/e", 1))
    c.publish("nl/e", b"mine", qos=1)
    c.expect_publish("nl/e", b"mine")


def test_retain_as_published(client):
    """[MQTT-3.3.1-12] RAP=0: live messages are delivered with RETAIN 0; [MQTT-3.3.1-13]
    RAP=1: with the RETAIN flag as published."""
    a = client(uid(), 5)
    b = client(uid(), 5)
    a.subscribe(("rap/t", m.sub_options(1, rap=False)))
    b.subscribe(("rap/t", m.sub_options(1, rap=True)))
    pub = client(uid(), 5)
    pub.publish("rap/t", b"r", qos=1, retain=True)
    pub.publish("rap/t", b"n", qos=1, retain=False)
    a.expect_publish("rap/t", b"r", retain=False)
    a.expect_publish("rap/t", b"n", retain=False)
    b.expect_publish("rap/t", b"r", retain=True)
    b.expect_publish("rap/t", b"n", retain=False)


def test_live_retained_v311_flag_cleared(client):
    """[MQTT-3.3.1-9] 3.1.1: a retained PUBLISH forwarded to an existing subscription has RETAIN 0."""
    a = client(uid(), 4)
    a.subscribe(("rl/t", 1))
    pub = client(uid(), 4)
    pub.publish("rl/t", b"r", qos=1, retain=True)
    a.expect_publish("rl/t", b"r", retain=False)


def test_retain_handling(client):
    """[MQTT-3.3.1-9] RH 0: retained sent at every subscribe; [MQTT-3.3.1-10] RH 1: only if the
    subscription did not exist; [MQTT-3.3.1-11] RH 2: never."""
    pub = client(uid(), 5)
    pub.publish("rh/t", b"kept", qos=1, retain=True)
    c0, c1, c2 = client(uid(), 5), client(uid(), 5), client(uid(), 5)
    for _ in range(2):
        c0.subscribe(("rh/t", m.sub_options(1, rh=0)))
        c0.expect_publish("rh/t", b"kept", retain=True)
    c1.subscribe(("rh/t", m.sub_options(1, rh=1)))
    c1.expect_publish("rh/t", b"kept", retain=True)
    c1.subscribe(("rh/t", m.sub_options(1, rh=1)))
    assert c1.sync() == [], "RH 1 re-sent retained messages for an existing subscription"
    c2.subscribe(("rh/t", m.sub_options(1, rh=2)))
    assert c2.sync() == [], "RH 2 sent retained messages"


# ------------------------------------------------------ subscription identifiers
def test_subscription_identifier_delivered(client):
    """[MQTT-3.3.4-3]/3.8.2.1.2: the Subscription Identifier of the matching subscription is sent
    with the message; a subscription without one gets none."""
    c = client(uid(), 5)
    c.subscribe(("si/a/#", 1), sub_id=42)
    c.subscribe(("si/b", 1))
    pub = client(uid(), 5)
    pub.publish("si/a/x", b"1", qos=1)
    pub.publish("si/b", b"2", qos=1)
    assert c.expect_publish("si/a/x").sub_ids == [42]
    assert c.expect_publish("si/b").sub_ids == []


def test_subscription_identifier_large_and_replaced(client):
    """Subscription identifiers up to 268435455 (4-byte varint); re-subscribing replaces the id."""
    c = client(uid(), 5)
    c.subscribe(("si/l", 1), sub_id=268435455)
    pub = client(uid(), 5)
    pub.publish("si/l", b"1", qos=1)
    assert c.expect_publish("si/l").sub_ids == [268435455]
    c.subscribe(("si/l", 1), sub_id=7)
    pub.publish("si/l", b"2", qos=1)
    assert c.expect_publish("si/l").sub_ids == [7]


def test_subscription_identifier_on_retained(client):
    """Retained messages sent because of a subscription carry its identifier."""
    pub = client(uid(), 5)
    pub.publish("si/r", b"r", qos=1, retain=True)
    c = client(uid(), 5)
    c.subscribe(("si/+", 1), sub_id=9)
    p = c.expect_publish("si/r", b"r", retain=True)
    assert p.sub_ids == [9]


def test_subscription_identifier_zero_is_protocol_error(client, broker):
    """3.8.2.1.2: a Subscription Identifier of 0 is a protocol error -> DISCONNECT 0x82 (or 0x81)."""
    c = client(uid(), 5)
    c.send(m.subscribe(c.pid(), [("si/z", 0)], props=[(m.SUBSCRIPTION_IDENTIFIER, 0)]))
    c.expect_disconnect((m.RC_PROTOCOL_ERROR, m.RC_MALFORMED_PACKET))
    assert_serving(broker.port)


@pytest.mark.parametrize("version", [4, pytest.param(5, marks=pytest.mark.mosquitto_differs(
    "v5: sends one copy per matching subscription"))])
def test_overlapping_subscriptions_single_delivery(client, version):
    """[MQTT-3.3.4-2] (3.1.1 [MQTT-3.3.5-1]) overlapping subscriptions: the message is delivered
    once, at the highest granted QoS; v5 [MQTT-3.3.4-3]: with all matching Subscription Identifiers."""
    c = client(uid(), version)
    if version == 5:
        c.subscribe(("ov/#", 0), sub_id=1)
        c.subscribe(("ov/+", 2), sub_id=2)
    else:
        c.subscribe(("ov/#", 0), ("ov/+", 2))
    pub = client(uid(), version)
    pub.publish("ov/t", b"x", qos=2)
    p = c.expect_publish("ov/t", b"x", qos=2)
    if version == 5:
        assert sorted(p.sub_ids) == [1, 2], p
    assert c.sync() == [], "delivered more than once"


@pytest.mark.parametrize("version", [4, 5])
def test_overlapping_subscriptions_max_qos(client, version):
    """[MQTT-3.3.4-2]/[MQTT-3.3.5-1] at least one copy is delivered at the maximum QoS of the
    matching subscriptions."""
    c = client(uid(), version)
    c.subscribe(("ovq/#", 0), ("ovq/+", 1))
    pub = client(uid(), version)
    pub.publish("ovq/t", b"x", qos=1)
    got = c.sync() or [c.expect(m.PUBLISH)]
    for p in got:
        c.ack(p)
    assert max(p.qos for p in got) == 1


# ------------------------------------------------------------ shared subscriptions
def _drain(c, n_max=100):
    out = []
    while True:
        batch = c.sync()
        if not batch:
            return out
        for p in batch:
            c.ack(p)
        out += batch


def test_shared_subscription_round_robin(client):
    """4.8.2: each message of a shared subscription goes to exactly one member; with two idle
    members the broker alternates between them (round robin)."""
    a, b = client(uid(), 5), client(uid(), 5)
    a.subscribe(("$share/g1/sh/t", 1))
    b.subscribe(("$share/g1/sh/t", 1))
    pub = client(uid(), 5)
    for i in range(6):
        pub.publish("sh/t", b"%d" % i, qos=1)
    got_a, got_b = _drain(a), _drain(b)
    pa = sorted(int(p.payload) for p in got_a)
    pb = sorted(int(p.payload) for p in got_b)
    assert sorted(pa + pb) == list(range(6)), (pa, pb)
    assert len(pa) == 3 and len(pb) == 3, (pa, pb)
    for p in got_a + got_b:
        assert p.topic == "sh/t"


@pytest.mark.broker_config("shared_subscription_strategy local", "worker_threads 2")
def test_shared_local_strategy_keeps_messages_on_the_publishers_thread(client):
    """shared_subscription_strategy local: a member whose connection lives on the publisher's
    worker takes its messages. Connections are spread over the two workers in accept order, so of
    four consecutive connections the 1st and 3rd share a worker, and the 2nd and 4th."""
    a, b = client(uid(), 5), client(uid(), 5)
    a.subscribe(("$share/gl/loc/t", 1))
    b.subscribe(("$share/gl/loc/t", 1))
    p1, p2 = client(uid(), 5), client(uid(), 5)
    for i in range(8):
        p1.publish("loc/t", b"a%d" % i, qos=1)
        p2.publish("loc/t", b"b%d" % i, qos=1)
    got_a = sorted(p.payload for p in _drain(a))
    got_b = sorted(p.payload for p in _drain(b))
    assert got_a == sorted(b"a%d" % i for i in range(8)), (got_a, got_b)
    assert got_b == sorted(b"b%d" % i for i in range(8)), (got_a, got_b)


@pytest.mark.broker_config("shared_subscription_strategy local", "worker_threads 2",
                           "max_inflight_messages 1000")
def test_shared_local_strategy_spills_over_when_the_local_member_falls_behind(client):
    """A local member that does not keep up (receive maximum 1, never acknowledging) stops being
    preferred once 256 messages are queued for it: the rest go to the other member (whose window
    of 1000 never fills), and nothing is lost."""
    a = client(uid(), 5, props=[(m.RECEIVE_MAXIMUM, 1)])
    b = client(uid(), 5)
    a.subscribe(("$share/gs/spill/t", 1))
    b.subscribe(("$share/gs/spill/t", 1))
    p1 = client(uid(), 5)  # on a's worker
    for i in range(600):
        p1.publish("spill/t", b"%d" % i, qos=1)
    got_b = _drain(b)
    assert 300 <= len(got_b) <= 600 - 257, len(got_b)
    got_a = _drain(a)  # acknowledging now lets its queue through
    payloads = sorted(int(p.payload) for p in got_a + got_b)
    assert payloads == list(range(600))


@pytest.mark.broker_config("worker_threads 2", "max_inflight_messages 1000")
def test_shared_round_robin_skips_a_member_with_a_backlog(client):
    """Round robin (the default) passes over a member whose messages are queued while another
    member has none: a slow member does not collect half of the traffic (b's window of 1000 never
    fills here, a's of 1 does at once)."""
    a = client(uid(), 5, props=[(m.RECEIVE_MAXIMUM, 1)])
    b = client(uid(), 5)
    a.subscribe(("$share/gr/slow/t", 1))
    b.subscribe(("$share/gr/slow/t", 1))
    pub = client(uid(), 5)
    for i in range(100):
        pub.publish("slow/t", b"%d" % i, qos=1)
    got_b = _drain(b)
    got_a = _drain(a)
    assert len(got_a) < 10, len(got_a)
    assert sorted(int(p.payload) for p in got_a + got_b) == list(range(100))


def test_shared_and_normal_subscription(client):
    """A shared group gets one copy, a normal subscriber of the same topic its own copy."""
    a, b, n = client(uid(), 5), client(uid(), 5), client(uid(), 5)
    a.subscribe(("$share/g2/sn/t", 1))
    b.subscribe(("$share/g2/sn/t", 1))
    n.subscribe(("sn/t", 1))
    pub = client(uid(), 5)
    for i in range(4):
        pub.publish("sn/t", b"%d" % i, qos=1)
    assert [p.payload for p in _drain(n)] == [b"0", b"1", b"2", b"3"]
    assert len(_drain(a)) + len(_drain(b)) == 4


def test_shared_subscription_groups_independent(client):
    """Two share groups on the same filter each receive every message once."""
    a, b = client(uid(), 5), client(uid(), 5)
    a.subscribe(("$share/ga/sg/t", 1))
    b.subscribe(("$share/gb/sg/t", 1))
    pub = client(uid(), 5)
    for i in range(3):
        pub.publish("sg/t", b"%d" % i, qos=1)
    assert len(_drain(a)) == 3 and len(_drain(b)) == 3


@pytest.mark.mosquitto_differs("does not move unacknowledged messages of a leaving member")
def test_shared_member_leaving_messages_go_to_other(client):
    """4.8.2: when a member's session ends with unacknowledged QoS 1 messages, they are sent to
    another member of the group (SHOULD)."""
    a = client(uid(), 5, props=[(m.RECEIVE_MAXIMUM, 10)])
    b = client(uid(), 5)
    a.subscribe(("$share/g3/sl/t", 1))
    pub = client(uid(), 5)
    pub.publish("sl/t", b"0", qos=1)        # round robin starts somewhere: find a's share
    b.subscribe(("$share/g3/sl/t", 1))
    for i in range(1, 6):
        pub.publish("sl/t", b"%d" % i, qos=1)
    a_msgs = a.sync()                        # a does not acknowledge
    assert a_msgs, "member a got nothing"
    b_msgs = _drain(b)
    a.abort()                                # session expiry 0: a's session ends
    moved = []
    for _ in range(len(a_msgs)):
        p = b.expect(m.PUBLISH, timeout=5)
        b.ack(p)
        moved.append(p)
    assert sorted(p.payload for p in moved) == sorted(p.payload for p in a_msgs)
    total = sorted(int(p.payload) for p in b_msgs + moved)
    assert total == list(range(6))


@pytest.mark.parametrize("flt", [
    pytest.param("$share/g", marks=pytest.mark.mosquitto_differs("treats it as a normal filter")),
    pytest.param("$share//t", marks=pytest.mark.mosquitto_differs("accepts an empty ShareName")),
    "$share/g+/t", "$share/g#/t",
    pytest.param("$share/g/", marks=pytest.mark.mosquitto_differs("accepts an empty filter"))])
def test_shared_subscription_invalid(client, broker, flt):
    """4.8.2: a ShareName must be non-empty without wildcards and followed by '/' and a filter:
    refused (SUBACK 0x8F/0x80 or DISCONNECT 0x8F/0x81/0x82)."""
    c = client(uid(), 5)
    c.send(m.subscribe(c.pid(), [(flt, 1)]))
    p = c.recv(5)
    if p.type == m.SUBACK:
        assert p.rcs[0] in (m.RC_TOPIC_FILTER_INVALID, m.RC_UNSPECIFIED_ERROR,
                            m.RC_SHARED_SUBS_NOT_SUPPORTED), p
    else:
        assert p.type == m.DISCONNECT and p.rc in (m.RC_TOPIC_FILTER_INVALID, m.RC_MALFORMED_PACKET,
                                                    m.RC_PROTOCOL_ERROR), p
    assert_serving(broker.port)


@pytest.mark.mosquitto_differs("accepts No Local on a shared subscription")
def test_shared_subscription_no_local_is_protocol_error(client, broker):
    """[MQTT-3.8.3-4] No Local = 1 on a shared subscription is a protocol error -> DISCONNECT 0x82."""
    c = client(uid(), 5)
    c.send(m.subscribe(c.pid(), [("$share/g/nl/t", m.sub_options(1, no_local=True))]))
    c.expect_disconnect(m.RC_PROTOCOL_ERROR)
    assert_serving(broker.port)


@pytest.mark.mosquitto_differs("2.0.11 sends retained messages to shared subscriptions")
def test_shared_subscription_no_retained(client):
    """4.8.2: retained messages are not sent to a new shared subscription."""
    pub = client(uid(), 5)
    pub.publish("sr/t", b"ret", qos=1, retain=True)
    c = client(uid(), 5)
    c.subscribe(("$share/g/sr/t", 1))
    assert c.sync() == []
