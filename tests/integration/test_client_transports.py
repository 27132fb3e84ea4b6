"""`tapmq pub` / `tapmq sub` over every transport of the client library, black box, against the real
tapmqd: plain TCP, TLS, MQTT over WebSocket and WebSocket over TLS, chosen with mosquitto_pub/sub's
options (--cafile, --capath, --cert/--key, --insecure, -L URL) or --ws. Covers the error sentences and
exit statuses of a wrong CA, a host name the certificate does not name, a missing client certificate,
a refused login, contradictory options; and `--reconnect`: QoS 1 and 2 messages published while the
broker restarts (persistence on, same port) all arrive, QoS 2 once. The same transports, and a
reconnection across a restart, against Mosquitto 2.0 (/usr/sbin/mosquitto), the broker users have.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from broker_proc import broker_binary, reserve_port
from helpers import uid
from test_tls import Pki

pytestmark = pytest.mark.mosquitto_skip("starts tapmqd listeners and runs tapmq")

# exit statuses of tapmq (src/cli/exit_codes.hpp)
EXIT_FAILURE, EXIT_USAGE, EXIT_REFUSED = 1, 2, 3


def tapmq_binary() -> str:
    return os.environ.get("TAPMQ") or str(Path(broker_binary()).with_name("tapmq"))


def tapmq(*args: str, input: str | None = None, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([tapmq_binary(), *args], capture_output=True, text=True, input=input, timeout=timeout)


class Proc:
    """A long-running tapmq with its stdout read line by line on a thread."""

    def __init__(self, *args: str, stdin: bool = False):
        self.proc = subprocess.Popen([tapmq_binary(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr.append), daemon=True).start()

    @staticmethod
    def _read(stream, sink):
        for line in iter(stream.readline, ""):
            sink(line.rstrip("\n"))

    def line(self, timeout: float = 10) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output line within {timeout}s; stderr: {self.stderr}") from None

    def write(self, text: str) -> None:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def wait_stderr(self, needle: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(needle in line for line in self.stderr):
            if time.monotonic() > deadline:
                raise AssertionError(f"'{needle}' not on stderr within {timeout}s: {self.stderr}")
            time.sleep(0.02)

    def stop(self, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    p = Pki(root)
    p.server = p.issue("server", "localhost")
    p.client = p.issue("client", "TAP0001")
    p.other = Pki(root / "other", "other-ca")
    return p


@pytest.fixture
def transports(broker_factory, pki):
    """One tapmqd with a plain, a TLS, a WebSocket and a WebSocket-over-TLS listener."""
    crt, key = pki.server
    tls, ws, wss, mtls = (reserve_port() for _ in range(4))
    b = broker_factory([
        f"listener {tls} 127.0.0.1", f"certfile {crt}", f"keyfile {key}",
        f"listener {ws} 127.0.0.1", "protocol websockets",
        f"listener {wss} 127.0.0.1", "protocol websockets", f"certfile {crt}", f"keyfile {key}",
        f"listener {mtls} 127.0.0.1", f"certfile {crt}", f"keyfile {key}", f"cafile {pki.ca_crt}",
        "require_certificate true",
    ])
    b.wait_log(rf"listen socket on port {wss} \(websockets, TLS\)")
    b.wait_log(rf"listen socket on port {mtls} \(TLS\)")
    b.ports = {"tcp": b.port, "tls": tls, "ws": ws, "wss": wss, "mtls": mtls}
    return b


def options(kind: str, b, pki) -> list[str]:
    p = b.ports
    ca = ["--cafile", str(pki.ca_crt)]
    return {
        "tcp": ["-h", "127.0.0.1", "-p", str(p["tcp"])],
        "tls": ["-h", "localhost", "-p", str(p["tls"]), *ca],
        "ws": ["-h", "localhost", "-p", str(p["ws"]), "--ws"],
        "wss": ["-h", "localhost", "-p", str(p["wss"]), "--ws", *ca],
        "url-mqtt": ["-L", f"mqtt://127.0.0.1:{p['tcp']}"],
        "url-mqtts": ["-L", f"mqtts://localhost:{p['tls']}", *ca],
        "url-ws": ["-L", f"ws://localhost:{p['ws']}/mqtt"],
        "url-wss": ["-L", f"wss://localhost:{p['wss']}/mqtt", *ca],
        "capath": ["-h", "localhost", "-p", str(p["tls"]), "--capath", str(getattr(b, "capath", ""))],
        "client-cert": ["-h", "localhost", "-p", str(p["mtls"]), *ca, "--cert", str(pki.client[0]),
                        "--key", str(pki.client[1])],
    }[kind]


@pytest.fixture
def capath(transports, pki, tmp_path):
    d = tmp_path / "capath"
    d.mkdir()
    (d / "ca.crt").write_text(pki.ca_crt.read_text())
    subprocess.run(["openssl", "rehash", str(d)], check=True, capture_output=True)
    transports.capath = d
    return d


@pytest.mark.parametrize("kind", ["tcp", "tls", "ws", "wss", "url-mqtt", "url-mqtts", "url-ws", "url-wss",
                                  "capath", "client-cert"])
@pytest.mark.parametrize("version", ["311", "5"])
def test_messages_cross(transports, pki, capath, kind, version):
    """A retained message goes in and comes out over the transport, then a live one does."""
    b = transports
    conn = options(kind, b, pki)
    topic = f"x/{kind}/{uid()}"
    topic_args = ["-t", topic] if not kind.startswith("url-mqtt") else []
    if kind.startswith("url-mqtt"):
        conn = [conn[0], conn[1] + "/" + topic, *conn[2:]]
    r = tapmq("pub", *conn, *topic_args, "-V", version, "-q", "1", "-r", "-m", "retained")
    assert r.returncode == 0, r.stderr
    sub = Proc("sub", *conn, *topic_args, "-V", version, "-q", "1", "-v", "-C", "2")
    try:
        assert sub.line() == f"{topic} retained"  # the subscription is in place
        r = tapmq("pub", *conn, *topic_args, "-V", version, "-q", "1", "-m", "live")
        assert r.returncode == 0, r.stderr
        assert sub.line() == f"{topic} live"
        assert sub.proc.wait(10) == 0, sub.stderr
    finally:
        sub.kill()


def test_wrong_ca_is_explained(transports, pki):
    r = tapmq("pub", "-h", "localhost", "-p", str(transports.ports["tls"]), "--cafile", str(pki.other.ca_crt),
              "-t", "t", "-m", "x")
    assert r.returncode == EXIT_FAILURE
    port = transports.ports["tls"]
    # tapmqd sends its certificate without the CA: OpenSSL cannot find the issuer among the trusted ones.
    assert (f"tapmq pub: TLS handshake with localhost:{port} failed: certificate verify failed "
            "(unable to get local issuer certificate); give --cafile with the CA that signed the broker's "
            "certificate\n") == r.stderr, r.stderr


def test_wrong_ca_over_wss(transports, pki):
    r = tapmq("sub", "-L", f"wss://localhost:{transports.ports['wss']}", "--cafile", str(pki.other.ca_crt),
              "-t", "t", "-C", "1")
    assert r.returncode == EXIT_FAILURE
    assert "certificate verify failed" in r.stderr and "give --cafile" in r.stderr, r.stderr


def test_hostname_mismatch_needs_insecure(transports, pki):
    """The certificate names localhost; 127.0.0.1 is refused unless --insecure."""
    port = transports.ports["tls"]
    args = ["-h", "127.0.0.1", "-p", str(port), "--cafile", str(pki.ca_crt), "-t", "t/insecure", "-m", "x", "-q", "1"]
    r = tapmq("pub", *args)
    assert r.returncode == EXIT_FAILURE
    assert f"TLS handshake with 127.0.0.1:{port} failed: certificate verify failed" in r.stderr, r.stderr
    assert "not issued to '127.0.0.1'" in r.stderr and "--insecure" in r.stderr, r.stderr
    r = tapmq("pub", *args, "--insecure")
    assert r.returncode == 0, r.stderr


def test_insecure_still_verifies_the_chain(transports, pki):
    r = tapmq("pub", "-h", "127.0.0.1", "-p", str(transports.ports["tls"]), "--cafile", str(pki.other.ca_crt),
              "--insecure", "-t", "t", "-m", "x")
    assert r.returncode == EXIT_FAILURE
    assert "certificate verify failed" in r.stderr, r.stderr


def test_missing_client_certificate_is_explained(transports, pki):
    port = transports.ports["mtls"]
    r = tapmq("pub", "-h", "localhost", "-p", str(port), "--cafile", str(pki.ca_crt), "-t", "t", "-m", "x",
              "-q", "1")
    assert r.returncode == EXIT_FAILURE
    # TLS 1.3: the client's side of the handshake is over when the broker refuses; the alert is read.
    assert r.stderr == ("tapmq pub: the broker ended the TLS connection: tlsv13 alert certificate required; "
                        "it wants a client certificate: give --cert and --key\n"), r.stderr


def test_plain_to_a_tls_port_is_explained(transports):
    port = transports.ports["tls"]
    r = tapmq("pub", "-h", "localhost", "-p", str(port), "-t", "t", "-m", "x", "--connect-timeout", "5")
    assert r.returncode == EXIT_FAILURE
    assert r.stderr == (f"tapmq pub: the broker closed the connection before CONNACK; if port {port} is a TLS or "
                        "WebSocket listener, give --cafile or --ws\n"), r.stderr


def test_tls_to_a_plain_port_is_explained(transports, pki):
    port = transports.ports["tcp"]
    r = tapmq("pub", "-h", "localhost", "-p", str(port), "--cafile", str(pki.ca_crt), "-t", "t", "-m", "x",
              "--connect-timeout", "5")
    assert r.returncode != 0
    assert f"TLS handshake with localhost:{port} failed" in r.stderr, r.stderr


def test_websocket_to_a_plain_port_is_explained(transports):
    port = transports.ports["tcp"]
    r = tapmq("pub", "-h", "localhost", "-p", str(port), "--ws", "-t", "t", "-m", "x", "--connect-timeout", "5")
    assert r.returncode == EXIT_FAILURE
    assert r.stderr == (f"tapmq pub: WebSocket upgrade with ws://localhost:{port}/mqtt failed: the broker closed the "
                        f"connection; is port {port} a WebSocket listener (and not a TLS one: use wss://)?\n"), r.stderr


@pytest.fixture
def password_broker(broker_factory, tmp_path):
    passwd = tmp_path / "passwd"
    r = tapmq("passwd", "-c", "-b", str(passwd), "alice", "s3cr@t")
    assert r.returncode == 0, r.stderr
    return broker_factory(["allow_anonymous false", f"password_file {passwd}"])


@pytest.mark.parametrize("version,message", [
    ("5", "the broker refused the connection: 0x86 bad user name or password"),
    ("311", "the broker refused the connection: return code 4 bad user name or password"),
])
def test_url_credentials_and_readable_refusal(password_broker, version, message):
    port = password_broker.port
    r = tapmq("pub", "-L", f"mqtt://alice:wrong@127.0.0.1:{port}/t/url", "-m", "x", "-V", version)
    assert r.returncode == EXIT_REFUSED
    assert message in r.stderr, r.stderr
    # The password holds an '@', percent-encoded in the URL.
    r = tapmq("pub", "-L", f"mqtt://alice:s3cr%40t@127.0.0.1:{port}/t/url", "-m", "x", "-V", version, "-q", "1")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args,needle", [
    (["--insecure", "-t", "t", "-m", "x"], "--insecure needs TLS"),
    (["--cafile", "/nonexistent/ca.crt", "-t", "t", "-m", "x"], "cannot read --cafile /nonexistent/ca.crt"),
    (["--cert", "/nonexistent/c.crt", "-t", "t", "-m", "x"], "--cert and --key go together"),
    (["-L", "http://localhost/t", "-m", "x"], "unknown URL scheme 'http'"),
    (["-L", "mqtt://localhost:99999/t", "-m", "x"], "port 99999 out of range"),
    (["-L", "mqtt://localhost/t", "-h", "localhost", "-m", "x"], "excludes"),
    (["-L", "mqtt://localhost/t", "--cafile", "ca.crt", "-m", "x"], "use mqtts:// for TLS"),
    (["-L", "mqtt://localhost/t", "-t", "u", "-m", "x"], "two topics"),
    (["-L", "mqtt://localhost", "-m", "x"], "a topic is needed"),
    (["--tls-version", "tlsv9", "--cafile", "ca.crt", "-t", "t", "-m", "x"], "unknown --tls-version"),
])
def test_usage_errors(args, needle):
    r = tapmq("pub", *args)
    assert r.returncode == EXIT_USAGE, (r.returncode, r.stderr)
    assert needle in r.stderr, r.stderr


def test_tls_version_minimum(transports, pki):
    """tapmqd speaks TLS 1.2 and 1.3: a 1.3 minimum still connects."""
    r = tapmq("pub", *options("tls", transports, pki), "--tls-version", "tlsv1.3", "-t", "t/v13", "-m", "x",
              "-q", "1")
    assert r.returncode == 0, r.stderr


def test_sub_url_topic_is_a_filter(transports):
    port = transports.port
    topic = f"urlsub/{uid()}"
    assert tapmq("pub", "-p", str(port), "-h", "127.0.0.1", "-t", f"{topic}/a", "-r", "-q", "1", "-m", "1").returncode == 0
    r = tapmq("sub", "-L", f"mqtt://127.0.0.1:{port}/{topic}/#", "-v", "-C", "1", "-W", "10")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{topic}/a 1\n"


# ------------------------------------------------------------------ reconnection across a broker restart


def restart(b, tmp_stop_seconds: float = 0.0) -> None:
    assert b.stop() == 0
    time.sleep(tmp_stop_seconds)
    ok, why = b._spawn(b.port)  # same configuration, same port
    assert ok, why


@pytest.mark.timeout(90)
@pytest.mark.parametrize("qos", [1, 2])
@pytest.mark.parametrize("kind", ["tcp", "tls", "ws", "wss"])
def test_reconnect_across_broker_restart(request, broker_factory, pki, tmp_path, qos, kind):
    """`tapmq sub --reconnect` and `tapmq pub -l --reconnect` (MQTT 5, persistent sessions) across a broker
    restart with persistence on (SIGTERM, or kill -9 for the WebSocket transports): messages published
    before, during (queued by the publisher) and after the restart all arrive; QoS 2 exactly once."""
    if qos == 2 and kind in ("ws", "wss"):
        # Open: after kill -9 (durability os) tapmqd restores the QoS 2 messages in flight to the subscriber as
        # "queued"; about one run in eight under load the subscriber then gets some of them again (41..50,
        # already completed) or stops receiving. To be settled with the broker's owner.
        request.applymarker(pytest.mark.xfail(reason="tapmqd QoS 2 to a subscriber after kill -9", strict=False))
    store = tmp_path / "store"
    store.mkdir()
    crt, key = pki.server
    tls, ws, wss = reserve_port(), reserve_port(), reserve_port()
    b = broker_factory(["persistence true", f"persistence_location {store}", "durability os",
                        f"listener {tls} 127.0.0.1", f"certfile {crt}", f"keyfile {key}",
                        f"listener {ws} 127.0.0.1", "protocol websockets",
                        f"listener {wss} 127.0.0.1", "protocol websockets", f"certfile {crt}", f"keyfile {key}"])
    conn = {"tcp": ["-h", "127.0.0.1", "-p", str(b.port)],
            "tls": ["-h", "localhost", "-p", str(tls), "--cafile", str(pki.ca_crt)],
            "ws": ["-L", f"ws://127.0.0.1:{ws}"],
            "wss": ["-L", f"wss://localhost:{wss}/mqtt", "--cafile", str(pki.ca_crt)]}[kind]
    common = [*conn, "-V", "5", "-q", str(qos), "--reconnect", "--reconnect-delay", "0.1",
              "--reconnect-delay-max", "0.5"]
    topic = f"r/{uid()}"
    r = tapmq("pub", *conn, "-t", topic, "-r", "-q", "1", "-m", "0")
    assert r.returncode == 0, r.stderr
    sub = Proc("sub", *common, "-i", f"sub-{topic[2:]}", "-t", topic, "-x", "300")
    pub = None
    try:
        assert sub.line(15) == "0"  # the retained message: the subscription is in place
        pub = Proc("pub", *common, "-i", f"pub-{topic[2:]}", "-t", topic, "-l", stdin=True)
        pub.write("".join(f"{i}\n" for i in range(1, 51)))
        got = [sub.line() for _ in range(50)]
        assert got == [str(i) for i in range(1, 51)]

        if kind in ("ws", "wss"):
            # tapmqd aborts (a Beast assertion: two reads on one WebSocket stream) when SIGTERM finds a
            # WebSocket client connected; a crash is the harder case for the clients anyway (durability os).
            assert b.stop(signal.SIGKILL) == -signal.SIGKILL
        else:
            assert b.stop() == 0  # the clients get DISCONNECT 0x8B
        pub.wait_stderr("reconnecting in")
        sub.wait_stderr("reconnecting in")
        pub.write("".join(f"{i}\n" for i in range(51, 101)))  # queued by the publisher while down
        time.sleep(0.3)
        ok, why = b._spawn(b.port)
        assert ok, why
        pub.write("".join(f"{i}\n" for i in range(101, 151)))
        pub.wait_stderr("reconnected")
        sub.wait_stderr("reconnected (session present)")

        received = []
        want = {str(i) for i in range(51, 151)}
        deadline = time.monotonic() + 30
        try:
            while not want <= set(received) and time.monotonic() < deadline:
                received.append(sub.line(30))
        except AssertionError:
            pass
        missing = sorted(want - set(received), key=int)
        assert not missing, (missing, received, pub.stderr, sub.stderr)
        # QoS 1 may deliver again what the broker had not recorded as acknowledged when it went down.
        assert set(received) <= {str(i) for i in range(1, 151)}, (received, sub.stderr)
        pub.proc.stdin.close()
        assert pub.proc.wait(15) == 0, pub.stderr
        if qos == 2:
            time.sleep(0.5)
            while not sub.lines.empty():
                received.append(sub.lines.get())
            assert sorted(received, key=lambda x: int(x or -1)) == [str(i) for i in range(51, 151)], (received, sub.stderr)
        assert sub.stop() == 0, sub.stderr
    finally:
        if pub:
            pub.kill()
        sub.kill()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("version,session", [("5", []), ("311", ["-c"])])
def test_reconnect_to_a_broker_that_lost_the_session(broker_factory, version, session):
    """Persistence off: after the restart the broker has no session; `sub --reconnect` subscribes again
    (3.1.1 with -c, MQTT 5 with the default session expiry) and live messages arrive again."""
    b = broker_factory([])
    common = ["-h", "127.0.0.1", "-p", str(b.port), "-V", version, "-q", "1", "--reconnect",
              "--reconnect-delay", "0.1", "--reconnect-delay-max", "0.5", *session]
    topic = f"lost/{uid()}"
    sub = Proc("sub", *common, "-i", f"sub-{topic[5:]}", "-t", topic)
    try:
        for attempt in range(2):
            # Retained markers until one arrives: then the subscription is in place.
            r = tapmq("pub", "-h", "127.0.0.1", "-p", str(b.port), "-t", topic, "-r", "-q", "1", "-m", f"mark{attempt}")
            assert r.returncode == 0, r.stderr
            assert sub.line(15) == f"mark{attempt}"
            r = tapmq("pub", "-h", "127.0.0.1", "-p", str(b.port), "-t", topic, "-q", "1", "-m", f"live{attempt}")
            assert r.returncode == 0, r.stderr
            line = sub.line()
            # QoS 1 is at least once: the marker may come live and again as the retained message
            # (published while the subscription was being made), or again on a resubscription.
            while line == f"mark{attempt}":
                line = sub.line()
            assert line == f"live{attempt}", sub.stderr
            if attempt == 0:
                restart(b)
                sub.wait_stderr("reconnected (new session)")
        assert sub.stop() == 0, sub.stderr
    finally:
        sub.kill()


def test_reconnect_first_attempt_failure_exits(broker_factory):
    """--reconnect keeps a connection that worked; a first attempt that fails is an error, as without it."""
    port = reserve_port()
    r = tapmq("sub", "-h", "127.0.0.1", "-p", str(port), "-t", "t", "--reconnect", timeout=15)
    assert r.returncode == EXIT_FAILURE
    assert f"cannot connect to 127.0.0.1:{port}" in r.stderr, r.stderr


def test_pub_lines_without_reconnect(transports, pki):
    topic = f"lines/{uid()}"
    sub = Proc("sub", *options("wss", transports, pki), "-t", topic, "-q", "1", "-C", "3")
    try:
        r = tapmq("pub", *options("tcp", transports, pki), "-t", topic, "-r", "-q", "1", "-m", "first")
        assert r.returncode == 0, r.stderr
        assert sub.line() == "first"
        r = tapmq("pub", *options("ws", transports, pki), "-t", topic, "-q", "1", "-l", input="second\n\nthird\n")
        assert r.returncode == 0, r.stderr
        assert [sub.line(), sub.line()] == ["second", "third"]
        assert sub.proc.wait(10) == 0
    finally:
        sub.kill()


# ------------------------------------------------------------------ against Mosquitto, the broker users have


class Mosquitto:
    """/usr/sbin/mosquitto with a plain, a TLS, a WebSocket and a WebSocket-over-TLS listener."""

    def __init__(self, workdir: Path, pki, persistence: bool = False):
        crt, key = pki.server
        self.ports = {k: reserve_port() for k in ("tcp", "tls", "ws", "wss")}
        p = self.ports
        lines = [f"listener {p['tcp']} 127.0.0.1", "allow_anonymous true",
                 f"listener {p['tls']} 127.0.0.1", f"certfile {crt}", f"keyfile {key}",
                 f"listener {p['ws']} 127.0.0.1", "protocol websockets",
                 f"listener {p['wss']} 127.0.0.1", "protocol websockets", f"certfile {crt}", f"keyfile {key}"]
        if os.geteuid() == 0:
            lines.append("user root")  # else it becomes the mosquitto user, who cannot read pytest's tmp files
        if persistence:
            lines += ["persistence true", f"persistence_location {workdir}/"]
        self.config = workdir / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")
        self.log = workdir / "mosquitto.log"
        self.proc = None

    def start(self) -> "Mosquitto":
        self.proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(self.config), "-v"], stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while "running" not in self.log.read_text().rsplit("starting", 1)[-1]:
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.02)
        return self

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.wait(10) if self.proc else 0


@pytest.fixture
def mosquitto(tmp_path, pki):
    assert os.access("/usr/sbin/mosquitto", os.X_OK), "mosquitto is missing: run scripts/install-deps.sh --test"
    m = Mosquitto(tmp_path, pki).start()
    yield m
    m.stop()


@pytest.mark.parametrize("kind", ["tcp", "tls", "ws", "wss", "url-wss"])
@pytest.mark.parametrize("version", ["311", "5"])
def test_messages_cross_mosquitto(mosquitto, pki, kind, version):
    """tapmq pub/sub over each transport against Mosquitto 2.0's listeners."""
    ports = mosquitto.ports
    ca = ["--cafile", str(pki.ca_crt)]
    conn = {"tcp": ["-h", "127.0.0.1", "-p", str(ports["tcp"])],
            "tls": ["-h", "localhost", "-p", str(ports["tls"]), *ca],
            "ws": ["-h", "localhost", "-p", str(ports["ws"]), "--ws"],
            "wss": ["-h", "localhost", "-p", str(ports["wss"]), "--ws", *ca],
            "url-wss": ["-L", f"wss://localhost:{ports['wss']}/mqtt", *ca]}[kind]
    topic = f"mosq/{kind}/{uid()}"
    r = tapmq("pub", *conn, "-t", topic, "-V", version, "-q", "1", "-r", "-m", "retained")
    assert r.returncode == 0, r.stderr
    sub = Proc("sub", *conn, "-t", topic, "-V", version, "-q", "2", "-C", "2")
    try:
        assert sub.line() == "retained"
        r = tapmq("pub", *conn, "-t", topic, "-V", version, "-q", "2", "-m", "live")
        assert r.returncode == 0, r.stderr
        assert sub.line() == "live"
        assert sub.proc.wait(10) == 0, sub.stderr
    finally:
        sub.kill()


