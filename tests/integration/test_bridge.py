"""Bridges (issue 19): Mosquitto's bridge configuration on tapmqd, black-box.

A "local" tapmqd bridges to a "remote" broker (tapmqd or Mosquitto) on loopback; real clients publish
on one side and subscribe on the other. Covered: out and in forwarding with both protocol versions,
topic prefixes, tapmqd -> Mosquitto, a bad bridge section refused at start; numbered QoS 1/2 streams
across a remote killed and restarted and across a kill -9 of the local broker (nothing acknowledged
is lost, no QoS 2 duplicate).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

import broker_proc
import mqtt_codec as m
from broker_proc import Broker
from helpers import uid
from raw_client import RawClient

pytestmark = pytest.mark.mosquitto_skip("tapmqd's bridges are what is tested; Mosquitto is a remote here")


def bridge_section(remote: Broker, *topics: str, name: str = "b", extra: tuple[str, ...] = (),
                   rid: str | None = None) -> list[str]:
    lines = [f"connection {name}", f"address 127.0.0.1:{remote.port}", "restart_timeout 1 2",
             f"remote_clientid {rid or name + '-' + uid('r')}"]
    lines += [f"topic {t}" for t in topics]
    lines += list(extra)
    return lines


def wait_connected(local: Broker, name: str = "b", start: int = 0, timeout: float = 15.0) -> None:
    local.wait_log(rf"Bridge {name} connected to", timeout=timeout, start=start)


def start_mosquitto(factory, extra=()) -> Broker:
    """Mosquitto as the remote broker (Broker starts whatever BROKER_KIND names)."""
    old = os.environ.get("BROKER_KIND")
    os.environ["BROKER_KIND"] = "mosquitto"
    try:
        return factory(list(extra))
    finally:
        if old is None:
            del os.environ["BROKER_KIND"]
        else:
            os.environ["BROKER_KIND"] = old


def connected(b: Broker, version: int = 5, client_id: str | None = None, clean: bool = True) -> RawClient:
    c = RawClient(b.port, version)
    c.connect(client_id or uid("c"), clean=clean)
    return c


@pytest.mark.parametrize("version", ["mqttv311", "mqttv50"])
def test_out_and_in_between_two_tapmqd(broker_factory, version):
    """`out` topics go from this broker to the remote, `in` topics come back, at the QoS asked."""
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "out/# out 1", "in/# in 2",
                                          extra=(f"bridge_protocol_version {version}",)))
    wait_connected(local)
    far = connected(remote)
    far.subscribe(("out/#", 2))
    near = connected(local)
    near.subscribe(("in/#", 2))

    near.publish("out/a", b"to the remote", qos=2)
    far.expect_publish("out/a", b"to the remote", qos=1)  # the topic's QoS is the maximum
    far.publish("in/b", b"to the local", qos=2)
    near.expect_publish("in/b", b"to the local", qos=2)
    # neither direction leaks: in/ is not sent out, out/ is not brought in
    near.publish("in/c", b"stays here", qos=1)
    near.expect_publish("in/c", b"stays here")
    far.publish("out/d", b"stays there", qos=1)
    far.expect_publish("out/d", b"stays there")
    far.expect_no_packet(0.3)
    near.expect_no_packet(0.3)


def test_prefixes_map_topics_both_ways(broker_factory):
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "sensors/# out 1 site/ cloud/site1/",
                                          "\"\" in 1 site/cmd cloud/site1/cmd"))
    wait_connected(local)
    far = connected(remote)
    far.subscribe(("cloud/#", 1))
    near = connected(local)
    near.subscribe(("site/cmd", 1))
    near.publish("site/sensors/t1", b"21.5", qos=1)
    far.expect_publish("cloud/site1/sensors/t1", b"21.5", qos=1)
    far.publish("cloud/site1/cmd", b"reboot", qos=1)
    near.expect_publish("site/cmd", b"reboot", qos=1)


def test_properties_and_retain_are_carried(broker_factory):
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "p/# out 1", extra=("bridge_protocol_version mqttv50",)))
    wait_connected(local)
    far = connected(remote)
    far.subscribe(("p/#", m.sub_options(1, rap=True)))
    near = connected(local)
    props = [(m.CONTENT_TYPE, "text/plain"), (m.USER_PROPERTY, ("k", "v")), (m.CORRELATION_DATA, b"c1")]
    near.publish("p/r", b"kept", qos=1, retain=True, props=props)
    p = far.expect_publish("p/r", b"kept", qos=1, retain=True)
    assert (m.CONTENT_TYPE, "text/plain") in p.props, p
    assert ("k", "v") in p.user_properties, p
    assert (m.CORRELATION_DATA, b"c1") in p.props, p


@pytest.mark.parametrize("version", ["mqttv311", "mqttv50"])
def test_to_mosquitto_both_directions(broker_factory, version):
    remote = start_mosquitto(broker_factory)
    local = broker_factory(bridge_section(remote, "up/# out 1", "down/# in 1",
                                          extra=(f"bridge_protocol_version {version}",)))
    wait_connected(local)
    far = connected(remote, version=4)
    far.subscribe(("up/#", 1))
    near = connected(local)
    near.subscribe(("down/#", 1))
    near.publish("up/1", b"hello mosquitto", qos=1)
    far.expect_publish("up/1", b"hello mosquitto", qos=1)
    far.publish("down/1", b"hello tapmqd", qos=1)
    near.expect_publish("down/1", b"hello tapmqd", qos=1)


def test_mosquitto_bridging_to_tapmqd(broker_factory):
    """The other way round: Mosquitto's own bridge (try_private, `topic # both`) into tapmqd. tapmqd
    takes it as a bridge: nothing loops, and its state notification may be published on $SYS."""
    target = broker_factory()
    rid = uid("mosq")
    mosq = start_mosquitto(broker_factory, ["connection m", f"address 127.0.0.1:{target.port}",
                                            f"remote_clientid {rid}", "topic # both 1", "restart_timeout 1"])
    watch = connected(target)
    watch.subscribe((f"$SYS/broker/connection/{rid}/state", 1))
    watch.expect_publish(payload=b"1", timeout=15)
    near = connected(target)
    near.subscribe(("loop/#", 1))
    far = connected(mosq, version=4)
    far.subscribe(("loop/#", 1))
    connected(target).publish("loop/t", b"from tapmqd", qos=1)
    connected(mosq, version=4).publish("loop/m", b"from mosquitto", qos=1)
    assert received(near, 1.5) == {"loop/t": 1, "loop/m": 1}
    assert received(far, 0.2) == {"loop/t": 1, "loop/m": 1}


def test_bad_bridge_section_is_refused_with_file_and_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"listener {broker_proc.reserve_port()} 127.0.0.1\n"
                    "connection cloud\naddress 127.0.0.1:1\ntopic # out 0 a/+/ b/\n")
    r = subprocess.run([broker_proc.broker_binary(), "-c", str(conf)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 3, r.stderr
    assert "bad.conf:4: directive 'topic': the local prefix 'a/+/' contains a wildcard" in r.stderr, r.stderr


# ---------------------------------------------------------------- nothing lost

def restart(b: Broker, sig: int = signal.SIGKILL) -> None:
    """Stops `b` (kill -9 by default) and starts it again on the same port with the same files."""
    b.proc.send_signal(sig)
    b.proc.wait()
    if b._reader is not None:
        b._reader.join(5)
    ok, why = b._spawn(b.port)
    assert ok, why


def persistent(tmp_path: Path, name: str) -> list[str]:
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    return ["persistence true", f"persistence_location {d}/"]


def offline_subscriber(b: Broker, topic: str, qos: int) -> str:
    """A persistent session subscribed to `topic`, then gone: the broker queues for it."""
    cid = uid("sink")
    c = RawClient(b.port, 5)
    c.connect(cid, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    c.subscribe((topic, qos))
    c.disconnect()
    return cid


def drain(b: Broker, cid: str, n: int, qos: int, timeout: float = 30.0) -> list[int]:
    """Resumes the session `cid` and receives until each of 0..n-1 came (acknowledging each); at
    QoS 2 also asserts that nothing more comes. Returns the numbers in arrival order."""
    c = RawClient(b.port, 5)
    c.connect(cid, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    got: list[int] = []
    while set(got) != set(range(n)):
        assert len(got) < 3 * n, f"too many messages: {len(got)}"
        try:
            got.append(int(c.expect_publish(timeout=timeout).payload))
        except AssertionError:
            raise AssertionError(f"missing after {len(got)} messages: {sorted(set(range(n)) - set(got))[:20]}")
    if qos == 2:
        c.expect_no_packet(1.0)
        dups = sorted(x for x in set(got) if got.count(x) > 1)
        assert len(got) == n, f"QoS 2 duplicates: {dups[:20]}"
    # At QoS 1 a late duplicate may still be on its way: do not wait for a clean close.
    c.disconnect(wait_close=qos == 2)
    return got


def publish_numbered(b: Broker, topic: str, first: int, last: int, qos: int) -> None:
    c = RawClient(b.port, 5)
    c.connect(uid("src"))
    for i in range(first, last):
        c.publish(topic, str(i).encode(), qos=qos)
    c.disconnect()


@pytest.mark.timeout(90)
@pytest.mark.parametrize("qos", [1, 2])
def test_remote_killed_and_restarted_loses_nothing(broker_factory, tmp_path, qos):
    """A numbered stream keeps flowing into the local broker while the remote is killed (-9) and
    restarted: every message arrives, and at QoS 2 each exactly once."""
    remote = broker_factory(persistent(tmp_path, "remote"))
    local = broker_factory(bridge_section(remote, f"n/# out {qos}", extra=("bridge_protocol_version mqttv50",)))
    wait_connected(local)
    sink = offline_subscriber(remote, "n/#", qos)
    publish_numbered(local, "n/x", 0, 100, qos)
    mark = len(local.log)
    restart(remote)  # kill -9 while the bridge is forwarding
    publish_numbered(local, "n/x", 100, 200, qos)  # taken by the local broker while the remote is down
    wait_connected(local, start=mark)
    publish_numbered(local, "n/x", 200, 300, qos)
    drain(remote, sink, 300, qos)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("qos", [1, 2])
def test_local_kill_9_loses_nothing(broker_factory, tmp_path, qos):
    """kill -9 of the bridging broker while it forwards: after its restart, what it had acknowledged
    to the publisher reaches the remote, and at QoS 2 exactly once (both sessions are durable)."""
    remote = broker_factory(persistent(tmp_path, "remote"))
    local = broker_factory(persistent(tmp_path, "local") +
                           bridge_section(remote, f"n/# out {qos}", extra=("bridge_protocol_version mqttv50",)))
    wait_connected(local)
    sink = offline_subscriber(remote, "n/#", qos)
    publish_numbered(local, "n/x", 0, 150, qos)
    restart(local)  # kill -9, with messages still on their way to the remote
    wait_connected(local)
    publish_numbered(local, "n/x", 150, 300, qos)
    drain(remote, sink, 300, qos)


@pytest.mark.timeout(90)
def test_incoming_qos2_across_local_kill_9(broker_factory, tmp_path):
    """The `in` direction: the remote's messages are acknowledged to it only once the local broker
    has them, so a kill -9 of the local broker loses none and duplicates none."""
    remote = broker_factory(persistent(tmp_path, "remote"))
    local = broker_factory(persistent(tmp_path, "local") +
                           bridge_section(remote, "n/# in 2", extra=("bridge_protocol_version mqttv50",)))
    wait_connected(local)
    sink = offline_subscriber(local, "n/#", 2)
    publish_numbered(remote, "n/x", 0, 150, 2)
    restart(local)
    wait_connected(local)
    publish_numbered(remote, "n/x", 150, 300, 2)
    drain(local, sink, 300, 2)


# ---------------------------------------------------------------- loops, state, counters, start types

def received(c: RawClient, within: float) -> dict[str, int]:
    """PUBLISHes received by `c` within `within` seconds (acknowledged), counted by topic."""
    import time
    counts: dict[str, int] = {}
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            p = c.recv(timeout=left)
        except (AssertionError, TimeoutError, OSError):
            break
        if p.type == m.PUBLISH:
            c.ack(p)
            counts[p.topic] = counts.get(p.topic, 0) + 1
    return counts


@pytest.mark.parametrize("version", ["mqttv311", "mqttv50"])
def test_bridged_both_ways_on_everything_does_not_loop(broker_factory, version):
    """`topic # both` between two tapmqd: each message reaches each side once (3.1.1 bridges announce
    themselves with try_private, MQTT 5 ones subscribe with No Local), and no storm follows."""
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "# both 1", extra=(f"bridge_protocol_version {version}",)))
    wait_connected(local)
    near = connected(local)
    near.subscribe(("loop/#", 1))
    far = connected(remote)
    far.subscribe(("loop/#", 1))
    pub = connected(local)
    pub.publish("loop/a", b"from local", qos=1)
    pub2 = connected(remote)
    pub2.publish("loop/b", b"from remote", qos=1)
    assert received(near, 1.5) == {"loop/a": 1, "loop/b": 1}
    assert received(far, 0.2) == {"loop/a": 1, "loop/b": 1}


def test_state_notifications_local_and_remote(broker_factory):
    """$SYS/broker/connection/<remote_clientid>/state: retained 1 while connected, 0 once not, on
    both brokers (the remote learns the 0 from the bridge's will)."""
    remote = broker_factory()
    rid = uid("state")
    local = broker_factory(bridge_section(remote, "s/# out 1", rid=rid))
    topic = f"$SYS/broker/connection/{rid}/state"
    wait_connected(local)

    def retained_state(broker) -> RawClient:
        """A subscriber to the state topic once it reads 1 there, retained."""
        c = connected(broker)
        c.subscribe((topic, 1))
        # The state is published just after the "connected" log line: the local broker may still
        # hold the 0 it published when the bridge started, and the 1 comes live (retain 0) when it
        # follows this subscription; a second subscriber then sees it retained.
        while c.expect_publish(topic).payload != b"1":
            pass
        later = connected(broker)
        later.subscribe((topic, 1))
        later.expect_publish(topic, b"1", retain=True)
        return c

    retained_state(local)
    far = retained_state(remote)
    local.proc.send_signal(signal.SIGKILL)  # no DISCONNECT: the remote publishes the will
    local.proc.wait()
    far.expect_publish(topic, b"0", timeout=10)
    ok, why = local._spawn(local.port)
    assert ok, why
    wait_connected(local)
    far.expect_publish(topic, b"1", timeout=10)
    mark = len(local.log)
    remote.stop()
    local.wait_log(r"Bridge b: remote connection lost", start=mark, timeout=10)
    near2 = connected(local)
    near2.subscribe((topic, 1))
    near2.expect_publish(topic, b"0", retain=True)
    remote._spawn(remote.port)  # so that teardown finds it running


def test_counters_in_sys(broker_factory):
    remote = broker_factory()
    local = broker_factory(["sys_interval 1"] + bridge_section(remote, "c/# out 1", "d/# in 1"))
    wait_connected(local)
    near = connected(local)
    for i in range(3):
        near.publish("c/x", b"12345", qos=1)
    connected(remote).publish("d/y", b"1234567", qos=1)
    from helpers import wait_sys_value
    watch = connected(local)
    wait_sys_value(watch, "$SYS/broker/bridges/b/messages/sent", b"3")
    watch2 = connected(local)
    wait_sys_value(watch2, "$SYS/broker/bridges/b/bytes/sent", b"15")
    watch3 = connected(local)
    wait_sys_value(watch3, "$SYS/broker/bridges/b/messages/received", b"1")
    watch4 = connected(local)
    wait_sys_value(watch4, "$SYS/broker/bridges/b/connected", b"1")


def test_failover_to_the_backup_and_back(broker_factory):
    """`addresses primary backup`: the primary stopped, the bridge goes to the backup; the primary
    back, the bridge returns to it (round_robin false, Mosquitto's default)."""
    primary = broker_factory()
    backup = broker_factory()
    local = broker_factory([f"connection b", f"addresses 127.0.0.1:{primary.port} 127.0.0.1:{backup.port}",
                            "restart_timeout 1 2", f"remote_clientid {uid('fo')}", "topic f/# out 1"])
    local.wait_log(rf"Bridge b connected to 127.0.0.1:{primary.port}", timeout=15)
    mark = len(local.log)
    primary.stop()
    local.wait_log(rf"Bridge b connected to 127.0.0.1:{backup.port}", start=mark, timeout=20)
    far = connected(backup)
    far.subscribe(("f/#", 1))
    connected(local).publish("f/1", b"via the backup", qos=1)
    far.expect_publish("f/1", b"via the backup")
    mark = len(local.log)
    ok, why = primary._spawn(primary.port)
    assert ok, why
    local.wait_log(rf"Bridge b connected to 127.0.0.1:{primary.port}", start=mark, timeout=20)
    back = connected(primary)
    back.subscribe(("f/#", 1))
    connected(local).publish("f/2", b"via the primary again", qos=1)
    back.expect_publish("f/2", b"via the primary again")


def test_start_type_once_is_not_restarted(broker_factory):
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "o/# out 1", extra=("start_type once",)))
    wait_connected(local)
    mark = len(local.log)
    remote.stop()
    local.wait_log(r"Bridge b: not restarted \(start_type once\)", start=mark, timeout=10)
    remote._spawn(remote.port)


