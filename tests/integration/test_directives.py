"""Mosquitto directives with Mosquitto's meaning, or refused at start-up with file, line and reason.

Each test asserts what the directive does to clients (or to the process), not that parsing did not
throw: clientid_prefixes, use_username_as_clientid, auto_id_prefix, per-listener
allow_zero_length_clientid / max_qos / max_topic_alias, upgrade_outgoing_qos, connection_messages,
pid_file, user, dhparamfile, bind_interface, tls_version as a minimum, log_facility, and the
refusals (plugins, TLS-PSK, TLS-PSK bridges, ...); mount_point.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

import broker_proc
import mqtt_codec as m
from broker_proc import reserve_port
from helpers import uid
from raw_client import RawClient

pytestmark = pytest.mark.mosquitto_skip("tapmqd's own start-up checks and messages")


def run_broker_expecting_refusal(tmp_path: Path, text: str) -> str:
    conf = tmp_path / "refused.conf"
    conf.write_text(text)
    r = subprocess.run([broker_proc.broker_binary(), "-c", str(conf)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 3, f"exit {r.returncode}: {r.stdout}{r.stderr}"
    return r.stderr


@pytest.mark.parametrize("lines, line_no, directive, reason", [
    (["listener {port}", "auth_plugin /usr/lib/mosquitto_auth.so"], 2, "auth_plugin",
     "refuses to start rather than run open"),
    (["listener {port}", "plugin /usr/lib/mosquitto_dynamic_security.so"], 2, "plugin", "plugins cannot be loaded"),
    (["listener {port}", "connection cloud", "address example.com", "topic # out", "bridge_psk 0102"], 5,
     "bridge_psk", "TLS-PSK bridges"),
])
def test_unimplemented_directive_refuses_start(tmp_path, lines, line_no, directive, reason):
    """A directive tapmqd does not implement stops the start with FILE:LINE, the directive and why:
    a broker that dropped a plugin's ACLs or a PSK listener's encryption would run open."""
    port = reserve_port()
    err = run_broker_expecting_refusal(tmp_path, "\n".join(lines).format(port=port) + "\n")
    assert f"refused.conf:{line_no}: directive '{directive}': not supported by tapmqd: " in err, err
    assert reason in err, err
    # and nothing was left listening
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_meaningless_directives_are_noted_at_info(broker_factory):
    b = broker_factory(["autosave_interval 900", "persistence_file mosquitto.db"])
    b.wait_log(r"directive 'autosave_interval' has no effect: tapmqd writes every change through")
    b.wait_log(r"directive 'persistence_file' has no effect")


@pytest.mark.broker_config("clientid_prefixes plant1-")
def test_clientid_prefixes(raw):
    """Only client ids starting with the prefix connect (v5: 0x85, v3.1.1: 0x02 identifier rejected)."""
    raw(5).connect("plant1-" + uid())
    raw(5).connect("plant2-" + uid(), expect_rc=m.RC_CLIENT_ID_NOT_VALID)
    raw(4).connect("other-" + uid(), expect_rc=0x02)


class OwnConfigBroker(broker_proc.Broker):
    """A broker whose whole file is given (per_listener_settings must come before the listeners)."""

    def __init__(self, workdir, text: str):
        super().__init__(workdir, name="own")
        self.text = text

    def config_text(self, port: int) -> str:
        return self.text.format(port=port)


@pytest.fixture
def own_broker(tmp_path):
    started = []

    def start(text: str) -> OwnConfigBroker:
        b = OwnConfigBroker(tmp_path, text).start()
        started.append(b)
        return b

    yield start
    for b in started:
        if b.running():
            b.send_signal(signal.SIGTERM)
            assert b.wait_exit() == 0


def _two_listeners(broker_factory, first: list[str], second: list[str]):
    port2 = reserve_port()
    return broker_factory(first + [f"listener {port2} 127.0.0.1"] + second), port2


def test_use_username_as_clientid_takes_over_by_user(broker_factory):
    b, port2 = _two_listeners(broker_factory, [], ["use_username_as_clientid true"])
    a = RawClient(port2, 5)
    a.connect("id-a", username="sensor7")
    c = RawClient(port2, 5)
    c.connect("id-b", username="sensor7")
    a.expect_disconnect(0x8E)  # session taken over: both are client "sensor7"
    RawClient(port2, 5).connect("id-c", expect_rc=m.RC_NOT_AUTHORIZED)
    # the first listener keeps client ids as sent
    x = RawClient(b.port, 5)
    x.connect("id-x", username="sensor7")
    y = RawClient(b.port, 5)
    y.connect("id-y", username="sensor7")
    assert x.is_open() and y.is_open()


def test_auto_id_prefix_and_zero_length_ids_per_listener(own_broker):
    port2 = reserve_port()
    b = own_broker("per_listener_settings true\n"
                   "listener {port} 127.0.0.1\nallow_anonymous true\nauto_id_prefix gen-\n"
                   f"listener {port2} 127.0.0.1\nallow_anonymous true\nallow_zero_length_clientid false\n")
    ack = RawClient(b.port, 5).connect("")
    assert ack.prop(m.ASSIGNED_CLIENT_IDENTIFIER).startswith("gen-")
    RawClient(port2, 5).connect("", expect_rc=m.RC_CLIENT_ID_NOT_VALID)
    RawClient(port2, 4).connect("", expect_rc=0x02)
    ack = RawClient(b.port, 5).connect("")  # the first listener still gives ids
    assert ack.prop(m.ASSIGNED_CLIENT_IDENTIFIER).startswith("gen-")


def test_max_qos_and_max_topic_alias_per_listener(broker_factory):
    """Each listener announces and enforces its own values (not the strictest of all)."""
    b, port2 = _two_listeners(broker_factory, ["max_topic_alias 5"], ["max_qos 1", "max_topic_alias 0"])
    full = RawClient(b.port, 5)
    ack = full.connect(uid())
    assert ack.prop(m.MAXIMUM_QOS) is None  # QoS 2 available
    assert ack.prop(m.TOPIC_ALIAS_MAXIMUM) == 5
    limited = RawClient(port2, 5)
    ack = limited.connect(uid())
    assert ack.prop(m.MAXIMUM_QOS) == 1
    assert ack.prop(m.TOPIC_ALIAS_MAXIMUM) in (None, 0)
    topic = uid("mq/")
    assert full.subscribe((topic, 2)).rcs == [2]
    assert limited.subscribe((topic, 2)).rcs == [1]
    full.publish(topic, b"x", qos=2)  # accepted on the first listener
    assert full.is_open()


@pytest.mark.broker_config("upgrade_outgoing_qos true")
def test_upgrade_outgoing_qos(client):
    """A QoS 0 message reaches a QoS 1 subscriber at QoS 1 (Mosquitto's upgrade_outgoing_qos)."""
    topic = uid("up/")
    sub = client(uid(), 5)
    sub.subscribe((topic, 1))
    client(uid(), 5).publish(topic, b"hello", qos=0)
    p = sub.expect_publish(topic, b"hello", qos=1)
    assert p.qos == 1


def test_without_upgrade_outgoing_qos_the_message_qos_wins(client):
    topic = uid("up/")
    sub = client(uid(), 5)
    sub.subscribe((topic, 1))
    client(uid(), 5).publish(topic, b"hello", qos=0)
    assert sub.expect_publish(topic, b"hello").qos == 0


@pytest.mark.parametrize("on", [True, False])
def test_connection_messages(broker_factory, on):
    b = broker_factory([f"connection_messages {'true' if on else 'false'}"])
    mark = len(b.log)
    c = RawClient(b.port, 5)
    cid = uid()
    c.connect(cid)
    c.disconnect()
    # a later event proves the log has caught up with the connection's lines
    b.send_signal(signal.SIGHUP)
    b.wait_log(r"Configuration reloaded", start=mark)
    text = "".join(b.log[mark:])
    assert (f"New client connected from 127.0.0.1" in text and f"as {cid}" in text) == on, text
    assert (f"Client {cid} (127.0.0.1" in text and "disconnected" in text) == on, text
    assert ("New connection from 127.0.0.1" in text) == on, text


def test_pid_file_written_and_removed(broker_factory, tmp_path):
    pid_path = tmp_path / "tapmqd.pid"
    b = broker_factory([f"pid_file {pid_path}"])
    assert pid_path.read_text() == f"{b.pid}\n"
    b.send_signal(signal.SIGTERM)
    assert b.wait_exit() == 0
    assert not pid_path.exists()


def test_user_drops_root_privileges(broker_factory, tmp_path):
    """As root, `user nobody` switches the broker to nobody once its ports are bound; not as root
    the directive has no effect and says so (as Mosquitto)."""
    b = broker_factory(["user nobody"])
    status = Path(f"/proc/{b.pid}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody").pw_uid
        assert uid_line.split()[1:] == [str(nobody)] * 4, uid_line
        b.wait_log(r"Running as user nobody\.")
    else:
        assert uid_line.split()[1] == str(os.geteuid())
        b.wait_log(r"Not started as root: directive 'user nobody' has no effect")
    c = RawClient(b.port, 5)
    c.connect(uid())  # still serving on the port bound before the switch
    c.disconnect()


def test_user_unknown_refuses_start(tmp_path):
    port = reserve_port()
    conf = tmp_path / "u.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser no-such-user-tapmq\n")
    r = subprocess.run([broker_proc.broker_binary(), "-c", str(conf)], capture_output=True, text=True,
                       timeout=20)
    if os.geteuid() == 0:
        assert r.returncode == 1, r
        assert "user no-such-user-tapmq: no such user" in r.stdout + r.stderr
    else:
        pytest.fail("run the suite as root (CI does): `user` only acts for root")