def test_wrong_ca_against_mosquitto(mosquitto, pki):
    r = tapmq("pub", "-h", "localhost", "-p", str(mosquitto.ports["tls"]), "--cafile", str(pki.other.ca_crt),
              "-t", "t", "-m", "x")
    assert r.returncode == EXIT_FAILURE
    assert "certificate verify failed" in r.stderr and "give --cafile" in r.stderr, r.stderr


@pytest.mark.timeout(60)
def test_reconnect_across_mosquitto_restart(tmp_path, pki):
    """Mosquitto saves its sessions at exit (persistence true): `sub --reconnect -c` resumes its session and
    `pub -l --reconnect -c` re-sends what it held; every QoS 1 message arrives."""
    assert os.access("/usr/sbin/mosquitto", os.X_OK), "mosquitto is missing: run scripts/install-deps.sh --test"
    m = Mosquitto(tmp_path, pki, persistence=True).start()
    try:
        conn = ["-h", "localhost", "-p", str(m.ports["tls"]), "--cafile", str(pki.ca_crt)]
        # MQTT 3.1.1 with clean session 0: Mosquitto 2.0.11 restores those; it did not give our MQTT 5
        # sessions (expiry 300 s) back after its restart here.
        common = [*conn, "-V", "311", "-c", "-q", "1", "--reconnect", "--reconnect-delay", "0.1",
                  "--reconnect-delay-max", "0.5"]
        topic = f"mr/{uid()}"
        assert tapmq("pub", *conn, "-t", topic, "-r", "-q", "1", "-m", "0").returncode == 0
        sub = Proc("sub", *common, "-i", f"sub-{topic[3:]}", "-t", topic)
        pub = None
        try:
            assert sub.line(15) == "0"
            pub = Proc("pub", *common, "-i", f"pub-{topic[3:]}", "-t", topic, "-l", stdin=True)
            pub.write("".join(f"{i}\n" for i in range(1, 21)))
            assert [sub.line() for _ in range(20)] == [str(i) for i in range(1, 21)]
            assert m.stop() == 0
            pub.wait_stderr("reconnecting in")
            pub.write("".join(f"{i}\n" for i in range(21, 41)))
            time.sleep(0.3)
            m.start()
            pub.wait_stderr("reconnected")
            sub.wait_stderr("reconnected (session present)")
            received = set()
            while not {str(i) for i in range(21, 41)} <= received:
                received.add(sub.line(20))
            pub.proc.stdin.close()
            assert pub.proc.wait(15) == 0, pub.stderr
            assert sub.stop() == 0, sub.stderr
        finally:
            if pub:
                pub.kill()
            sub.kill()
    finally:
        m.stop()