def test_start_type_lazy_connects_at_the_threshold(broker_factory):
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "z/# out 1", extra=("start_type lazy", "threshold 3",
                                                                       "idle_timeout 1")))
    wait_connected(local)
    local.wait_log(r"Bridge b: idle for 1 s, disconnecting \(start_type lazy\)", timeout=10)
    far = connected(remote)
    far.subscribe(("z/#", 1))
    mark = len(local.log)
    near = connected(local)
    near.publish("z/1", b"1", qos=1)
    near.publish("z/2", b"2", qos=1)
    far.expect_no_packet(1.5)  # two waiting: below the threshold
    near.publish("z/3", b"3", qos=1)
    local.wait_log(r"Bridge b: 3 messages waiting, connecting", start=mark, timeout=10)
    got = sorted(far.expect_publish(timeout=10).payload for _ in range(3))
    assert got == [b"1", b"2", b"3"]


def test_sighup_adds_changes_and_removes_bridges(broker_factory):
    remote = broker_factory()
    local = broker_factory(bridge_section(remote, "h1/# out 1", name="one"))
    wait_connected(local, name="one")
    far = connected(remote)
    far.subscribe(("h1/#", 1), ("h2/#", 1))
    base = local.config_text(local.port)
    mark = len(local.log)
    local.config_path.write_text(base.replace("connection one", "connection one-renamed")
                                 + "\n".join(bridge_section(remote, "h2/# out 1", name="two")) + "\n")
    local.send_signal(signal.SIGHUP)
    local.wait_log(r"Bridge one removed", start=mark)
    wait_connected(local, name="one-renamed", start=mark)
    wait_connected(local, name="two", start=mark)
    near = connected(local)
    near.publish("h2/x", b"by the new bridge", qos=1)
    far.expect_publish("h2/x", b"by the new bridge")