# ---------------------------------------------------------------------------- TLS


def _pki(tmp_path: Path) -> tuple[Path, Path]:
    key, crt = tmp_path / "srv.key", tmp_path / "srv.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(crt), "-days", "2", "-subj", "/CN=localhost"], check=True, capture_output=True)
    return crt, key


def _handshake(port: int, **kw) -> str:
    """Cipher negotiated by an openssl s_client handshake, or '' when refused."""
    args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief"]
    for k, v in kw.items():
        args += [f"-{k}"] + ([v] if v is not None else [])
    r = subprocess.run(args, input="", capture_output=True, text=True, timeout=20)
    for line in (r.stdout + r.stderr).splitlines():
        if line.startswith("Ciphersuite:"):
            return line.split(":", 1)[1].strip()
    return ""


def test_dhparamfile_enables_dhe_suites(broker_factory, tmp_path):
    crt, key = _pki(tmp_path)
    dh = tmp_path / "dh.pem"
    subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048",
                    "-out", str(dh)], check=True, capture_output=True)
    suite = "DHE-RSA-AES128-GCM-SHA256"
    for with_dh in (False, True):
        port = reserve_port()
        lines = [f"listener {port} 127.0.0.1", f"certfile {crt}", f"keyfile {key}",
                 f"ciphers {suite}", "tls_version tlsv1.2"]
        if with_dh:
            lines.append(f"dhparamfile {dh}")
        broker_factory(lines)
        got = _handshake(port, tls1_2=None, cipher=suite)
        assert (got == suite) == with_dh, (with_dh, got)


