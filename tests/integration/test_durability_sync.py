"""`durability fsync` versus `durability os`, seen from outside: strace follows every thread of a
running tapmqd while a publisher sends QoS 1 messages that a persistent, offline subscriber keeps.

- fsync: each PUBACK leaves only after an fdatasync/fsync of the store's write-ahead log, started
  after the log write that holds the message, has returned (the message is on the disk: a power
  cut cannot take it back);
- os: each PUBACK still follows the log write (the message is in the OS: kill -9 cannot take it
  back, test_durability.py's crash test shows it), but no sync of the log happens at all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

import mqtt_codec as m
from raw_client import RawClient

pytestmark = pytest.mark.mosquitto_skip("tapmq's durability directive")

MESSAGES = 20

# 1234 1765123456.123456 fdatasync(23</store/000004.log>) = 0 <0.000123>
LINE = re.compile(r"^(\d+)\s+(\d+\.\d+) (?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$")


@dataclass
class Call:
    tid: int
    name: str
    start: float
    end: float
    args: str


def parse_strace(text: str) -> list[Call]:
    """Complete system calls from `strace -f -ttt -T -y`, joining unfinished/resumed halves."""
    calls: list[Call] = []
    open_calls: dict[tuple[int, str], tuple[float, str]] = {}
    for line in text.splitlines():
        mt = LINE.match(line)
        if not mt:
            continue
        tid, ts = int(mt[1]), float(mt[2])
        resumed, name, rest = mt[3], mt[4], mt[5]
        duration = re.search(r"<(\d+\.\d+)>\s*$", rest)
        if name and rest.endswith("<unfinished ...>"):
            open_calls[(tid, name)] = (ts, rest)
        elif resumed:
            start, first = open_calls.pop((tid, resumed), (ts, ""))
            end = start + float(duration[1]) if duration else ts
            calls.append(Call(tid, resumed, start, end, first + rest))
        elif name:
            calls.append(Call(tid, name, ts, ts + (float(duration[1]) if duration else 0.0), rest))
    return sorted(calls, key=lambda c: c.start)


def strace_attach(pid: int, out: Path) -> subprocess.Popen:
    assert shutil.which("strace"), "strace is missing: run scripts/install-deps.sh --test"
    p = subprocess.Popen(["strace", "-f", "-ttt", "-T", "-y", "-o", str(out), "-p", str(pid),
                          "-e", "trace=write,pwrite64,writev,fdatasync,fsync,sendto,sendmsg"],
                         stderr=subprocess.PIPE, text=True)
    for line in p.stderr:  # "strace: Process N attached with K threads"
        if "attached" in line:
            return p
    raise AssertionError(f"strace could not attach to {pid}: {p.wait()}")


def run_traced(broker_factory, tmp_path, durability: str) -> tuple[list[Call], str]:
    store = tmp_path / "store"
    store.mkdir()
    b = broker_factory(["persistence true", f"persistence_location {store}", f"durability {durability}"])
    sub = RawClient(b.port, 5)
    sub.connect("keeper", clean=False, props=[(m.SESSION_EXPIRY_INTERVAL, 3600)])
    sub.subscribe(("sync/#", 1), expect_rcs=[1])
    sub.disconnect()
    pub = RawClient(b.port, 5)
    pub.connect("sync-pub")
    trace = tmp_path / "strace.txt"
    tracer = strace_attach(b.proc.pid, trace)
    try:
        for i in range(MESSAGES):
            pub.publish("sync/t", f"message {i}".encode(), qos=1)  # waits for its PUBACK
    finally:
        tracer.terminate()
        tracer.wait(10)
    return parse_strace(trace.read_text()), str(store)


def wal(call: Call) -> bool:
    return re.search(r"\.log>", call.args.split(",")[0]) is not None


def pubacks(calls: list[Call]) -> list[Call]:
    # PUBACK of QoS 1 (0x40, remaining length 2 or more: reason code and properties are optional).
    return [c for c in calls if c.name in ("sendto", "sendmsg", "write", "writev") and "socket:" in c.args
            and re.search(r'"@\\(2|3|4)', c.args)]


def test_fsync_acknowledges_after_the_log_is_synced(broker_factory, tmp_path):
    calls, store = run_traced(broker_factory, tmp_path, "fsync")
    acks = pubacks(calls)
    assert len(acks) == MESSAGES, [c.args for c in acks]
    writes = [c for c in calls if c.name in ("write", "pwrite64", "writev") and wal(c) and store in c.args]
    syncs = [c for c in calls if c.name in ("fdatasync", "fsync") and wal(c)]
    for ack in acks:
        before = [w for w in writes if w.start < ack.start]
        assert before, f"PUBACK at {ack.start} with no log write before it"
        last_write = before[-1]
        assert any(last_write.end <= s.start and s.end <= ack.start for s in syncs), (
            f"PUBACK at {ack.start:.6f}: no sync of the log between its write ({last_write.end:.6f}) and it")


def test_os_acknowledges_after_the_log_write_without_syncing(broker_factory, tmp_path):
    calls, store = run_traced(broker_factory, tmp_path, "os")
    acks = pubacks(calls)
    assert len(acks) == MESSAGES, [c.args for c in acks]
    writes = [c for c in calls if c.name in ("write", "pwrite64", "writev") and wal(c) and store in c.args]
    for ack in acks:
        assert any(w.end <= ack.start for w in writes), f"PUBACK at {ack.start} before any log write"
    syncs = [c for c in calls if c.name in ("fdatasync", "fsync") and wal(c)]
    assert not syncs, [c.args for c in syncs]
