"""A man-in-the-middle TCP proxy that frames MQTT in both directions and lets a test tamper with
the PUBLISH packets the broker sends to subscribers (drop, duplicate, reorder).

    proxy = MitmProxy(broker.port, on_publish=policy).start()
    ... point a client at proxy.port ...
    proxy.stop()

``policy(conn, packet)`` is called for every PUBLISH the broker sends to a connection that has
sent a SUBSCRIBE (one call at a time, under the proxy's lock, in the order the broker sent them
on that connection) and returns the list of frames (bytes) to forward instead of ``packet.raw``:
``[]`` drops it, ``[p.raw, p.raw]`` duplicates it.  Everything else is forwarded unchanged.
``conn`` carries ``client_id``, ``version`` and ``subscriber`` (True after a SUBSCRIBE).
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

import mqtt_codec as m


def bench_header(payload: bytes) -> tuple[int, int]:
    """(publisher id, sequence number) of a `tapmq bench` payload (native = little-endian here)."""
    return struct.unpack_from("<II", payload, 0)


@dataclass
class Conn:
    client: socket.socket
    upstream: socket.socket
    client_id: str | None = None
    version: int = 4
    subscriber: bool = False
    publishes_in: int = 0       # PUBLISH frames the broker sent on this connection
    publishes_out: int = 0      # PUBLISH frames forwarded to the client (after the policy)
    closed: bool = False
    threads: list = field(default_factory=list)


def _parse_connect(frame: bytes) -> tuple[int, str]:
    hl, _ = m.split_frame(frame)
    r = m.Reader(frame[hl:])
    r.string()            # protocol name
    level = r.u8()
    r.u8()                # connect flags
    r.u16()               # keep alive
    if level == 5:
        r.properties()
    return level, r.string()


class MitmProxy:
    def __init__(self, upstream_port: int, on_publish=None, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.on_publish = on_publish
        self.lock = threading.Lock()
        self.conns: list[Conn] = []
        self.errors: list[str] = []
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = False
        self.port: int | None = None

    # ----------------------------------------------------------------- life cycle
    def start(self) -> "MitmProxy":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(256)
        self._listener = s
        self.port = s.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            self._close(c)
        for c in conns:
            for t in c.threads:
                t.join(5)
        if self._accept_thread is not None:
            self._accept_thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --------------------------------------------------------------------- plumbing
    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                cs, _ = self._listener.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(self.upstream, timeout=5)
            except OSError as e:
                self.errors.append(f"upstream connect: {e}")
                cs.close()
                continue
            up.settimeout(None)
            for s in (cs, up):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Conn(cs, up)
            with self.lock:
                self.conns.append(c)
            c.threads = [threading.Thread(target=self._pump, args=(c, True), daemon=True),
                         threading.Thread(target=self._pump, args=(c, False), daemon=True)]
            for t in c.threads:
                t.start()

    def _close(self, c: Conn) -> None:
        c.closed = True
        for s in (c.client, c.upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _pump(self, c: Conn, to_broker: bool) -> None:
        src, dst = (c.client, c.upstream) if to_broker else (c.upstream, c.client)
        buf = bytearray()
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                out = bytearray()
                while True:
                    sp = m.split_frame(bytes(buf[:5]))
                    if sp is None or len(buf) < sp[1]:
                        break
                    frame = bytes(buf[:sp[1]])
                    del buf[:sp[1]]
                    out += self._client_frame(c, frame) if to_broker else self._broker_frame(c, frame)
                if out:
                    dst.sendall(out)
        except OSError:
            pass
        except Exception as e:  # a decoding failure is a test failure: keep it visible
            self.errors.append(f"{'c->b' if to_broker else 'b->c'} {c.client_id}: {e!r}")
        finally:
            self._close(c)

    def _client_frame(self, c: Conn, frame: bytes) -> bytes:
        ptype = frame[0] >> 4
        if ptype == m.CONNECT:
            c.version, c.client_id = _parse_connect(frame)
        elif ptype == m.SUBSCRIBE:
            c.subscriber = True
        return frame

    def _broker_frame(self, c: Conn, frame: bytes) -> bytes:
        if frame[0] >> 4 != m.PUBLISH:
            return frame
        with self.lock:
            c.publishes_in += 1
            if not c.subscriber or self.on_publish is None:
                c.publishes_out += 1
                return frame
            p = m.decode(frame, 5 if c.version == 5 else 4)
            frames = self.on_publish(c, p)
            c.publishes_out += len(frames)
            return b"".join(frames)

    # ------------------------------------------------------------------- queries
    def subscribers(self) -> list[Conn]:
        with self.lock:
            return [c for c in self.conns if c.subscriber]