def test_tls_version_is_a_minimum(broker_factory, tmp_path):
    """`tls_version tlsv1.2` allows TLS 1.3 too (Mosquitto: the minimum version)."""
    crt, key = _pki(tmp_path)
    port = reserve_port()
    broker_factory([f"listener {port} 127.0.0.1", f"certfile {crt}", f"keyfile {key}", "tls_version tlsv1.2"])
    assert _handshake(port, tls1_3=None).startswith("TLS_")
    assert _handshake(port, tls1_2=None) != ""
    port3 = reserve_port()
    broker_factory([f"listener {port3} 127.0.0.1", f"certfile {crt}", f"keyfile {key}", "tls_version tlsv1.3"])
    assert _handshake(port3, tls1_2=None) == ""


# ---------------------------------------------------------------------------- network


def test_bind_interface(broker_factory):
    """A listener bound to an interface takes only what arrives there: bound to lo it serves
    127.0.0.1; bound to another interface, a client on 127.0.0.1 is refused."""
    others = [n for n in os.listdir("/sys/class/net") if n != "lo"]
    assert others, "no network interface besides lo on this machine"
    lo_port, other_port = reserve_port(), reserve_port()
    broker_factory([f"listener {lo_port}", "bind_interface lo",
                    f"listener {other_port}", f"bind_interface {others[0]}"])
    RawClient(lo_port, 5).connect(uid())
    with pytest.raises(OSError):
        RawClient(other_port, 5, timeout=2).connect(uid())


# ---------------------------------------------------------------------------- mount_point


def _mounted(broker_factory, *extra):
    """A plain listener and two listeners with mount points site1/ and site2/."""
    p1, p2 = reserve_port(), reserve_port()
    b = broker_factory([f"listener {p1} 127.0.0.1", "mount_point site1/",
                        f"listener {p2} 127.0.0.1", "mount_point site2/", *extra])
    return b, p1, p2


