"""Hardening against what clients can make the broker do: packets at and past the protocol's size
limit, memory reserved before CONNECT completes, slow password hashing, and client-chosen text in
the log (docs/security.md, "Hardening")."""

from __future__ import annotations

import re
import select

import pytest

import mqtt_codec as m

pytestmark = pytest.mark.mosquitto_skip("tapmqd hardening")

MAX_VARINT = 268_435_455


# ------------------------------------------------------------------ the largest packets


@pytest.mark.timeout(180)
def test_maximum_size_publish_that_grows_for_a_v5_subscriber_is_dropped(broker, raw):
    """A PUBLISH of the largest remaining length fits as it came; forwarded to an MQTT 5 subscriber
    with a subscription identifier it would not: it is dropped (counted and logged), never written
    past its buffer, and the broker goes on serving that subscriber."""
    sub = raw(5)
    sub.connect("big-sub", props=[(m.MAXIMUM_PACKET_SIZE, 0xFFFF_FFFF)])  # more than MQTT can encode
    sub.subscribe(("big/#", 0), sub_id=7)
    pub = raw(5)
    pub.connect("big-pub")
    topic = "big/t"
    payload = bytes(MAX_VARINT - (2 + len(topic) + 1))  # topic, empty property length
    packet = m.publish(topic, payload)
    assert len(packet) == MAX_VARINT + 5
    pub.sock.settimeout(120)  # sendall's timeout bounds the whole 256 MB, not each chunk
    pub.send(packet)
    del packet, payload
    pub.timeout = 60  # the broker reads and routes 256 MB before it acknowledges the next one
    pub.sock.settimeout(pub.timeout)
    pub.publish(topic, b"after", qos=1)  # acknowledged once both are routed
    got = sub.expect_publish(topic, timeout=60)
    assert got.payload == b"after"
    broker.wait_log(r"Dropping message on topic 'big/t' \(QoS 0\) for client big-sub: larger than")
    sub.sync()


# ------------------------------------------------------------------ client text in the log


def test_control_characters_in_client_id_and_user_name_are_escaped_in_the_log(broker_factory, raw, tmp_path):
    b = broker_factory(["allow_anonymous false"])
    c = raw(5, target=b)
    c.connect("evil\nForged: line\x1b[31m", username="user\r\nForged: user", expect_rc=0x87)
    b.wait_log(r"Login failed for client evil\\x0aForged: line\\x1b\[31m \(user 'user\\x0d\\x0aForged: user'\)")
    assert not any(line.startswith("Forged") for line in b.log), b.log
    assert not any("\x1b" in line for line in b.log)


# ------------------------------------------------------------------ memory before CONNECT, allocation failures


def vm_size_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmSize:\s+(\d+) kB", f.read()).group(1))


def limit_address_space(b, extra_mib: int) -> None:
    """Lets the broker map at most `extra_mib` MiB more than it has now (RLIMIT_AS): an allocation
    beyond fails with std::bad_alloc instead of being granted lazily. Relative to the current size,
    so that sanitizer builds (whose shadow memory is already mapped) work the same."""
    import resource
    limit = (vm_size_kib(b.pid) + extra_mib * 1024) * 1024
    resource.prlimit(b.pid, resource.RLIMIT_AS, (limit, limit))


def memory_limited_broker(broker_factory):
    """One worker thread (so a bystander shares the worker), and sanitizer builds told to report
    a failed allocation as one (std::bad_alloc) instead of aborting."""
    import os
    asan = os.environ.get("ASAN_OPTIONS", "detect_leaks=1")
    asan += ":quarantine_size_mb=16:allocator_may_return_null=1"
    return broker_factory(["worker_threads 1"], env={"ASAN_OPTIONS": asan})


def huge_connect_start() -> bytes:
    """The start of a CONNECT announcing the largest remaining length: the header and 64 bytes."""
    return b"\x10\xff\xff\xff\x7f" + m.connect("huge", version=5)[2:] + bytes(40)


