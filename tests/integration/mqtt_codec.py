"""Test-side MQTT 3.1 / 3.1.1 / 5.0 packet encoder and decoder.

Written from the OASIS MQTT 3.1.1 and MQTT 5.0 specifications, independently of
the broker's C++ codec, so that the integration tests can build exact packet bytes
(including deliberately invalid ones) and check exactly what the broker sends.

Conventions
-----------
* ``version`` is the protocol level: 3 (MQTT 3.1, "MQIsdp"), 4 (3.1.1) or 5 (5.0).
* Properties are an ordered list of ``(property_id, value)`` tuples so that order
  and repetition (User Property, Subscription Identifier) are preserved.
  A ``dict`` is accepted too when encoding.  User Property values are ``(key, value)``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Iterable

# --------------------------------------------------------------------------- types
CONNECT = 1
CONNACK = 2
PUBLISH = 3
PUBACK = 4
PUBREC = 5
PUBREL = 6
PUBCOMP = 7
SUBSCRIBE = 8
SUBACK = 9
UNSUBSCRIBE = 10
UNSUBACK = 11
PINGREQ = 12
PINGRESP = 13
DISCONNECT = 14
AUTH = 15

PACKET_NAMES = {
    CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
    PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
    SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE", UNSUBACK: "UNSUBACK",
    PINGREQ: "PINGREQ", PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", AUTH: "AUTH",
}

# ---------------------------------------------------------------- MQTT 5 properties
PAYLOAD_FORMAT_INDICATOR = 0x01
MESSAGE_EXPIRY_INTERVAL = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_IDENTIFIER = 0x0B
SESSION_EXPIRY_INTERVAL = 0x11
ASSIGNED_CLIENT_IDENTIFIER = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTHENTICATION_METHOD = 0x15
AUTHENTICATION_DATA = 0x16
REQUEST_PROBLEM_INFORMATION = 0x17
WILL_DELAY_INTERVAL = 0x18
REQUEST_RESPONSE_INFORMATION = 0x19
RESPONSE_INFORMATION = 0x1A
SERVER_REFERENCE = 0x1C
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
SHARED_SUBSCRIPTION_AVAILABLE = 0x2A

# data types
_BYTE, _U16, _U32, _VARINT, _STR, _BIN, _PAIR = range(7)

PROPERTY_TYPES = {
    PAYLOAD_FORMAT_INDICATOR: _BYTE,
    MESSAGE_EXPIRY_INTERVAL: _U32,
    CONTENT_TYPE: _STR,
    RESPONSE_TOPIC: _STR,
    CORRELATION_DATA: _BIN,
    SUBSCRIPTION_IDENTIFIER: _VARINT,
    SESSION_EXPIRY_INTERVAL: _U32,
    ASSIGNED_CLIENT_IDENTIFIER: _STR,
    SERVER_KEEP_ALIVE: _U16,
    AUTHENTICATION_METHOD: _STR,
    AUTHENTICATION_DATA: _BIN,
    REQUEST_PROBLEM_INFORMATION: _BYTE,
    WILL_DELAY_INTERVAL: _U32,
    REQUEST_RESPONSE_INFORMATION: _BYTE,
    RESPONSE_INFORMATION: _STR,
    SERVER_REFERENCE: _STR,
    REASON_STRING: _STR,
    RECEIVE_MAXIMUM: _U16,
    TOPIC_ALIAS_MAXIMUM: _U16,
    TOPIC_ALIAS: _U16,
    MAXIMUM_QOS: _BYTE,
    RETAIN_AVAILABLE: _BYTE,
    USER_PROPERTY: _PAIR,
    MAXIMUM_PACKET_SIZE: _U32,
    WILDCARD_SUBSCRIPTION_AVAILABLE: _BYTE,
    SUBSCRIPTION_IDENTIFIER_AVAILABLE: _BYTE,
    SHARED_SUBSCRIPTION_AVAILABLE: _BYTE,
}

# ------------------------------------------------------------------ reason codes
RC_SUCCESS = 0x00
RC_GRANTED_QOS_1 = 0x01
RC_GRANTED_QOS_2 = 0x02
RC_DISCONNECT_WITH_WILL = 0x04
RC_NO_MATCHING_SUBSCRIBERS = 0x10
RC_NO_SUBSCRIPTION_EXISTED = 0x11
RC_UNSPECIFIED_ERROR = 0x80
RC_MALFORMED_PACKET = 0x81
RC_PROTOCOL_ERROR = 0x82
RC_IMPLEMENTATION_SPECIFIC = 0x83
RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84
RC_CLIENT_ID_NOT_VALID = 0x85
RC_NOT_AUTHORIZED = 0x87
RC_SERVER_UNAVAILABLE = 0x88
RC_SERVER_BUSY = 0x89
RC_BAD_AUTH_METHOD = 0x8C
RC_KEEP_ALIVE_TIMEOUT = 0x8D
RC_SESSION_TAKEN_OVER = 0x8E
RC_TOPIC_FILTER_INVALID = 0x8F
RC_TOPIC_NAME_INVALID = 0x90
RC_PACKET_ID_IN_USE = 0x91
RC_PACKET_ID_NOT_FOUND = 0x92
RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93
RC_TOPIC_ALIAS_INVALID = 0x94
RC_PACKET_TOO_LARGE = 0x95
RC_MESSAGE_RATE_TOO_HIGH = 0x96
RC_QUOTA_EXCEEDED = 0x97
RC_ADMINISTRATIVE_ACTION = 0x98
RC_PAYLOAD_FORMAT_INVALID = 0x99
RC_RETAIN_NOT_SUPPORTED = 0x9A
RC_QOS_NOT_SUPPORTED = 0x9B
RC_SERVER_SHUTTING_DOWN = 0x8B
RC_SHARED_SUBS_NOT_SUPPORTED = 0x9E
RC_CONNECTION_RATE_EXCEEDED = 0x9F
RC_MAXIMUM_CONNECT_TIME = 0xA0
RC_SUBSCRIPTION_IDS_NOT_SUPPORTED = 0xA1
RC_WILDCARD_SUBS_NOT_SUPPORTED = 0xA2

# MQTT 3.1 / 3.1.1 CONNACK return codes
V3_ACCEPTED = 0
V3_UNACCEPTABLE_PROTOCOL_VERSION = 1
V3_IDENTIFIER_REJECTED = 2
V3_SERVER_UNAVAILABLE = 3
V3_BAD_USERNAME_PASSWORD = 4
V3_NOT_AUTHORIZED = 5


class MalformedPacket(Exception):
    """Raised by the test-side decoder when the broker sent something invalid."""


# ------------------------------------------------------------- primitive encoding
def enc_u8(v: int) -> bytes:
    return struct.pack("!B", v)


def enc_u16(v: int) -> bytes:
    return struct.pack("!H", v)


def enc_u32(v: int) -> bytes:
    return struct.pack("!I", v)


def enc_varint(v: int) -> bytes:
    """Variable Byte Integer (MQTT 5 1.5.5 / 3.1.1 2.2.3)."""
    if v < 0 or v > 268_435_455:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        b = v % 128
        v //= 128
        if v > 0:
            b |= 0x80
        out.append(b)
        if v == 0:
            return bytes(out)


def enc_bin(b: bytes) -> bytes:
    return enc_u16(len(b)) + b


def enc_str(s: str | bytes) -> bytes:
    """UTF-8 Encoded String; ``bytes`` are sent verbatim (to build invalid UTF-8)."""
    raw = s if isinstance(s, (bytes, bytearray)) else s.encode("utf-8")
    return enc_u16(len(raw)) + bytes(raw)


def _as_list(props) -> list[tuple[int, Any]]:
    if props is None:
        return []
    if isinstance(props, dict):
        out = []
        for k, v in props.items():
            if k in (USER_PROPERTY, SUBSCRIPTION_IDENTIFIER) and isinstance(v, list):
                out.extend((k, x) for x in v)
            else:
                out.append((k, v))
        return out
    return list(props)


def enc_properties(props) -> bytes:
    body = bytearray()
    for pid, value in _as_list(props):
        body += enc_varint(pid)
        t = PROPERTY_TYPES.get(pid)
        if t == _BYTE:
            body += enc_u8(value)
        elif t == _U16:
            body += enc_u16(value)
        elif t == _U32:
            body += enc_u32(value)
        elif t == _VARINT:
            body += enc_varint(value)
        elif t == _STR:
            body += enc_str(value)
        elif t == _BIN:
            body += enc_bin(value)
        elif t == _PAIR:
            body += enc_str(value[0]) + enc_str(value[1])
        else:  # unknown id: caller passes raw bytes
            body += bytes(value)
    return enc_varint(len(body)) + bytes(body)


def fixed(ptype: int, flags: int, body: bytes) -> bytes:
    return bytes([(ptype << 4) | (flags & 0x0F)]) + enc_varint(len(body)) + body


# ----------------------------------------------------------------- packet builders
@dataclass
class Will:
    topic: str | bytes
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    props: Any = None


def connect(client_id: str | bytes = "", version: int = 5, clean: bool = True,
            keepalive: int = 60, props=None, will: Will | None = None,
            username: str | None = None, password: bytes | None = None,
            reserved_flag: bool = False, protocol_name: str | None = None) -> bytes:
    """CONNECT (3.1). ``version`` 3 uses protocol name MQIsdp, 4 and 5 use MQTT."""
    if protocol_name is None:
        protocol_name = "MQIsdp" if version == 3 else "MQTT"
    flags = 0
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    if will is not None:
        flags |= 0x04 | ((will.qos & 3) << 3) | (0x20 if will.retain else 0)
    if clean:
        flags |= 0x02
    if reserved_flag:
        flags |= 0x01
    body = enc_str(protocol_name) + enc_u8(version) + enc_u8(flags) + enc_u16(keepalive)
    if version == 5:
        body += enc_properties(props)
    body += enc_str(client_id)
    if will is not None:
        if version == 5:
            body += enc_properties(will.props)
        body += enc_str(will.topic) + enc_bin(will.payload)
    if username is not None:
        body += enc_str(username)
    if password is not None:
        body += enc_bin(password)
    return fixed(CONNECT, 0, body)


def publish(topic: str | bytes, payload: bytes | str = b"", qos: int = 0, retain: bool = False,
            dup: bool = False, pid: int | None = None, props=None, version: int = 5) -> bytes:
    if isinstance(payload, str):
        payload = payload.encode()
    flags = (0x08 if dup else 0) | ((qos & 3) << 1) | (0x01 if retain else 0)
    body = enc_str(topic)
    if qos > 0:
        if pid is None:
            raise ValueError("QoS>0 PUBLISH needs a packet id")
        body += enc_u16(pid)
    elif pid is not None:  # deliberately wrong packets
        body += enc_u16(pid)
    if version == 5:
        body += enc_properties(props)
    return fixed(PUBLISH, flags, body + payload)


def _ack(ptype: int, flags: int, pid: int, rc: int | None, props, version: int) -> bytes:
    body = enc_u16(pid)
    if version == 5 and (rc not in (None, 0) or props):
        body += enc_u8(rc or 0)
        if props:
            body += enc_properties(props)
    return fixed(ptype, flags, body)


def puback(pid: int, rc: int | None = None, props=None, version: int = 5) -> bytes:
    return _ack(PUBACK, 0, pid, rc, props, version)


def pubrec(pid: int, rc: int | None = None, props=None, version: int = 5) -> bytes:
    return _ack(PUBREC, 0, pid, rc, props, version)


def pubrel(pid: int, rc: int | None = None, props=None, version: int = 5) -> bytes:
    return _ack(PUBREL, 2, pid, rc, props, version)


def pubcomp(pid: int, rc: int | None = None, props=None, version: int = 5) -> bytes:
    return _ack(PUBCOMP, 0, pid, rc, props, version)


def sub_options(qos: int = 0, no_local: bool = False, rap: bool = False, rh: int = 0) -> int:
    """MQTT 5 Subscription Options byte (3.8.3.1)."""
    return (qos & 3) | (0x04 if no_local else 0) | (0x08 if rap else 0) | ((rh & 3) << 4)


def subscribe(pid: int, topics: Iterable, props=None, version: int = 5, flags: int = 2) -> bytes:
    """``topics``: iterable of ``(filter, qos_or_options_byte)`` or plain filter strings (QoS 0)."""
    body = enc_u16(pid)
    if version == 5:
        body += enc_properties(props)
    for t in topics:
        if isinstance(t, (str, bytes)):
            t = (t, 0)
        body += enc_str(t[0]) + enc_u8(t[1])
    return fixed(SUBSCRIBE, flags, body)


def unsubscribe(pid: int, topics: Iterable, props=None, version: int = 5, flags: int = 2) -> bytes:
    body = enc_u16(pid)
    if version == 5:
        body += enc_properties(props)
    for t in topics:
        body += enc_str(t)
    return fixed(UNSUBSCRIBE, flags, body)


def pingreq() -> bytes:
    return b"\xc0\x00"


def pingresp() -> bytes:
    return b"\xd0\x00"


def disconnect(rc: int | None = None, props=None, version: int = 5) -> bytes:
    body = b""
    if version == 5 and (rc not in (None, 0) or props):
        body = enc_u8(rc or 0)
        if props:
            body += enc_properties(props)
    return fixed(DISCONNECT, 0, body)


def auth(rc: int = 0, props=None) -> bytes:
    return fixed(AUTH, 0, enc_u8(rc) + enc_properties(props))


# -------- server -> client builders (used to write exact expected bytes in tests)
def connack(rc: int = 0, session_present: bool = False, props=None, version: int = 5) -> bytes:
    body = enc_u8(1 if session_present else 0) + enc_u8(rc)
    if version == 5:
        body += enc_properties(props)
    return fixed(CONNACK, 0, body)


def suback(pid: int, rcs: Iterable[int], props=None, version: int = 5) -> bytes:
    body = enc_u16(pid)
    if version == 5:
        body += enc_properties(props)
    return fixed(SUBACK, 0, body + bytes(rcs))


def unsuback(pid: int, rcs: Iterable[int] = (), props=None, version: int = 5) -> bytes:
    body = enc_u16(pid)
    if version == 5:
        body += enc_properties(props) + bytes(rcs)
    return fixed(UNSUBACK, 0, body)


# ------------------------------------------------------------------------ decoding
class Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise MalformedPacket(f"need {n} bytes at {self.pos}, have {self.remaining()}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack("!H", self.take(2))[0]

    def u32(self) -> int:
        return struct.unpack("!I", self.take(4))[0]

    def varint(self) -> int:
        mult, value = 1, 0
        for i in range(4):
            b = self.u8()
            value += (b & 0x7F) * mult
            if not b & 0x80:
                if i > 0 and b == 0:
                    raise MalformedPacket("non-minimal variable byte integer")
                return value
            mult *= 128
        raise MalformedPacket("variable byte integer longer than 4 bytes")

    def binary(self) -> bytes:
        return self.take(self.u16())

    def string(self) -> str:
        raw = self.binary()
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise MalformedPacket(f"ill-formed UTF-8 from broker: {raw!r}") from e
        if "\x00" in s:
            raise MalformedPacket("U+0000 in string from broker")
        return s

    def properties(self) -> list[tuple[int, Any]]:
        length = self.varint()
        end = self.pos + length
        if end > len(self.data):
            raise MalformedPacket("property length exceeds packet")
        out = []
        while self.pos < end:
            pid = self.varint()
            t = PROPERTY_TYPES.get(pid)
            if t == _BYTE:
                v = self.u8()
            elif t == _U16:
                v = self.u16()
            elif t == _U32:
                v = self.u32()
            elif t == _VARINT:
                v = self.varint()
            elif t == _STR:
                v = self.string()
            elif t == _BIN:
                v = self.binary()
            elif t == _PAIR:
                v = (self.string(), self.string())
            else:
                raise MalformedPacket(f"unknown property id 0x{pid:02x}")
            out.append((pid, v))
        if self.pos != end:
            raise MalformedPacket("property overran its length")
        return out


@dataclass
class Packet:
    type: int
    flags: int
    raw: bytes
    pid: int | None = None
    rc: int | None = None            # CONNACK/acks/DISCONNECT/AUTH reason code
    rcs: list[int] = field(default_factory=list)   # SUBACK / UNSUBACK
    props: list[tuple[int, Any]] = field(default_factory=list)
    session_present: bool | None = None
    topic: str | None = None
    payload: bytes | None = None
    qos: int = 0
    retain: bool = False
    dup: bool = False

    @property
    def name(self) -> str:
        return PACKET_NAMES.get(self.type, f"type{self.type}")

    def prop(self, pid: int, default=None):
        for k, v in self.props:
            if k == pid:
                return v
        return default

    def prop_all(self, pid: int) -> list:
        return [v for k, v in self.props if k == pid]

    def has_prop(self, pid: int) -> bool:
        return any(k == pid for k, _ in self.props)

    @property
    def user_properties(self) -> list[tuple[str, str]]:
        return self.prop_all(USER_PROPERTY)

    @property
    def sub_ids(self) -> list[int]:
        return self.prop_all(SUBSCRIPTION_IDENTIFIER)

    def __repr__(self) -> str:
        parts = [self.name]
        if self.type == PUBLISH:
            parts.append(f"topic={self.topic!r} qos={self.qos} retain={int(self.retain)} dup={int(self.dup)}")
            if self.pid is not None:
                parts.append(f"pid={self.pid}")
            parts.append(f"payload={self.payload[:40]!r}{'...' if len(self.payload) > 40 else ''}")
        else:
            if self.pid is not None:
                parts.append(f"pid={self.pid}")
            if self.session_present is not None:
                parts.append(f"sp={int(self.session_present)}")
            if self.rc is not None:
                parts.append(f"rc=0x{self.rc:02x}")
            if self.rcs:
                parts.append("rcs=[" + ",".join(f"0x{c:02x}" for c in self.rcs) + "]")
        if self.props:
            parts.append(f"props={self.props}")
        return "<" + " ".join(parts) + ">"


def split_frame(buf: bytes) -> tuple[int, int] | None:
    """Return (header_length, total_length) of the first frame in buf, or None if
    more bytes are needed.  Raises MalformedPacket on a > 4 byte length."""
    if len(buf) < 2:
        return None
    mult, value = 1, 0
    for i in range(1, 5):
        if i >= len(buf):
            return None
        b = buf[i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return i + 1, i + 1 + value
        mult *= 128
    raise MalformedPacket("remaining length longer than 4 bytes")


_EXPECTED_FLAGS = {CONNACK: 0, PUBACK: 0, PUBREC: 0, PUBREL: 2, PUBCOMP: 0, SUBACK: 0,
                   UNSUBACK: 0, PINGRESP: 0, DISCONNECT: 0, AUTH: 0, CONNECT: 0,
                   SUBSCRIBE: 2, UNSUBSCRIBE: 2, PINGREQ: 0}


def decode(frame: bytes, version: int = 5) -> Packet:
    """Decode one complete frame (as sent by the broker) strictly."""
    hl, total = split_frame(frame) or (0, -1)
    if total != len(frame):
        raise MalformedPacket("frame length mismatch")
    ptype, flags = frame[0] >> 4, frame[0] & 0x0F
    r = Reader(frame[hl:])
    p = Packet(type=ptype, flags=flags, raw=frame)
    if ptype == 0:
        raise MalformedPacket("reserved packet type 0")
    if ptype != PUBLISH and _EXPECTED_FLAGS.get(ptype) != flags:
        raise MalformedPacket(f"{p.name} with reserved flags {flags:#x}")
    v5 = version == 5
    if ptype == CONNACK:
        ack_flags = r.u8()
        if ack_flags & 0xFE:
            raise MalformedPacket("CONNACK reserved flags set")
        p.session_present = bool(ack_flags & 1)
        p.rc = r.u8()
        if v5:
            p.props = r.properties()
    elif ptype == PUBLISH:
        p.qos = (flags >> 1) & 3
        p.dup = bool(flags & 8)
        p.retain = bool(flags & 1)
        if p.qos == 3:
            raise MalformedPacket("PUBLISH with QoS 3")
        if p.qos == 0 and p.dup:
            raise MalformedPacket("QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]")
        p.topic = r.string()
        if p.qos:
            p.pid = r.u16()
            if p.pid == 0:
                raise MalformedPacket("packet id 0")
        if v5:
            p.props = r.properties()
        p.payload = r.take(r.remaining())
    elif ptype in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        p.pid = r.u16()
        p.rc = 0
        if v5 and r.remaining():
            p.rc = r.u8()
            if r.remaining():
                p.props = r.properties()
    elif ptype in (SUBACK, UNSUBACK):
        p.pid = r.u16()
        if v5:
            p.props = r.properties()
        if ptype == SUBACK or v5:
            p.rcs = list(r.take(r.remaining()))
    elif ptype in (PINGRESP, PINGREQ):
        pass
    elif ptype in (DISCONNECT, AUTH):
        p.rc = 0
        if v5 and r.remaining():
            p.rc = r.u8()
            if r.remaining():
                p.props = r.properties()
    else:
        p.payload = r.take(r.remaining())  # client->server types: not decoded further
    if r.remaining():
        raise MalformedPacket(f"{r.remaining()} trailing bytes in {p.name}")
    return p