def test_mount_point_prefixes_topics_in_and_strips_them_out(broker_factory):
    """A client of a mounted listener lives under the prefix: what it publishes arrives under
    site1/ for others, what is published under site1/ reaches it without the prefix, and nothing
    from outside its mount point (another site, the rest of the tree) reaches it."""
    b, p1, p2 = _mounted(broker_factory)
    plain = RawClient(b.port, 5)
    plain.connect(uid())
    plain.subscribe(("site1/#", 1))
    s1 = RawClient(p1, 5)
    s1.connect(uid())
    s1.subscribe(("#", 1))
    s2 = RawClient(p2, 4)
    s2.connect(uid())
    s2.subscribe(("#", 1))

    s1.publish("dev/t", b"from site1", qos=1)
    plain.expect_publish("site1/dev/t", b"from site1")
    s1.expect_publish("dev/t", b"from site1", qos=1)  # its own subscription, prefix taken off

    plain.publish("elsewhere/x", b"outside")          # not below any mount point
    plain.publish("site2/dev/t", b"for site2")        # another site's
    plain.publish("site1/cmd", b"for site1", qos=1)
    s1.expect_publish("cmd", b"for site1", qos=1)     # the first one it gets: the others never came
    s2.expect_publish("dev/t", b"for site2")
    s2.publish("up", b"x")
    plain.publish("site1/last", b"marker")
    s1.expect_publish("last", b"marker")              # site2's "up" (site2/up) did not reach site1


def test_mount_point_retained_will_and_shared_subscriptions(broker_factory):
    b, p1, _ = _mounted(broker_factory)
    plain = RawClient(b.port, 5)
    plain.connect(uid())
    plain.publish("site1/status", b"retained", qos=1, retain=True)
    plain.publish("status", b"not mine", qos=1, retain=True)
    late = RawClient(p1, 5)
    late.connect(uid())
    late.subscribe(("status", 1))
    p = late.expect_publish("status", b"retained", retain=True)
    assert p.topic == "status"

    # a will goes under the mount point too
    plain.subscribe(("site1/will/#", 0))
    dying = RawClient(p1, 5)
    dying.connect(uid(), will=m.Will("will/dev7", b"gone"))
    dying.abort()
    plain.expect_publish("site1/will/dev7", b"gone")

    # a shared subscription stays shared, under the mount point
    m1, m2 = RawClient(p1, 5), RawClient(p1, 5)
    for c in (m1, m2):
        c.connect(uid())
        c.subscribe(("$share/g/jobs/#", 1))
    for i in range(4):
        plain.publish(f"site1/jobs/{i}", b"job", qos=1)
    got = []
    for c in (m1, m2):
        got += [c.expect_publish(qos=1).topic, c.expect_publish(qos=1).topic]
    assert sorted(got) == [f"jobs/{i}" for i in range(4)]
    # unsubscribing takes the mount point into account
    assert m1.unsubscribe("$share/g/jobs/#").rcs == [0]


def test_mount_point_acl_sees_the_full_topic(broker_factory, tmp_path):
    """ACLs judge the topic with its mount point, as Mosquitto's do."""
    acl = tmp_path / "acl"
    acl.write_text("topic readwrite site1/in/#\n")
    b, p1, _ = _mounted(broker_factory, f"acl_file {acl}")
    watcher = RawClient(b.port, 5)
    watcher.connect(uid())
    watcher.subscribe(("site1/in/#", 0))
    c = RawClient(p1, 5)
    c.connect(uid())
    # in/# is site1/in/#: allowed; other/# is site1/other/#: not
    c.subscribe(("in/#", 0), ("other/#", 0), expect_rcs=[0, m.RC_NOT_AUTHORIZED])
    c.publish("in/ok", b"1", qos=1)
    watcher.expect_publish("site1/in/ok", b"1")
    c.expect_publish("in/ok", b"1")
    c.send(m.publish("other/no", b"2", 1, False, False, 77, None, 5))
    assert c.wait_for(m.PUBACK, 77).rc == m.RC_NOT_AUTHORIZED


# ---------------------------------------------------------------------------- TLS-PSK

PSK_DEV1 = "00a1b2c3d4e5f60718293a4b5c6d7e8f"
PSK_DEV2 = "1122334455"


def _mosquitto_pub(port: int, topic: str, message: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-m", message,
                           "-q", "1", *args], capture_output=True, text=True, timeout=20)