@pytest.mark.timeout(60)
def test_connects_announcing_huge_packets_reserve_little(broker_factory, raw):
    """Each connection announces a 256 MB CONNECT and sends a few bytes of it: the broker reserves
    room for what arrived, not for what was announced. Under an address-space limit far below
    what the announcements add up to, its memory stays bounded and it serves a client on the same
    worker promptly."""
    broker = memory_limited_broker(broker_factory)
    rss_before = broker.rss_kib()
    limit_address_space(broker, 768)
    holders = []
    for _ in range(64):  # 16 GiB announced
        h = raw(5, target=broker)
        h.send(huge_connect_start())
        holders.append(h)
    c = raw(5, target=broker)
    c.connect("after-huge")
    c.sync()
    # All still waiting for the rest of their CONNECT: not readable (a close would be, as EOF).
    readable, _, _ = select.select([h.sock for h in holders], [], [], 0)
    assert readable == []
    assert broker.running()
    grown_mib = (broker.rss_kib() - rss_before) / 1024
    assert grown_mib < 64, f"RSS grew by {grown_mib:.0f} MiB for 64 pending CONNECTs"


def sanitized_broker() -> bool:
    """An ASan build: its operator new reports a failed allocation and aborts instead of throwing
    std::bad_alloc (compiler-rt's OPERATOR_NEW_BODY), so the recovery below cannot happen there."""
    import broker_proc
    with open(broker_proc.broker_binary(), "rb") as f:
        return b"__asan_init" in f.read()


@pytest.mark.timeout(60)
def test_allocation_failure_closes_only_that_connection(broker_factory, raw):
    if sanitized_broker():
        pytest.skip("ASan's operator new aborts on a failed allocation; the debug pass runs this test")
    """A logged-in client announces a 256 MB PUBLISH (allowed by max_packet_size) while the broker
    cannot have that much memory: its connection is closed and logged; the worker thread, and a
    client on it, live on."""
    broker = memory_limited_broker(broker_factory)
    other = raw(5, target=broker)
    other.connect("bystander")
    other.subscribe(("news", 0))
    greedy = raw(5, target=broker)
    greedy.connect("greedy")
    limit_address_space(broker, 128)
    greedy.send(b"\x30\xff\xff\xff\x7f" + bytes(1000))
    greedy.expect_closed(timeout=10)
    broker.wait_log(r"Closing greedy .*out of memory")
    p = raw(5, target=broker)
    p.connect("publisher")
    p.publish("news", b"still here", qos=1)
    other.expect_publish("news", b"still here")


# ------------------------------------------------------------------ slow password hashing


def tapmq_tool() -> str:
    import os
    from pathlib import Path
    from broker_proc import broker_binary
    return os.environ.get("TAPMQ", str(Path(broker_binary()).with_name("tapmq")))


@pytest.mark.timeout(240)
def test_argon2id_logins_do_not_stall_the_worker(broker_factory, raw, tmp_path):
    """20 clients log in at once with argon2id passwords (tens of ms of hashing each) on a broker
    with one worker thread: a client already connected to that worker gets its PINGRESP while the
    logins are still being checked, far sooner than the logins take together."""
    import subprocess
    import time
    pw = tmp_path / "pw"
    subprocess.run([tapmq_tool(), "passwd", "-c", "-H", "argon2id", "-b", str(pw), "slow", "slow-secret"],
                   check=True)
    # argon2id takes over a second per login on a loaded 2-core machine: the CONNECT deadline
    # must not end the queued logins.
    b = broker_factory(["worker_threads 1", "connect_timeout 120", "allow_anonymous false", f"password_file {pw}"])
    watcher = raw(5, target=b)
    watcher.connect("watcher", username="slow", password=b"slow-secret")
    logins = [raw(5, target=b) for _ in range(20)]
    start = time.monotonic()
    for c in logins:
        c.send(m.connect(f"login-{id(c)}", version=5, username="slow", password=b"slow-secret"))
    ping_start = time.monotonic()
    watcher.sync(timeout=60)
    ping = time.monotonic() - ping_start
    for c in logins:
        assert c.expect(m.CONNACK, 180).rc == 0
    total = time.monotonic() - start
    assert ping < total / 4, f"PING round trip {ping:.3f} s while 20 argon2id logins took {total:.3f} s"
