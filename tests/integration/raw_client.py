"""A raw-socket MQTT client for exact, byte-level integration tests.

Every read has a timeout (``DEFAULT_TIMEOUT`` unless given); nothing in here sleeps.
"""

from __future__ import annotations

import errno
import socket
import time

import mqtt_codec as m

DEFAULT_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The broker closed the connection (EOF or reset)."""


class NoPacket(AssertionError):
    """No packet arrived within the timeout."""


class RawClient:
    def __init__(self, port: int, version: int = 5, host: str = "127.0.0.1",
                 timeout: float = DEFAULT_TIMEOUT, rcvbuf: int | None = None):
        self.version = version
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = bytearray()
        self.closed_by_peer = False
        self.next_pid = 1
        self.topic_aliases: dict[int, str] = {}   # broker -> client aliases seen
        self.connack: m.Packet | None = None
        self.pending: list[m.Packet] = []   # packets stashed while waiting for an ack

    # ------------------------------------------------------------------- basics
    def pid(self) -> int:
        p = self.next_pid
        self.next_pid = self.next_pid % 65535 + 1
        return p

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Send, returning False instead of raising if the broker already closed."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Close with RST (SO_LINGER 0): an abnormal network close."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed_by_peer = True
            raise ConnectionClosed("connection closed by broker")
        self.buf += chunk

    # ------------------------------------------------------------------ reading
    def read_frame(self, timeout: float | None = None) -> bytes:
        """Read exactly one complete packet (raw bytes)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            fr = m.split_frame(bytes(self.buf[:5]))
            if fr is not None and len(self.buf) >= fr[1]:
                frame = bytes(self.buf[:fr[1]])
                del self.buf[:fr[1]]
                return frame
            try:
                self._fill(deadline)
            except socket.timeout:
                raise NoPacket(f"no complete packet within {timeout or self.timeout}s "
                               f"(buffered {bytes(self.buf[:16])!r})") from None

    def recv(self, timeout: float | None = None) -> m.Packet:
        """Read and decode one packet; broker->client topic aliases are resolved
        (the decoded ``topic`` is the full name, the alias stays in ``props``)."""
        if self.pending:
            return self.pending.pop(0)
        p = m.decode(self.read_frame(timeout), self.version)
        if p.type == m.PUBLISH and self.version == 5:
            alias = p.prop(m.TOPIC_ALIAS)
            if alias is not None:
                if p.topic:
                    self.topic_aliases[alias] = p.topic
                else:
                    assert alias in self.topic_aliases, f"broker used unknown topic alias {alias}"
                    p.topic = self.topic_aliases[alias]
        return p

    def wait_for(self, ptype: int, pid: int | None = None, timeout: float | None = None) -> m.Packet:
        """Receive until a packet of ``ptype`` (and ``pid``) arrives; other packets
        are kept, in order, for the following ``recv`` calls."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        stash, got = [], None
        try:
            while got is None:
                p = self.recv(max(0.0, deadline - time.monotonic()))
                if p.type == ptype and (pid is None or p.pid == pid):
                    got = p
                else:
                    stash.append(p)
        finally:
            self.pending[:0] = stash
        return got

    def expect(self, ptype: int, timeout: float | None = None, **fields) -> m.Packet:
        """Receive one packet and assert its type (and optional decoded fields)."""
        p = self.recv(timeout)
        assert p.type == ptype, f"expected {m.PACKET_NAMES[ptype]}, got {p!r}"
        for k, v in fields.items():
            assert getattr(p, k) == v, f"{p!r}: expected {k}={v!r}, got {getattr(p, k)!r}"
        return p

    def expect_packet(self, expected: bytes, timeout: float | None = None) -> bytes:
        """Receive one packet and compare its exact bytes."""
        got = self.pending.pop(0).raw if self.pending else self.read_frame(timeout)
        assert got == expected, f"expected {expected.hex(' ')}, got {got.hex(' ')} ({self._describe(got)})"
        return got

    def _describe(self, frame: bytes) -> str:
        try:
            return repr(m.decode(frame, self.version))
        except Exception as e:  # noqa: BLE001
            return f"undecodable: {e}"

    def expect_closed(self, timeout: float | None = None, allow_disconnect: bool = False) -> m.Packet | None:
        """Assert the broker closes the connection without sending anything else
        (a v5 DISCONNECT is tolerated when ``allow_disconnect``; it is returned)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        got = None
        if self.pending:
            raise AssertionError(f"expected the connection to be closed, got {self.pending[0]!r}")
        while True:
            try:
                frame = self.read_frame(max(0.0, deadline - time.monotonic()))
            except ConnectionClosed:
                return got
            except NoPacket:
                raise AssertionError(f"connection not closed within {timeout or self.timeout}s") from None
            p = m.decode(frame, self.version)
            if allow_disconnect and p.type == m.DISCONNECT and got is None:
                got = p
                continue
            raise AssertionError(f"expected the connection to be closed, got {p!r}")

    def expect_disconnect(self, reason: int | tuple | None = None, timeout: float | None = None) -> m.Packet:
        """v5: expect a DISCONNECT (with ``reason``, or one of a tuple of reasons),
        then the close of the connection.  Other packets before it are skipped only
        if they are PUBLISH/acks sent before the broker noticed the problem."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                p = self.recv(max(0.0, deadline - time.monotonic()))
            except ConnectionClosed:
                raise AssertionError(f"connection closed without DISCONNECT (expected reason {reason!r})") from None
            if p.type == m.DISCONNECT:
                break
            if p.type in (m.PUBLISH, m.PUBACK, m.PUBREC, m.PUBCOMP, m.PUBREL, m.SUBACK, m.UNSUBACK, m.PINGRESP):
                continue
            raise AssertionError(f"expected DISCONNECT, got {p!r}")
        if reason is not None:
            allowed = reason if isinstance(reason, tuple) else (reason,)
            assert p.rc in allowed, f"DISCONNECT reason 0x{p.rc:02x}, expected " + \
                "/".join(f"0x{r:02x}" for r in allowed)
        self.expect_closed(max(0.5, deadline - time.monotonic()))
        return p

    def expect_error_close(self, v5_reason: int | tuple | None, timeout: float | None = None) -> m.Packet | None:
        """The broker must close the connection because of an error: for MQTT 5 with
        a DISCONNECT carrying ``v5_reason``; for 3.1.1 by just closing."""
        if self.version == 5:
            return self.expect_disconnect(v5_reason, timeout)
        return self.expect_closed(timeout)

    def expect_no_packet(self, within: float = 0.5) -> None:
        """Negative check bounded by ``within`` (use only where no event exists to await)."""
        assert not self.pending, f"unexpected packet {self.pending[0]!r}"
        try:
            frame = self.read_frame(within)
        except NoPacket:
            return
        raise AssertionError(f"unexpected packet {self._describe(frame)}")

    def is_open(self, timeout: float = 2.0) -> bool:
        """Round-trip a PINGREQ: True if the broker answered."""
        try:
            self.send(m.pingreq())
            while True:
                p = self.recv(timeout)
                if p.type == m.PINGRESP:
                    return True
        except (ConnectionClosed, NoPacket, OSError):
            return False

    def sync(self, timeout: float | None = None) -> list[m.Packet]:
        """PINGREQ barrier: return every packet received before the PINGRESP.
        Everything the broker sent as a consequence of earlier packets from *this*
        connection has arrived when this returns."""
        self.send(m.pingreq())
        out = []
        while True:
            p = self.recv(timeout)
            if p.type == m.PINGRESP:
                return out
            out.append(p)

    # --------------------------------------------------------- protocol helpers
    def connect(self, client_id: str | bytes = "", clean: bool = True, keepalive: int = 60,
                props=None, will: m.Will | None = None, username=None, password=None,
                expect_rc: int | None = 0, **kw) -> m.Packet | None:
        self.send(m.connect(client_id, self.version, clean, keepalive, props, will,
                            username, password, **kw))
        if expect_rc is None:
            return None
        p = self.expect(m.CONNACK)
        assert p.rc == expect_rc, f"CONNACK rc 0x{p.rc:02x}, expected 0x{expect_rc:02x}: {p!r}"
        self.connack = p
        return p

    def subscribe(self, *topics, props=None, sub_id: int | None = None,
                  expect_rcs: list[int] | None = None) -> m.Packet:
        """``topics``: ``(filter, qos_or_options)`` tuples or filters (QoS 0).
        Returns the SUBACK; asserts the granted codes when ``expect_rcs`` is given,
        otherwise asserts success (< 0x80) for each filter."""
        if sub_id is not None:
            props = list(m._as_list(props)) + [(m.SUBSCRIPTION_IDENTIFIER, sub_id)]
        pid = self.pid()
        self.send(m.subscribe(pid, topics, props, self.version))
        p = self.wait_for(m.SUBACK)
        assert p.pid == pid, f"SUBACK packet id {p.pid}, expected {pid} [MQTT-3.8.4-2]"
        if expect_rcs is not None:
            assert p.rcs == expect_rcs, f"SUBACK codes {p.rcs}, expected {expect_rcs}"
        else:
            assert len(p.rcs) == len(topics) and all(c < 0x80 for c in p.rcs), f"SUBACK failed: {p!r}"
        return p

    def unsubscribe(self, *topics, props=None) -> m.Packet:
        pid = self.pid()
        self.send(m.unsubscribe(pid, topics, props, self.version))
        p = self.wait_for(m.UNSUBACK)
        assert p.pid == pid
        return p

    def publish(self, topic, payload=b"", qos: int = 0, retain: bool = False, props=None,
                dup: bool = False, pid: int | None = None, wait: bool = True) -> int | None:
        """Publish; for QoS 1/2 completes the handshake (when ``wait``) and returns the pid."""
        if qos and pid is None:
            pid = self.pid()
        self.send(m.publish(topic, payload, qos, retain, dup, pid, props, self.version))
        if not wait or qos == 0:
            return pid
        if qos == 1:
            ack = self.wait_for(m.PUBACK, pid)
            assert ack.rc < 0x80, f"PUBACK error {ack!r}"
        else:
            rec = self.wait_for(m.PUBREC, pid)
            assert rec.rc < 0x80, f"PUBREC error {rec!r}"
            self.send(m.pubrel(pid, version=self.version))
            comp = self.wait_for(m.PUBCOMP, pid)
            assert comp.rc == 0, f"bad PUBCOMP {comp!r}"
        return pid

    def ack(self, p: m.Packet) -> None:
        """Acknowledge a received PUBLISH (PUBACK, or PUBREC/PUBREL/PUBCOMP flow)."""
        if p.qos == 1:
            self.send(m.puback(p.pid, version=self.version))
        elif p.qos == 2:
            self.send(m.pubrec(p.pid, version=self.version))
            self.wait_for(m.PUBREL, p.pid)
            self.send(m.pubcomp(p.pid, version=self.version))

    def expect_publish(self, topic: str | None = None, payload: bytes | None = None,
                       qos: int | None = None, retain: bool | None = None,
                       timeout: float | None = None, ack: bool = True) -> m.Packet:
        """Receive a PUBLISH (asserting the given fields) and acknowledge it."""
        p = self.expect(m.PUBLISH, timeout)
        if topic is not None:
            assert p.topic == topic, f"topic {p.topic!r}, expected {topic!r}: {p!r}"
        if payload is not None:
            assert p.payload == payload, f"payload {p.payload!r}, expected {payload!r}"
        if qos is not None:
            assert p.qos == qos, f"QoS {p.qos}, expected {qos}: {p!r}"
        if retain is not None:
            assert p.retain == retain, f"retain {p.retain}, expected {retain}: {p!r}"
        if ack:
            self.ack(p)
        return p

    def disconnect(self, rc: int | None = None, props=None, wait_close: bool = True) -> None:
        """Send DISCONNECT; then half-close and wait (bounded) for the broker to close."""
        self.send(m.disconnect(rc, props, self.version))
        if wait_close:
            try:
                self.sock.shutdown(socket.SHUT_WR)
                self.expect_closed(self.timeout)
            except OSError as e:
                if e.errno not in (errno.ENOTCONN, errno.EPIPE):
                    raise
        self.close()