def _psk_broker(own_broker, tmp_path: Path):
    psk = tmp_path / "psk"
    psk.write_text(f"# identity:key\ndev1:{PSK_DEV1}\ndev2:{PSK_DEV2}\n")
    acl = tmp_path / "acl"
    acl.write_text("user dev1\ntopic write devices/dev1/#\nuser dev2\ntopic write devices/dev2/#\n")
    port2 = reserve_port()
    b = own_broker("per_listener_settings true\n"
                   "listener {port} 127.0.0.1\nallow_anonymous true\n"
                   f"listener {port2} 127.0.0.1\npsk_hint tapmq-devices\npsk_file {psk}\n"
                   f"use_identity_as_username true\nallow_anonymous false\nacl_file {acl}\n")
    watcher = RawClient(b.port, 5)
    watcher.connect(uid())
    watcher.subscribe(("devices/#", 1))
    return b, port2, psk, watcher


@pytest.mark.parametrize("tls_version", ["tlsv1.2", "tlsv1.3"])
def test_psk_listener_with_identity_as_username(own_broker, tmp_path, tls_version):
    """A psk_hint listener without a certificate: mosquitto_pub --psk connects over TLS 1.2 and 1.3
    with a key from psk_file; the PSK identity is the user name (anonymous clients are refused on
    that listener, and the ACL of user dev1 applies); a wrong key or an unknown identity fails the
    handshake."""
    b, port, _, watcher = _psk_broker(own_broker, tmp_path)
    tls = ["--tls-version", tls_version]
    r = _mosquitto_pub(port, "devices/dev1/temp", "21.5", "--psk", PSK_DEV1, "--psk-identity", "dev1", *tls)
    assert r.returncode == 0, r
    watcher.expect_publish("devices/dev1/temp", b"21.5")

    r = _mosquitto_pub(port, "devices/dev1/temp", "bad key", "--psk", PSK_DEV2, "--psk-identity", "dev1", *tls)
    assert r.returncode != 0, r
    r = _mosquitto_pub(port, "devices/dev1/temp", "who", "--psk", PSK_DEV1, "--psk-identity", "dev9", *tls)
    assert r.returncode != 0, r
    r = _mosquitto_pub(port, "devices/dev1/temp", "no tls")  # plain MQTT on a PSK listener
    assert r.returncode != 0, r
    # dev2 may not write under dev1 (the ACL sees the identity as the user): only its own topic arrives
    r = _mosquitto_pub(port, "devices/dev1/temp", "spoofed", "--psk", PSK_DEV2, "--psk-identity", "dev2", *tls)
    assert r.returncode == 0, r
    r = _mosquitto_pub(port, "devices/dev2/temp", "19", "--psk", PSK_DEV2, "--psk-identity", "dev2", *tls)
    assert r.returncode == 0, r
    watcher.expect_publish("devices/dev2/temp", b"19")


def test_psk_file_is_reloaded_on_sighup(own_broker, tmp_path):
    b, port, psk, watcher = _psk_broker(own_broker, tmp_path)
    new_key = "deadbeef" * 4
    psk.write_text(f"dev1:{new_key}\n")
    mark = len(b.log)
    b.send_signal(signal.SIGHUP)
    b.wait_log(r"Configuration reloaded", start=mark)
    r = _mosquitto_pub(port, "devices/dev1/t", "old", "--psk", PSK_DEV1, "--psk-identity", "dev1")
    assert r.returncode != 0, r
    r = _mosquitto_pub(port, "devices/dev1/t", "new", "--psk", new_key, "--psk-identity", "dev1")
    assert r.returncode == 0, r
    watcher.expect_publish("devices/dev1/t", b"new")


# ---------------------------------------------------------------------------- unix sockets


