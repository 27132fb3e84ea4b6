"""Start and stop the real `tapmq tap` for the black-box tests.

    tap = tap_factory(broker, serial="IoTzPr0041", extra=["--netkey", "k"])

starts `tapmq tap --serial SERIAL -h 127.0.0.1 -p PORT --state-dir TMP/SERIAL ...` and returns once
the Tap's retained status on IOTIZE_DEV/<serial>_DEV/status says online (an event, not a sleep).
At teardown every Tap still running gets SIGTERM and must exit 0 with a retained offline status.

Environment: TAPMQ, the tapmq binary (default /work/main/build/debug/tapmq).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import paho.mqtt.client as mqtt

from tap_client import prefix

DEFAULT_TAPMQ = "/work/main/build/debug/tapmq"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def tapmq_binary() -> str:
    return os.environ.get("TAPMQ") or DEFAULT_TAPMQ


def wait_status(port: int, serial: str, state: str, timeout: float = 20.0, host: str = "127.0.0.1",
                pred=None, **tls) -> dict:
    """Subscribes to the Tap's status topic until a message with `state` (and `pred`) arrives."""
    q: queue.Queue = queue.Queue()
    c = mqtt.Client(client_id=f"status-{os.urandom(4).hex()}", protocol=mqtt.MQTTv311)
    if tls:
        c.tls_set(**tls)
    c.on_message = lambda cl, ud, m: q.put(bytes(m.payload))
    c.on_connect = lambda cl, ud, fl, rc: cl.subscribe(f"{prefix(serial)}/status", 1)
    c.connect(host, port, 60)
    c.loop_start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{serial}: no '{state}' status within {timeout}s")
            try:
                j = json.loads(q.get(timeout=left))
            except queue.Empty:
                continue
            if j.get("state") == state and (pred is None or pred(j)):
                return j
    finally:
        c.disconnect()
        c.loop_stop()


class TapProcess:
    def __init__(self, workdir: Path, port: int, serial: str, extra: list[str], name: str,
                 state_dir: Path | None = None, host: str = "127.0.0.1", connection: list[str] | None = None):
        self.serial = serial
        self.port = port
        self.host = host
        self.state_dir = state_dir or (workdir / f"state-{serial}")
        self.name = name
        conn = connection if connection is not None else ["-h", host, "-p", str(port)]
        self.cmd = [tapmq_binary(), "tap", "--serial", serial, *conn, "--state-dir", str(self.state_dir),
                    "--log-level", "debug", *extra]
        self.log: list[str] = []
        self._cond = threading.Condition()
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"{name}.log"

    def start(self, wait: bool = True, status_tls: dict | None = None) -> "TapProcess":
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()
        if wait:
            self.status = wait_status(self.port, self.serial, "online", host=self.host, **(status_tls or {}))
        return self

    def _read(self):
        with open(self.log_path, "a", encoding="utf-8", errors="replace") as f:
            for raw in iter(self.proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                f.write(line)
                f.flush()
                with self._cond:
                    self.log.append(line)
                    self._cond.notify_all()

    def wait_log(self, text: str, timeout: float = 10.0, start: int = 0) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.log[start:]:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: log line '{text}' not seen within {timeout}s:\n" +
                                         "".join(self.log[-30:]))
                self._cond.wait(left)

    def log_text(self) -> str:
        with self._cond:
            return "".join(self.log)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.running():
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not exit within {timeout}s") from None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def tap_factory(request, tmp_path):
    taps: list[TapProcess] = []
    counter = iter(range(1000))

    def start(broker, serial: str = "IoTzPr0041", extra=(), wait: bool = True, **kw) -> TapProcess:
        t = TapProcess(tmp_path, broker.port, serial, list(extra), name=f"tap{next(counter)}-{serial}", **kw)
        taps.append(t)
        return t.start(wait=wait)

    yield start

    problems = []
    for t in taps:
        if not t.running():
            continue
        rc = t.stop()
        if rc != 0:
            problems.append(f"{t.name}: exit status {rc} after SIGTERM")
        if any(mk in t.log_text() for mk in SANITIZER_MARKERS):
            problems.append(f"{t.name}: sanitizer report")
    if problems:
        pytest.fail("tap teardown: " + "; ".join(problems) + "\n" +
                    "\n".join("".join(t.log[-30:]) for t in taps), pytrace=False)
