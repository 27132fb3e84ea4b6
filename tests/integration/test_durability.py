"""Durability: once tapmqd has acknowledged a QoS 1 or QoS 2 message it survives kill -9, and so do
sessions, subscriptions and retained messages. Restart tests for each kind of state, a store that is
corrupt, and a crash test that kills the broker at random moments while numbered messages flow.

The soak version of the crash test runs longer: TAPMQ_CRASH_ROUNDS=50 pytest test_durability.py -k crash
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest

import mqtt_codec as m
from broker_proc import broker_binary
from raw_client import ConnectionClosed, NoPacket, RawClient

pytestmark = pytest.mark.mosquitto_skip("persistence semantics under kill -9 are what tapmq adds")

EXPIRY = [(m.SESSION_EXPIRY_INTERVAL, 3600)]


@pytest.fixture
def durable(broker_factory, tmp_path):
    store = tmp_path / "store"
    store.mkdir()

    def start(*extra):
        return broker_factory(["persistence true", f"persistence_location {store}", *extra])

    start.store = store
    return start


def kill9(b):
    b.send_signal(signal.SIGKILL)
    b.wait_exit()


def restart(b):
    b.start()
    b.wait_log(r"restored \d+ sessions")
    return b


def connect(b, cid, version=5, clean=False, **kw):
    c = RawClient(b.port, version)
    props = EXPIRY if version == 5 else None
    c.connect(cid, clean=clean, props=props, **kw)
    return c


def test_session_and_subscription_survive_kill(durable):
    b = durable()
    s = connect(b, "keeper")
    s.subscribe(("keep/#", 1), expect_rcs=[1])
    s.close()
    kill9(b)
    restart(b)
    s = connect(b, "keeper")
    assert s.connack.session_present
    p = connect(b, "pub", clean=True)
    p.publish("keep/x", b"still subscribed", qos=1)
    s.expect_publish("keep/x", b"still subscribed")


def test_retained_survive_kill_and_delete_survives_too(durable):
    b = durable()
    p = connect(b, "retainer", clean=True)
    p.publish("ret/a", b"A", qos=1, retain=True)
    p.publish("ret/b", b"B", qos=1, retain=True)
    p.publish("ret/b", b"", qos=1, retain=True)  # delete
    kill9(b)
    restart(b)
    s = connect(b, "reader", clean=True)
    s.subscribe(("ret/#", 1), expect_rcs=[1])
    s.expect_publish("ret/a", b"A", retain=True)
    s.expect_no_packet(0.3)


@pytest.mark.parametrize("qos", [1, 2])
def test_queued_messages_survive_kill(durable, qos):
    b = durable()
    s = connect(b, f"offline-{qos}")
    s.subscribe(("q/#", qos), expect_rcs=[qos])
    s.close()
    p = connect(b, "pub", clean=True)
    for i in range(5):
        p.publish("q/n", f"{i}".encode(), qos=qos)
    kill9(b)
    restart(b)
    s = connect(b, f"offline-{qos}")
    got = [s.expect_publish("q/n", qos=qos).payload for _ in range(5)]
    assert got == [b"0", b"1", b"2", b"3", b"4"]


@pytest.mark.parametrize("qos", [1, 2])
def test_message_queued_for_two_sessions_survives_kill_for_each(durable, qos):
    """The first session to store a message holds it in its own queue record, the second refers to
    a message record: each copy survives kill -9, and one session acknowledging does not take the
    message from the other."""
    b = durable()
    for cid in ("two-a", "two-b"):
        s = connect(b, cid)
        s.subscribe(("two/#", qos), expect_rcs=[qos])
        s.close()
    p = connect(b, "pub", clean=True)
    for i in range(3):
        p.publish("two/n", f"{i}".encode(), qos=qos)
    kill9(b)
    restart(b)
    a = connect(b, "two-a")
    assert [a.expect_publish("two/n", qos=qos).payload for _ in range(3)] == [b"0", b"1", b"2"]
    # Acknowledgements are written without anyone waiting for them; a SUBACK waits for everything
    # submitted before it, so once it arrives the acknowledgements are on disk.
    a.subscribe(("two-sync", 0), expect_rcs=[0])
    a.disconnect()
    kill9(b)
    restart(b)
    a = connect(b, "two-a")
    a.expect_no_packet(0.3)  # acknowledged before the kill: gone
    c = connect(b, "two-b")
    assert [c.expect_publish("two/n", qos=qos).payload for _ in range(3)] == [b"0", b"1", b"2"]


def test_inflight_redelivered_with_dup_after_kill(durable):
    b = durable()
    s = connect(b, "slow")
    s.subscribe(("f/#", 1), expect_rcs=[1])
    p = connect(b, "pub", clean=True)
    p.publish("f/1", b"unacked", qos=1)
    first = s.expect_publish("f/1", b"unacked", ack=False)
    assert not first.dup
    kill9(b)
    restart(b)
    s = connect(b, "slow")
    again = s.expect_publish("f/1", b"unacked")
    assert again.dup and again.pid == first.pid


def test_qos2_packet_id_state_survives_kill(durable):
    """PUBREC given, broker killed, publisher re-sends the PUBLISH (DUP): it must not be routed twice."""
    b = durable()
    s = connect(b, "q2sub")
    s.subscribe(("x/#", 2), expect_rcs=[2])
    p = connect(b, "q2pub")
    p.send(m.publish("x/once", b"exactly", 2, False, False, 7, None, 5))
    p.wait_for(m.PUBREC, 7)
    kill9(b)
    restart(b)
    p = connect(b, "q2pub")
    p.send(m.publish("x/once", b"exactly", 2, False, True, 7, None, 5))
    p.wait_for(m.PUBREC, 7)
    p.send(m.pubrel(7, version=5))
    p.wait_for(m.PUBCOMP, 7)
    s = connect(b, "q2sub")
    s.expect_publish("x/once", b"exactly", qos=2)
    s.expect_no_packet(0.5)


WILL = "will/mortal"


def will_client(b, cid, delay):
    """A persistent session whose client leaves a QoS 1 will with the given Will Delay Interval."""
    c = RawClient(b.port)
    c.connect(cid, clean=False, props=EXPIRY,
              will=m.Will(WILL, b"gone", qos=1, props=[(m.WILL_DELAY_INTERVAL, delay)]))
    return c


def settle(b, c=None):
    """A QoS 1 round trip: its PUBACK waits for every change set the broker opened before this
    PUBLISH arrived (durability.hpp), so what the broker did before is on disk. On the same
    connection `c` it also covers what that connection sent before (e.g. a PUBACK)."""
    own = c is None
    c = c or connect(b, "settle", clean=True)
    c.publish("settle/probe", b"", qos=1)
    if own:
        c.disconnect()


def watcher(b):
    """A persistent session subscribed to the wills: it receives them whether it is online or not."""
    s = connect(b, "watcher")
    s.subscribe((WILL, 1), expect_rcs=[1])
    return s


def test_delayed_will_survives_kill_and_is_published_once(durable):
    delay = 4
    b = durable()
    watcher(b).close()
    w = will_client(b, "mortal", delay)
    w.close()  # no DISCONNECT: the delay starts
    gone_at = time.monotonic()
    b.wait_log(r"Will of mortal on 'will/mortal' is published in 4 s")
    settle(b)
    kill9(b)
    # The broker stays down past the delay, which counts from the disconnect: after the restart the
    # will is due at once (the next housekeeping tick), not `delay` seconds later.
    time.sleep(max(0.0, gone_at + delay - time.monotonic()))
    restart(b)
    s = connect(b, "watcher")
    # Due at the first housekeeping tick (1 s); counted from the restart it would come after `delay`.
    p = s.expect_publish(WILL, b"gone", qos=1, timeout=delay - 1.5)
    assert not p.dup
    s.expect_no_packet(1.5)  # published once
    settle(b, s)  # our PUBACK is on disk: nothing of the will is left to come back
    s.close()
    kill9(b)
    restart(b)
    s = connect(b, "watcher")
    s.expect_no_packet(1.5)


@pytest.mark.parametrize("delay", [0, 2])
def test_will_of_client_connected_at_kill_is_published_after_restart(durable, delay):
    """kill -9 ends every connection without DISCONNECT: the wills of persistent sessions go out
    after the restart, their delay counting from the restart."""
    b = durable()
    watcher(b).close()
    will_client(b, "mortal", delay)  # CONNACK waits for the session and its will to be stored
    kill9(b)
    restart(b)
    started = time.monotonic()
    s = connect(b, "watcher")
    s.expect_publish(WILL, b"gone", qos=1, timeout=delay + 3)
    assert time.monotonic() - started >= delay - 0.5
    s.expect_no_packet(1.5)


def test_reconnect_within_will_delay_cancels_it_across_kill(durable):
    delay = 4
    b = durable()
    watcher(b).close()
    w = will_client(b, "mortal", delay)
    w.close()
    gone_at = time.monotonic()
    b.wait_log(r"Will of mortal .* is published in 4 s")
    settle(b)
    kill9(b)
    restart(b)
    w = connect(b, "mortal")  # resumes the session without a will: the pending one is cancelled
    assert w.connack.session_present
    kill9(b)  # the CONNACK waited for the cancellation to be stored
    restart(b)
    s = connect(b, "watcher")
    # Past the original due time plus two housekeeping ticks, nothing came.
    s.expect_no_packet(max(0.0, gone_at + delay - time.monotonic()) + 2.0)
    w = connect(b, "mortal")
    w.disconnect()
    s.expect_no_packet(0.5)


def sys_values_once(c: RawClient, prefix: str, names: list[str], ready, timeout: float = 8.0) -> dict[str, int]:
    """Subscribes to the $SYS values under `prefix` and returns them as soon as `ready(values)` holds
    (the broker republishes them every sys_interval; the first ones may predate the traffic)."""
    c.subscribe((prefix + "#", 0))
    got: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = c.expect(m.PUBLISH, deadline - time.monotonic())
        got[p.topic.removeprefix(prefix)] = int(p.payload)
        if sorted(got) == sorted(names) and ready(got):
            return got
    raise AssertionError(f"{prefix}: {got}")


def test_store_counters_in_sys(durable):
    """$SYS/broker/persistence/*: batches made durable, RocksDB writes and fsyncs, bytes, and
    records that cancelled out (a message delivered and acknowledged before its group commit), and
    range erases written for acknowledgements in order."""
    b = durable("sys_interval 1")
    s = connect(b, "counted")
    s.subscribe(("cnt/#", 1), expect_rcs=[1])
    p = connect(b, "cpub", clean=True)
    for i in range(20):
        p.publish("cnt/x", f"{i}".encode(), qos=1)
        s.expect_publish("cnt/x", f"{i}".encode())
    watcher = connect(b, "watcher", clean=True)
    names = ["batches", "writes", "syncs", "bytes", "cancelled", "ranges"]
    # Values from before the traffic are all 0 and later ones do not change once it is over.
    v = sys_values_once(watcher, "$SYS/broker/persistence/", names,
                        lambda v: v["batches"] >= 21 and min(v["writes"], v["syncs"], v["bytes"]) > 0)
    # The subscription and 20 messages each needed at least one durable batch before their PUBACKs.
    assert v["batches"] >= 21, v
    assert 1 <= v["writes"] <= v["batches"], v
    assert v["syncs"] == v["writes"], v  # durability fsync (the default) syncs every write
    assert v["bytes"] > 20 * 16, v
    # Each message is a message record and a queue record, created, rewritten when sent, erased
    # when acknowledged: 5 operations, all of which cancel out when they share a group.
    assert v["cancelled"] <= 20 * 5, v
    # A range takes the place of at least two erases of the 20 queue records.
    assert v["ranges"] <= 20 // 2, v


def test_corrupt_store_named_and_moved_aside_on_request(durable):
    b = durable()
    connect(b, "someone").close()
    b.stop()
    store = durable.store / "tapmqd.store"
    for f in store.iterdir():
        if f.name.startswith("MANIFEST") or f.name == "CURRENT":
            f.write_bytes(b"\x00garbage\xff" * 8)
    # Refuses to start, naming the directory; never starts empty on its own.
    r = subprocess.run([broker_binary(), "-c", str(b.config_path)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert str(store) in r.stdout + r.stderr
    # With the explicit option it moves the store aside, says so, and starts empty.
    proc = subprocess.Popen([broker_binary(), "-c", str(b.config_path), "--move-aside-corrupt-store"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "running" in line:
                break
        text = "".join(lines)
        assert "moved" in text and "corrupt" in text, text
        assert "restored 0 sessions" in text, text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    assert any(p.name.startswith("tapmqd.store.corrupt-") for p in durable.store.iterdir())


class Subscriber:
    """A persistent QoS 1/2 subscriber that remembers, across connections, what it has received
    and which QoS 2 packet ids await PUBREL (the receiver side of spec 4.3.3, method A)."""

    def __init__(self):
        self.received: list[tuple[str, int]] = []  # (message "publisher:number", qos)
        self.awaiting_rel: set[int] = set()

    def session(self, port: int, until: float, idle_exit: float | None = None) -> None:
        """Receives until `until`, or (with idle_exit) once nothing came for that long."""
        c = RawClient(port, 5, timeout=2)
        last = time.monotonic()
        try:
            c.connect("crash-sub", clean=False, props=EXPIRY)
            if not c.connack.session_present:
                c.subscribe(("crash/#", 2), expect_rcs=[2])
            while time.monotonic() < until:
                try:
                    pkt = c.recv(0.2)
                except NoPacket:
                    if idle_exit is not None and time.monotonic() - last > idle_exit:
                        break
                    continue
                last = time.monotonic()
                if pkt.type == m.PUBLISH:
                    if pkt.qos == 2:
                        if pkt.pid not in self.awaiting_rel:
                            self.awaiting_rel.add(pkt.pid)
                            self.received.append((pkt.payload.decode(), 2))
                        c.send(m.pubrec(pkt.pid, version=5))
                    else:
                        self.received.append((pkt.payload.decode(), pkt.qos))
                        if pkt.qos == 1:
                            c.send(m.puback(pkt.pid, version=5))
                elif pkt.type == m.PUBREL:
                    self.awaiting_rel.discard(pkt.pid)
                    c.send(m.pubcomp(pkt.pid, version=5))
        except (ConnectionClosed, OSError, NoPacket):
            pass
        finally:
            c.close()


class Publisher:
    """Publishes numbered messages ("publisher:number"), alternating QoS 1 and 2, and records the
    ones the broker acknowledged (PUBACK, or PUBREC for QoS 2). Stops when the broker goes away;
    the next session goes on with the next number."""

    def __init__(self, index: int):
        self.index = index
        self.next = 0
        self.acked: dict[str, int] = {}  # message -> qos

    def session(self, port: int) -> None:
        try:
            c = RawClient(port, 5, timeout=2)
            c.connect(f"crash-pub{self.index}", clean=True)
            while True:
                n = self.next
                self.next += 1
                qos = 1 + n % 2
                pid = n % 60000 + 1
                msg = f"{self.index}:{n}"
                c.send(m.publish(f"crash/{self.index}", msg.encode(), qos, False, False, pid, None, 5))
                if qos == 1:
                    c.wait_for(m.PUBACK, pid)
                else:
                    c.wait_for(m.PUBREC, pid)
                    self.acked[msg] = qos  # acknowledged once PUBREC came
                    c.send(m.pubrel(pid, version=5))
                    c.wait_for(m.PUBCOMP, pid)
                self.acked[msg] = qos
        except (ConnectionClosed, OSError, NoPacket):
            pass


@pytest.mark.timeout(240)
def test_crash_nothing_acknowledged_is_lost(durable):
    """Two publishers send numbered QoS 1 and 2 messages to a persistent subscriber that is offline
    part of the time; the broker is SIGKILLed at random moments; every acknowledged message arrives,
    and no QoS 2 message arrives twice."""
    rounds = int(os.environ.get("TAPMQ_CRASH_ROUNDS", "4"))
    rng = random.Random(int(os.environ.get("TAPMQ_CRASH_SEED", str(time.time_ns()))))
    b = durable("max_queued_messages 0")  # unlimited: the queue limit must not be what drops messages
    sub = Subscriber()
    sub.session(b.port, time.monotonic() + 0.3)  # the persistent subscription exists from the start
    pubs = [Publisher(0), Publisher(1)]
    for r in range(rounds):
        online = rng.random() < 0.6
        deadline = time.monotonic() + 1.5
        t = None
        if online:
            t = threading.Thread(target=sub.session, args=(b.port, deadline))
            t.start()
        killer = threading.Timer(rng.uniform(0.2, 1.2), kill9, args=(b,))
        killer.start()
        senders = [threading.Thread(target=p.session, args=(b.port,)) for p in pubs]
        for s in senders:
            s.start()
        for s in senders:
            s.join()
        killer.join()
        if t:
            t.join()
        restart(b)
    sub.session(b.port, time.monotonic() + 60, idle_exit=1.5)  # drain everything left
    got = [msg for msg, _ in sub.received]
    acked = {msg: qos for p in pubs for msg, qos in p.acked.items()}
    missing = sorted(set(acked) - set(got))
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:10]}"
    dup2 = sorted(msg for msg, times in Counter(got).items() if times > 1 and acked.get(msg) == 2)
    assert not dup2, f"QoS 2 messages delivered twice: {dup2[:10]}"
    for p in pubs:
        assert len(p.acked) > 10, f"publisher {p.index} published too little to mean anything"