def test_unix_socket_listener(broker_factory, tmp_path):
    """listener 0 PATH: mosquitto_pub/sub --unix PATH talk to the broker through the socket file,
    which is made owner and group read-write and removed when the broker exits."""
    import stat
    path = tmp_path / "tapmqd.sock"
    b = broker_factory([f"listener 0 {path}"])
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)

    tcp = RawClient(b.port, 5)
    tcp.connect(uid())
    tcp.subscribe(("unix/#", 1))
    tcp.publish("unix/retained", b"over tcp", qos=1, retain=True)
    r = subprocess.run(["mosquitto_sub", "--unix", str(path), "-t", "unix/retained", "-C", "1", "-W", "10"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and r.stdout == "over tcp\n", r
    tcp.expect_publish("unix/retained", b"over tcp")
    r = subprocess.run(["mosquitto_pub", "--unix", str(path), "-t", "unix/up", "-m", "over unix", "-q", "1"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r
    tcp.expect_publish("unix/up", b"over unix")
    b.wait_log(rf"New client connected from {path} as ")

    b.send_signal(signal.SIGTERM)
    assert b.wait_exit() == 0
    assert not path.exists()


def test_unix_socket_stale_file_replaced_live_one_refused(broker_factory, tmp_path):
    path = tmp_path / "s.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound, never listening: what a killed broker leaves
    stale.close()
    broker_factory([f"listener 0 {path}"])
    r = subprocess.run(["mosquitto_pub", "--unix", str(path), "-t", "t", "-m", "x"], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 0, r
    # a second broker on the same path must not steal the first one's socket
    port = reserve_port()
    conf = tmp_path / "second.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nlistener 0 {path}\n")
    r = subprocess.run([broker_proc.broker_binary(), "-c", str(conf)], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert "another process is listening on this socket" in r.stdout + r.stderr, r
    assert path.exists()


# ---------------------------------------------------------------------------- check_retain_source


_RETAIN_RULES = ("topic read status/#\nuser dev1\ntopic readwrite status/dev1\n"
                 "user dev2\ntopic readwrite status/dev2\n")


def _publish_retained_statuses(b) -> None:
    for dev in ("dev1", "dev2"):
        c = RawClient(b.port, 5)
        c.connect(dev, username=dev)
        c.publish(f"status/{dev}", f"{dev} online".encode(), qos=1, retain=True)
        c.disconnect()


def _retained_seen(b) -> set[str]:
    """The retained topics a new subscriber to status/# gets (up to a live message sent after)."""
    s = RawClient(b.port, 5)
    s.connect(uid())
    s.subscribe(("status/#", 1))
    seen = set()
    s2 = RawClient(b.port, 5)
    s2.connect("dev2", username="dev2")
    s2.publish("status/dev2", b"live", qos=1)  # a live message after the retained ones
    while True:
        p = s.expect_publish()
        if p.payload == b"live":
            return seen
        seen.add(p.topic)


@pytest.mark.parametrize("check", [True, False])
def test_check_retain_source(broker_factory, tmp_path, check):
    """With check_retain_source true, a retained message is sent to a new subscriber only while
    its publisher may still write its topic: once a reloaded ACL takes dev1's write access away,
    dev1's retained message is no longer delivered (dev2's still is). With false it always is."""
    acl = tmp_path / "acl"
    acl.write_text(_RETAIN_RULES)
    b = broker_factory([f"acl_file {acl}", f"check_retain_source {'true' if check else 'false'}"])
    _publish_retained_statuses(b)
    assert _retained_seen(b) == {"status/dev1", "status/dev2"}
    acl.write_text(_RETAIN_RULES.replace("topic readwrite status/dev1", "topic read status/dev1"))
    mark = len(b.log)
    b.send_signal(signal.SIGHUP)
    b.wait_log(r"Configuration reloaded", start=mark)
    assert _retained_seen(b) == ({"status/dev2"} if check else {"status/dev1", "status/dev2"})


def test_check_retain_source_survives_a_restart(broker_factory, tmp_path):
    """The publisher of a retained message is stored with it (as Mosquitto's persistence does):
    after kill -9 and a restart with an ACL that no longer lets dev1 write status/dev1, dev1's
    retained message is withheld and dev2's delivered."""
    acl = tmp_path / "acl"
    acl.write_text(_RETAIN_RULES)
    store = tmp_path / "store"
    store.mkdir()
    b = broker_factory([f"acl_file {acl}", "check_retain_source true", "persistence true",
                        f"persistence_location {store}"])
    _publish_retained_statuses(b)  # QoS 1: acknowledged once stored
    acl.write_text(_RETAIN_RULES.replace("topic readwrite status/dev1", "topic read status/dev1"))
    b.send_signal(signal.SIGKILL)
    b.wait_exit()
    b.start()
    b.wait_log(r"restored \d+ sessions, \d+ subscriptions, 2 retained")
    assert _retained_seen(b) == {"status/dev2"}


# ---------------------------------------------------------------------------- max_inflight_bytes


@pytest.mark.parametrize("limit", [100, 0])
def test_max_inflight_bytes(broker_factory, limit):
    """With max_inflight_bytes 100, QoS 1 messages of 60 payload bytes go out while fewer than 100
    bytes are unacknowledged: two, then one more for each PUBACK; the rest waits in the queue.
    Without it max_inflight_messages (20) alone bounds the window."""
    b = broker_factory([f"max_inflight_bytes {limit}"])
    topic = uid("ib/")
    sub = RawClient(b.port, 4)
    sub.connect(uid())
    sub.subscribe((topic, 1))
    pub = RawClient(b.port, 5)
    pub.connect(uid())
    for i in range(5):
        pub.publish(topic, bytes([0x30 + i]) * 60, qos=1)  # each routed before its PUBACK

    def received_until_pong() -> list[m.Packet]:
        # Everything the broker had for us comes before its answer to this PINGREQ.
        sub.send(m.pingreq())
        got = []
        while (p := sub.recv()).type != m.PINGRESP:
            assert p.type == m.PUBLISH, p
            got.append(p)
        return got

    first = received_until_pong()
    if limit == 0:
        assert [p.payload[0] for p in first] == [0x30, 0x31, 0x32, 0x33, 0x34]
        return
    assert [p.payload[0] for p in first] == [0x30, 0x31]  # 60 < 100, then 120: full
    sub.ack(first[0])
    assert [p.payload[0] for p in received_until_pong()] == [0x32]  # 60 in flight again: one more
    sub.ack(first[1])
    nxt = received_until_pong()
    assert [p.payload[0] for p in nxt] == [0x33]


# ---------------------------------------------------------------------------- memory_limit


def test_memory_limit_refuses_publishes_while_over(broker_factory):
    """Once the heap passes memory_limit (here: 256 KiB messages kept for an offline session),
    a v5 QoS 1 PUBLISH gets PUBACK 0x97 Quota exceeded and a 3.1.1 publisher is disconnected
    before its message is acknowledged (as Mosquitto, whose failed allocation disconnects it); the
    log says so. When the memory is given back (the session ends), PUBLISHes are accepted again."""
    b = broker_factory(["memory_limit 16000000", "max_queued_messages 0"])
    topic = uid("mem/")
    keeper_id = uid("keeper-")
    keeper = RawClient(b.port, 5)
    keeper.connect(keeper_id, clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    keeper.subscribe((topic, 1))
    keeper.disconnect()

    pub = RawClient(b.port, 5)
    pub.connect(uid())
    payload = b"x" * 262144
    for _ in range(600):
        pid = pub.pid()
        pub.send(m.publish(topic, payload, 1, False, False, pid, None, 5))
        rc = pub.wait_for(m.PUBACK, pid).rc
        if rc == 0x97:
            break
        assert rc == 0, hex(rc)
    else:
        pytest.fail("600 messages of 256 KiB kept and never over memory_limit 16000000")
    b.wait_log(r"Heap use \d+ bytes is over memory_limit 16000000: new PUBLISHes are refused")

    old = RawClient(b.port, 4)
    old.connect(uid())
    old.send(m.publish(topic, b"small", 1, False, False, 9, None, 4))
    old.expect_closed()
    assert pub.is_open()  # a v5 client is told, not dropped

    RawClient(b.port, 5).connect(keeper_id, clean=True)  # its queue goes: memory comes back
    b.wait_log(r"below memory_limit 16000000 again")
    pub.publish(topic, b"small", qos=1)  # PUBACK below 0x80 again


# ---------------------------------------------------------------------------- log_dest topic


def test_log_dest_topic(broker_factory):
    """log_dest topic: log lines arrive on $SYS/broker/log/I, /W... ("<epoch>: line")."""
    b = broker_factory(["log_dest topic", "log_dest stderr"])
    watcher = RawClient(b.port, 5)
    watcher.connect(uid())
    watcher.subscribe(("$SYS/broker/log/#", 0))
    cid = uid("logged-")
    c = RawClient(b.port, 5)
    c.connect(cid)
    # Lines are published from the control thread, so the watcher's own may still come first.
    p = watcher.expect_publish("$SYS/broker/log/I")
    while b"New client connected" not in p.payload or cid.encode() not in p.payload:
        p = watcher.expect_publish("$SYS/broker/log/I")
    assert p.payload.split(b": ", 1)[0].isdigit(), p.payload
    assert b"New client connected from 127.0.0.1" in p.payload and cid.encode() in p.payload
    c.send(b"\x30\x02\x00\x05")  # PUBLISH whose topic runs past the packet: malformed, a warning
    while (p := watcher.expect_publish()).topic != "$SYS/broker/log/W":
        assert p.topic == "$SYS/broker/log/I", p
    assert cid.encode() in p.payload, p.payload



# ---------------------------------------------------------------------------- log_facility

# Runs the command with /dev/log pointing at $TAPMQ_LOG_SOCKET: a private mount namespace whose /dev
# is a tmpfs holding the four character devices a process may open, so glibc's syslog() (which only
# writes to /dev/log) reaches the test's socket and nothing on the host changes.
_PRIVATE_DEV_LOG = (
    'set -e; mount --bind /dev "$TAPMQ_OLD_DEV"; mount -t tmpfs tmpfs /dev; '
    'for n in null zero random urandom; do touch /dev/$n; mount --bind "$TAPMQ_OLD_DEV/$n" /dev/$n; done; '
    'ln -s "$TAPMQ_LOG_SOCKET" /dev/log; exec "$@"')


def _syslog_priorities(tmp_path: Path, facility_line: str | None) -> list[int]:
    """Starts tapmqd with log_dest syslog (and `facility_line`) and returns the syslog priority
    (<PRI>, facility * 8 + severity) of every datagram up to its "running" line."""
    if os.geteuid() != 0:
        pytest.fail("this test needs root for a private mount namespace (unshare --mount)")
    sock_path = tmp_path / f"log-{uid()}.sock"
    old_dev = tmp_path / f"dev-{uid()}"
    old_dev.mkdir()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(sock_path))
    server.settimeout(20)
    conf = tmp_path / f"syslog-{uid()}.conf"
    lines = [f"listener {reserve_port()} 127.0.0.1", "allow_anonymous true", "log_dest syslog",
             "log_type all"] + ([facility_line] if facility_line else [])
    conf.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, TAPMQ_LOG_SOCKET=str(sock_path), TAPMQ_OLD_DEV=str(old_dev))
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                             _PRIVATE_DEV_LOG, "sh", broker_proc.broker_binary(), "-c", str(conf)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    priorities = []
    try:
        while True:
            try:
                datagram = server.recv(65536).decode(errors="replace")
            except socket.timeout:
                out = proc.stdout.read() if proc.poll() is not None else b"(still running)"
                pytest.fail(f"no syslog line saying 'running' within 20 s; tapmqd: {out!r}")
            assert datagram.startswith("<") and ">" in datagram, datagram
            priorities.append(int(datagram[1:datagram.index(">")]))
            assert "tapmqd" in datagram, datagram
            if " running" in datagram:
                return priorities
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        server.close()


@pytest.mark.parametrize("facility_line, facility", [("log_facility 5", 16 + 5), (None, 3)])
def test_log_facility_selects_the_syslog_facility(tmp_path, facility_line, facility):
    """log_dest syslog sends every line as LOG_DAEMON (3); log_facility N makes it localN (16 + N),
    as Mosquitto does. Checked on the datagrams glibc's syslog() writes to /dev/log."""
    priorities = _syslog_priorities(tmp_path, facility_line)
    assert priorities and {p >> 3 for p in priorities} == {facility}, priorities
    assert {p & 7 for p in priorities} <= {3, 4, 5, 6, 7}  # error .. debug


# ---------------------------------------------------------------------------- websockets_headers_size


def _upgrade(port: int, header_bytes: int) -> bytes:
    """A WebSocket upgrade request padded with a cookie of `header_bytes`; the first response bytes
    (b'' when the broker closed without answering)."""
    req = (f"GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           f"Sec-WebSocket-Protocol: mqtt\r\nCookie: c={'x' * header_bytes}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(req)
        try:
            return s.recv(200)
        except ConnectionResetError:
            return b""


def test_websockets_headers_size(broker_factory, tmp_path):
    """The upgrade request's header limit: 1024 bytes refuses a 2000-byte cookie (closed; with
    http_dir on the listener a 431 answer) that the default (8 KiB) accepts."""
    small, with_http, default = reserve_port(), reserve_port(), reserve_port()
    (tmp_path / "www").mkdir()
    broker_factory(["websockets_headers_size 1024",
                    f"listener {small} 127.0.0.1", "protocol websockets",
                    f"listener {with_http} 127.0.0.1", "protocol websockets", f"http_dir {tmp_path / 'www'}"])
    assert _upgrade(small, 200).startswith(b"HTTP/1.1 101")
    assert _upgrade(small, 2000) == b""
    assert _upgrade(with_http, 2000).startswith(b"HTTP/1.1 431")
    broker_factory([f"listener {default} 127.0.0.1", "protocol websockets"])
    assert _upgrade(default, 2000).startswith(b"HTTP/1.1 101")