def test_tls_to_the_remote(broker_factory, tmp_path):
    """bridge_cafile (+ a client certificate): the bridge speaks TLS to the remote's TLS listener
    and checks its name; a wrong CA is refused with the reason in the log."""
    def run(*args):
        subprocess.run(list(args), check=True, capture_output=True)
    pki = tmp_path / "pki"
    pki.mkdir()
    ca_key, ca_crt = pki / "ca.key", pki / "ca.crt"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
        "-days", "2", "-subj", "/CN=bridge-ca")

    def issue(name: str, cn: str) -> tuple[Path, Path]:
        key, csr, crt = (pki / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", f"/CN={cn}")
        run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key),
            "-CAcreateserial", "-out", str(crt), "-days", "2")
        return crt, key

    server_crt, server_key = issue("server", "localhost")
    client_crt, client_key = issue("client", "bridge01")
    tls_port = broker_proc.reserve_port()
    remote = broker_factory([f"listener {tls_port} 127.0.0.1", f"certfile {server_crt}", f"keyfile {server_key}",
                             f"cafile {ca_crt}", "require_certificate true"])
    remote.wait_log(rf"listen socket on port {tls_port} \(TLS\)")
    local = broker_factory(["connection b", f"address localhost:{tls_port}", "restart_timeout 1 2",
                            f"remote_clientid {uid('tls')}", "topic t/# out 1", f"bridge_cafile {ca_crt}",
                            f"bridge_certfile {client_crt}", f"bridge_keyfile {client_key}"])
    local.wait_log(r"Bridge b connected to localhost", timeout=15)
    far = connected(remote)
    far.subscribe(("t/#", 1))
    connected(local).publish("t/1", b"over TLS", qos=1)
    far.expect_publish("t/1", b"over TLS", qos=1)

    wrong_ca = tmp_path / "other-ca.crt"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "o.key"),
        "-out", str(wrong_ca), "-days", "2", "-subj", "/CN=other")
    bad = broker_factory(["connection b", f"address localhost:{tls_port}", "restart_timeout 1 2",
                          f"remote_clientid {uid('tls')}", "topic t/# out 1", f"bridge_cafile {wrong_ca}"])
    bad.wait_log(r"Bridge b: connection to localhost:\d+ failed: .*certificate verify failed", timeout=15)
