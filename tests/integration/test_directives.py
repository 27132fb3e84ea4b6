"""Mosquitto directives with Mosquitto's meaning, or refused at start-up with file, line and reason.

Each test asserts what the directive does to clients (or to the process), not that parsing did not
throw: clientid_prefixes, use_username_as_clientid, auto_id_prefix, per-listener
allow_zero_length_clientid / max_qos / max_topic_alias, upgrade_outgoing_qos, connection_messages,
pid_file, user, dhparamfile, bind_interface, tls_version as a minimum, log_facility, and the
refusals (plugins, TLS-PSK, bridges, mount points, ...).
"""

from __future__ import annotations

import os
import pwd
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
    (["listener {port}", "psk_hint devices", "psk_file /etc/mosquitto/psk"], 2, "psk_hint", "TLS-PSK"),
    (["listener {port}", "mount_point site1/"], 2, "mount_point", "mount points are not implemented"),
    (["listener 0 /run/tapmqd.sock"], 1, "listener", "unix socket listeners"),
    (["listener {port}", "connection cloud", "address example.com"], 2, "connection", "bridges"),
    (["listener {port}", "memory_limit 1000000"], 2, "memory_limit", "not implemented"),
    (["listener {port}", "log_dest topic"], 2, "log_dest", "'topic'"),
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
            b.send_signal(__import__("signal").SIGTERM)
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
    b.send_signal(__import__("signal").SIGHUP)
    b.wait_log(r"Configuration reloaded", start=mark)
    text = "".join(b.log[mark:])
    assert (f"New client connected from 127.0.0.1" in text and f"as {cid}" in text) == on, text
    assert (f"Client {cid} (127.0.0.1" in text and "disconnected" in text) == on, text
    assert ("New connection from 127.0.0.1" in text) == on, text


def test_pid_file_written_and_removed(broker_factory, tmp_path):
    pid_path = tmp_path / "tapmqd.pid"
    b = broker_factory([f"pid_file {pid_path}"])
    assert pid_path.read_text() == f"{b.pid}\n"
    b.send_signal(__import__("signal").SIGTERM)
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
