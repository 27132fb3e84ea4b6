"""Start and stop a real broker process (tapmqd, or Mosquitto as the reference).

Environment:
  TAPMQD       path of the tapmqd binary (default /work/main/build/debug/tapmqd)
  BROKER_KIND  "tapmqd" (default) or "mosquitto" (runs /usr/sbin/mosquitto, or $MOSQUITTO)
"""

from __future__ import annotations

import collections
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

DEFAULT_TAPMQD = "/work/main/build/debug/tapmqd"
LISTEN_RE = re.compile(r"Opening ipv4 listen socket on port (\d+)\.")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                     "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")
START_TIMEOUT = float(os.environ.get("TAPMQ_START_TIMEOUT", "20"))
STOP_TIMEOUT = float(os.environ.get("TAPMQ_STOP_TIMEOUT", "20"))
RUNNING_GRACE = 2.0


def broker_kind() -> str:
    return os.environ.get("BROKER_KIND", "tapmqd").strip().lower() or "tapmqd"


def is_mosquitto() -> bool:
    return broker_kind() == "mosquitto"


def broker_binary() -> str:
    if is_mosquitto():
        return os.environ.get("MOSQUITTO", "/usr/sbin/mosquitto")
    return os.environ.get("TAPMQD") or DEFAULT_TAPMQD


_recent_ports: collections.deque[int] = collections.deque(maxlen=512)


def reserve_port() -> int:
    """A currently free loopback port (bind 0, read it, close).

    The kernel may hand the same ephemeral port out again right after it is
    closed, so a test asking for several ports (extra listeners next to the
    broker's own) could get one twice; ports given out recently by this
    process are never returned again."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _recent_ports:
            _recent_ports.append(port)
            return port


class BrokerStartError(RuntimeError):
    pass


class Broker:
    """A running broker with a log reader thread.

    ``log`` holds every line it wrote (stdout and stderr merged) so far."""

    def __init__(self, workdir: Path, extra_config: list[str] | None = None,
                 env: dict | None = None, verbose: bool = True, name: str = "broker"):
        self.workdir = Path(workdir)
        self.extra_config = list(extra_config or [])
        self.env = env
        self.verbose = verbose
        self.name = name
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log: list[str] = []
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self.returncode: int | None = None
        self.config_path = self.workdir / f"{name}.conf"
        self.log_path = self.workdir / f"{name}.log"

    # ---------------------------------------------------------------- config
    def config_text(self, port: int) -> str:
        lines = [f"listener {port} 127.0.0.1", "allow_anonymous true"]
        if is_mosquitto():
            lines += ["persistence false"]
        lines += self.extra_config
        return "\n".join(lines) + "\n"

    # ----------------------------------------------------------------- start
    def start(self, attempts: int = 5) -> "Broker":
        last = ""
        for _ in range(attempts):
            port = reserve_port()
            self.config_path.write_text(self.config_text(port))
            ok, last = self._spawn(port)
            if ok:
                self.port = port
                return self
            if "in use" not in last.lower():
                break
        raise BrokerStartError(f"broker did not start: {last}")

    def _spawn(self, port: int) -> tuple[bool, str]:
        binary = broker_binary()
        if not os.access(binary, os.X_OK):
            raise BrokerStartError(f"broker binary {binary} not found or not executable "
                                   "(build tapmqd, or set TAPMQD / BROKER_KIND=mosquitto)")
        cmd = [binary, "-c", str(self.config_path)]
        if self.verbose:
            cmd.append("-v")
        env = dict(os.environ)
        # keep ASan's quarantine small so that memory-bound checks measure the broker
        asan = env.get("ASAN_OPTIONS", "detect_leaks=1")
        if "quarantine_size_mb" not in asan:
            asan += ":quarantine_size_mb=16"  # ASan's default 256 MB would show up as broker RSS
        env["ASAN_OPTIONS"] = asan
        if self.env:
            env.update(self.env)
        self.log = []
        self.returncode = None
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=self.workdir)
        self._reader = threading.Thread(target=self._read_log, args=(self.proc,), daemon=True)
        self._reader.start()
        want = re.compile(rf"Opening ipv4 listen socket on port {port}\.")
        running = re.compile(r"version \S+ running")
        deadline = time.monotonic() + START_TIMEOUT
        seen_listen_at = None
        with self._cond:
            while True:
                if seen_listen_at is None and any(want.search(line) for line in self.log):
                    seen_listen_at = time.monotonic()
                # Both Mosquitto and tapmqd log the listening line just before listen(); the
                # "version X running" line that follows marks the end of start-up.  Where no
                # such line comes, the listening line alone is trusted after RUNNING_GRACE.
                if seen_listen_at is not None and (
                        any(running.search(line) for line in self.log)
                        or time.monotonic() - seen_listen_at >= RUNNING_GRACE):
                    return True, ""
                if self.proc.poll() is not None and not self._reader.is_alive():
                    return False, f"exited with {self.proc.returncode}: " + "".join(self.log[-20:])
                left = deadline - time.monotonic()
                if seen_listen_at is not None:
                    left = min(left, seen_listen_at + RUNNING_GRACE - time.monotonic())
                if left <= 0 and seen_listen_at is None:
                    self.proc.kill()
                    self.proc.wait()
                    return False, "timed out waiting for the listening line: " + "".join(self.log[-20:])
                self._cond.wait(max(left, 0.001))

    def _read_log(self, proc: subprocess.Popen) -> None:
        with open(self.log_path, "a", encoding="utf-8", errors="replace") as f:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                f.write(line)
                f.flush()
                with self._cond:
                    self.log.append(line)
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------------ logs
    def wait_log(self, pattern: str, timeout: float = 5.0, start: int = 0) -> str:
        """Wait until a log line (from index ``start``) matches ``pattern``."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.log[start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"log line /{pattern}/ not seen within {timeout}s")
                self._cond.wait(left)

    def log_text(self) -> str:
        with self._cond:
            return "".join(self.log)

    def sanitizer_errors(self) -> list[str]:
        text = self.log_text()
        return [mk for mk in SANITIZER_MARKERS if mk in text]

    # ------------------------------------------------------------------ stop
    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"broker did not exit within {timeout}s") from None
        if self._reader is not None:
            self._reader.join(5)
        return self.returncode

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Signal the broker and wait for it to exit; returns the exit status."""
        if self.running():
            self.send_signal(sig)
        return self.wait_exit(timeout)

    def rss_kib(self) -> int:
        """Resident set size of the broker process in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"
