"""Helpers for test_ctl.py and test_spy.py: run `tapmq ctl` to completion, run `tapmq spy` in the
background and await its output lines (events, never sleeps), publish a retained Tap status by hand.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

DEFAULT_TAPMQ = "/work/main/build/debug/tapmq"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def tapmq() -> str:
    """The tapmq that runs ctl and spy: TAPMQ_CTL, else TAPMQ (the one tap_proc.py runs Taps with)."""
    return os.environ.get("TAPMQ_CTL") or os.environ.get("TAPMQ") or DEFAULT_TAPMQ


def prefix(serial: str) -> str:
    return f"IOTIZE_DEV/{serial}_DEV"


def ctl(broker, serial: str | None, *args: str, timeout: float = 30, conn: list[str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs `tapmq ctl` on the broker; returns the finished process (text stdout/stderr)."""
    cmd = [tapmq(), "ctl", *(conn if conn is not None else ["-h", "127.0.0.1", "-p", str(broker.port)])]
    if serial is not None:
        cmd += ["--serial", serial]
    cmd += list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)
    for mk in SANITIZER_MARKERS:
        assert mk not in p.stderr, p.stderr
    return p


class Background:
    """A tapmq process whose stdout lines are read by a thread and awaited with wait_line()."""

    def __init__(self, cmd: list[str]):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        self.lines: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        self._open = 2  # reader threads not at EOF yet
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True).start()

    def _read(self, stream, into):
        for line in iter(stream.readline, ""):
            with self._cond:
                into.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._open -= 1
            self._cond.notify_all()

    def wait_line(self, pred, timeout: float = 10.0, start: int = 0, stream: str = "out") -> str:
        """The first line from `start` on for which pred(line) (or `pred in line` for a string)."""
        test = (lambda l: pred in l) if isinstance(pred, str) else pred
        into = self.lines if stream == "out" else self.err
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in into[start:]:
                    if test(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self._open == 0:
                    raise AssertionError(f"no matching line within {timeout}s in {self.cmd}:\n" +
                                         "\n".join(into[-40:]) + "\nstderr:\n" + "\n".join(self.err[-20:]))
                self._cond.wait(min(left, 0.2))

    def stop(self, sig=signal.SIGINT, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.drain()
        return rc

    def drain(self, timeout: float = 10) -> None:
        """Waits until both output streams are read to their end (the process has exited)."""
        with self._cond:
            self._cond.wait_for(lambda: self._open == 0, timeout)

    def text(self) -> str:
        with self._cond:
            return "\n".join(self.lines)


def spy(broker, *args: str, conn: list[str] | None = None) -> Background:
    """Starts `tapmq spy` and returns once it has subscribed ("watching" on stderr)."""
    cmd = [tapmq(), "spy", *(conn if conn is not None else ["-h", "127.0.0.1", "-p", str(broker.port)]), *args]
    b = Background(cmd)
    b.wait_line("watching", stream="err")
    return b


def publish(port: int, topic: str, payload: bytes | str, retain: bool = False, qos: int = 1,
            version=mqtt.MQTTv311, properties=None) -> None:
    """Publishes one message and returns once it is acknowledged."""
    c = mqtt.Client(client_id=f"pub-{os.urandom(4).hex()}", protocol=version)
    c.connect("127.0.0.1", port, 60)
    c.loop_start()
    try:
        info = c.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        info.wait_for_publish(10)
        assert info.is_published()
    finally:
        c.disconnect()
        c.loop_stop()


def retained_status(port: int, serial: str, status: dict) -> None:
    publish(port, f"{prefix(serial)}/status", json.dumps(status), retain=True)


def get_request_apdu(obj: int, inst: int | None, res: int) -> bytes:
    """A GET request APDU written from tap-protocol.md §1 (independent of src/tap)."""
    body = bytes([1]) + obj.to_bytes(2, "big") + (0xFFFF if inst is None else inst).to_bytes(2, "big") + \
        res.to_bytes(2, "big")
    return bytes([0xA2, 0xCA, 0, 0, len(body)]) + body
