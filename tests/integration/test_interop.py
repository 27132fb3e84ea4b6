"""Interoperability with the Mosquitto command line clients (mosquitto_pub / mosquitto_sub 2.0)."""

import queue
import shutil
import subprocess
import threading
import time

import pytest

from helpers import uid


@pytest.fixture(autouse=True)
def _mosquitto_clients():
    # A missing tool is a failure, not a skip: CI must run these (scripts/install-deps.sh --test).
    if not (shutil.which("mosquitto_pub") and shutil.which("mosquitto_sub")):
        pytest.fail("mosquitto_pub/mosquitto_sub are not installed: apt-get install mosquitto-clients")

VERSIONS = {"mqttv311": 4, "mqttv5": 5}
FMT = "MSG|%t|%q|%r|%p"
STDBUF = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []


class Sub:
    """mosquitto_sub in the background; its lines are collected by a reader thread."""

    def __init__(self, port, topic, version="mqttv5", qos=0, count=1, extra=(), wait_s=10, fmt=FMT):
        # stdbuf: mosquitto_sub's stdout is block-buffered into a pipe; line-buffer it
        self.cmd = [*STDBUF, "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", version, "-q", str(qos),
                    "-t", topic, "-C", str(count), "-W", str(wait_s), "-d", "-F", fmt, *extra]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.lines: queue.Queue = queue.Queue()
        self.all: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.all.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, needle, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"mosquitto_sub: {needle!r} not seen; output: {self.all}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"mosquitto_sub exited ({self.proc.poll()}) before {needle!r}: {self.all}")
            if needle in line:
                return line

    def subscribed(self):
        return self.wait_for("received SUBACK")

    def messages(self, n, timeout=10.0):
        out = []
        while len(out) < n:
            line = self.wait_for("MSG|", timeout)
            _, topic, qos, retain, payload = line.split("|", 4)
            out.append((topic, int(qos), int(retain), payload))
        return out

    def finish(self, timeout=10.0):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"mosquitto_sub did not exit: {self.all}") from None
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def pub(port, topic, message, version="mqttv5", qos=0, retain=False, extra=()):
    cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", version, "-q", str(qos),
           "-t", topic, "-m", message, *extra]
    if retain:
        cmd.append("-r")
    r = subprocess.run(cmd, capture_output=True, timeout=15)
    assert r.returncode == 0, f"mosquitto_pub failed ({r.returncode}): {r.stdout!r} {r.stderr!r}"


@pytest.fixture
def subs():
    started = []
    yield started
    for s in started:
        s.kill()


@pytest.mark.parametrize("version", list(VERSIONS))
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_pub_sub(broker, subs, version, qos):
    """mosquitto_pub -> broker -> mosquitto_sub at QoS 0/1/2 over 3.1.1 and 5.0."""
    topic = uid("ip/")
    s = Sub(broker.port, topic, version, qos, count=1)
    subs.append(s)
    s.subscribed()
    pub(broker.port, topic, f"hello-{qos}", version, qos)
    assert s.messages(1) == [(topic, qos, 0, f"hello-{qos}")]
    assert s.finish() == 0


@pytest.mark.parametrize("version", list(VERSIONS))
def test_retained(broker, subs, version):
    """mosquitto_pub -r stores a retained message that a later mosquitto_sub receives (retain 1)."""
    topic = uid("ipr/")
    pub(broker.port, topic, "kept", version, 1, retain=True)
    s = Sub(broker.port, topic, version, 1, count=1)
    subs.append(s)
    assert s.messages(1) == [(topic, 1, 1, "kept")]
    assert s.finish() == 0
    # and -r with an empty message (-n) deletes it
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", version,
                        "-t", topic, "-r", "-n"], capture_output=True, timeout=15)
    assert r.returncode == 0
    s2 = Sub(broker.port, topic, version, 0, count=1, extra=["-E"])
    subs.append(s2)
    s2.subscribed()
    assert s2.finish() == 0
    assert not any(line.startswith("MSG|") for line in s2.all), s2.all


@pytest.mark.parametrize("version", list(VERSIONS))
def test_count_and_wildcard(broker, subs, version):
    """mosquitto_sub -C 5 on a wildcard receives 5 messages in order and exits 0."""
    base = uid("ipc")
    s = Sub(broker.port, f"{base}/#", version, 1, count=5)
    subs.append(s)
    s.subscribed()
    for i in range(5):
        pub(broker.port, f"{base}/n{i}", f"m{i}", version, 1)
    assert [x[3] for x in s.messages(5)] == [f"m{i}" for i in range(5)]
    assert s.finish() == 0


def test_timeout_without_messages(broker, subs):
    """mosquitto_sub -W 1 with no message exits (non-zero) within the timeout: the broker keeps the
    idle connection healthy and lets it go."""
    s = Sub(broker.port, uid("ipw/"), "mqttv5", 0, count=1, wait_s=1)
    subs.append(s)
    s.subscribed()
    t0 = time.monotonic()
    rc = s.finish(timeout=5)
    assert rc != 0 and time.monotonic() - t0 < 4


def test_v5_user_properties(broker, subs):
    """mosquitto_pub -D publish user-property reaches mosquitto_sub (%P)."""
    topic = uid("ipu/")
    s = Sub(broker.port, topic, "mqttv5", 1, count=1, fmt="MSG|%t|%q|%r|%P")
    subs.append(s)
    s.subscribed()
    pub(broker.port, topic, "x", "mqttv5", 1, extra=["-D", "publish", "user-property", "key1", "value1"])
    line = s.wait_for("MSG|")
    assert "key1:value1" in line, line
    assert s.finish() == 0


@pytest.mark.parametrize("version", list(VERSIONS))
def test_raw_to_mosquitto_sub(broker, subs, client, version):
    """A raw test client publishes to a mosquitto_sub subscriber (binary-safe payload text)."""
    topic = uid("ipx/")
    s = Sub(broker.port, topic, version, 2, count=1)
    subs.append(s)
    s.subscribed()
    c = client(uid(), VERSIONS[version])
    c.publish(topic, b"from-raw", qos=2)
    assert s.messages(1) == [(topic, 2, 0, "from-raw")]
    assert s.finish() == 0


@pytest.mark.parametrize("version", list(VERSIONS))
def test_mosquitto_pub_to_raw(broker, client, version):
    """mosquitto_pub at QoS 2 is received by a raw subscriber exactly once."""
    topic = uid("ipy/")
    c = client(uid(), VERSIONS[version])
    c.subscribe((topic, 2))
    pub(broker.port, topic, "exactly-once", version, 2)
    c.expect_publish(topic, b"exactly-once", qos=2)
    assert c.sync() == []
