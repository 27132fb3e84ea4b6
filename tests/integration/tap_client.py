"""An independent Tap requester for the black-box tests, written from tap-protocol.md (not from
src/tap): APDUs built by hand, netkey sealing with the `cryptography` package (HKDF-SHA256,
AES-128-GCM), and a paho-mqtt requester speaking MQTT 5 (Response Topic + Correlation Data) or
3.1.1 (reply ids: <prefix>/cmd/<id> -> <prefix>/resp/<id>).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import queue
import ssl
import struct
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

GET, POST, PUT = 1, 2, 3
ABSENT = 0xFFFF

# Result codes (§1)
CHANGED, CONTENT = 0x44, 0x45
BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, METHOD_NOT_ALLOWED = 0x80, 0x81, 0x84, 0x85
NOT_IMPLEMENTED = 0xA1


def prefix(serial: str) -> str:
    return f"IOTIZE_DEV/{serial}_DEV"


# ---------------------------------------------------------------------------- frames (§1)
def path(text: str) -> tuple[int, int, int]:
    """'/1024//9' -> (1024, 0xFFFF, 9)."""
    parts = text.split("/")
    assert parts[0] == "" and len(parts) == 4, text
    return tuple(int(p) if p else ABSENT for p in parts[1:])  # type: ignore[return-value]


def tap_request(method: int, p: str, payload: bytes = b"") -> bytes:
    o, i, r = path(p)
    return struct.pack(">BHHH", method, o, i, r) + payload


def apdu(method: int, p: str, payload: bytes = b"") -> bytes:
    body = tap_request(method, p, payload)
    ins = 0xCA if method == GET else 0xDA
    if len(body) <= 255:
        lc = bytes([len(body)])
    else:
        lc = b"\x00" + struct.pack(">H", len(body))
    return bytes([0xA2, ins, 0, 0]) + lc + body


def parse_response(data: bytes) -> tuple[int, bytes]:
    assert len(data) >= 3 and data[-2:] == b"\x90\x00", f"not a response APDU: {data.hex()}"
    return data[0], data[1:-2]


def password_hash(password: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha1", password.encode(), b"n0 salt in 1oTi2e", 4096, 16)


def login_payload(user: str, password: str) -> bytes:
    u = user.encode()
    assert len(u) <= 16
    return u + b"\x00" * (16 - len(u)) + password_hash(password)


def multi_command(items: list[tuple[int, str, bytes, int]]) -> bytes:
    """items: (method, path, payload, expected code) -> POST /1024//89 payload."""
    out = b""
    for method, p, payload, expected in items:
        req = tap_request(method, p, payload)
        out += struct.pack(">H", len(req)) + req + bytes([expected])
    return out


def parse_multi_reply(data: bytes) -> list[tuple[int, bytes]]:
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from(">H", data, i)
        i += 2
        resp = data[i:i + n]
        i += n
        out.append((resp[0], resp[1:]))
    return out


# -------------------------------------------------------------------------- sealing (§5)
TO_TAP, FROM_TAP = 0, 1


def derive_key(netkey: str, serial: str, direction: int) -> bytes:
    info = b"tapmq netkey v1 to-tap" if direction == TO_TAP else b"tapmq netkey v1 from-tap"
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=serial.encode(), info=info).derive(netkey.encode())


def seal(key: bytes, direction: int, sender: int, counter: int, t: int, topic: str, plaintext: bytes,
         version: int = 1) -> bytes:
    header = struct.pack(">BBIQI", version, direction, sender, counter, t)
    nonce = struct.pack(">IQ", sender, counter)
    return header + AESGCM(key).encrypt(nonce, plaintext, header + topic.encode())


def unseal(key: bytes, frame: bytes, topic: str) -> tuple[dict, bytes]:
    """Opens a frame (raises on a bad tag); returns (header fields, plaintext)."""
    version, direction, sender, counter, t = struct.unpack_from(">BBIQI", frame)
    header = frame[:18]
    nonce = struct.pack(">IQ", sender, counter)
    plain = AESGCM(key).decrypt(nonce, frame[18:], header + topic.encode())
    return {"version": version, "direction": direction, "sender": sender, "counter": counter, "time": t}, plain


class SealState:
    """A requester's side of a netkey: its own sender id and counter, and the Tap's key."""

    def __init__(self, netkey: str, serial: str, sender: int | None = None):
        self.to_key = derive_key(netkey, serial, TO_TAP)
        self.from_key = derive_key(netkey, serial, FROM_TAP)
        self.sender = sender or (int.from_bytes(os.urandom(4), "big") or 1)
        self.counter = 0

    def seal(self, topic: str, plaintext: bytes, t: int | None = None, **kw) -> bytes:
        self.counter += 1
        return seal(self.to_key, kw.pop("direction", TO_TAP), self.sender, kw.pop("counter", self.counter),
                    int(time.time()) if t is None else t, topic, plaintext, **kw)

    def open(self, frame: bytes, topic: str) -> tuple[dict, bytes]:
        return unseal(self.from_key, frame, topic)


# ------------------------------------------------------------------------------ requester
class Requester:
    """Sends requests to one Tap and matches the answers.

    version 5: answers on `response_topic` (default a unique one), matched by Correlation Data.
    version 4 (3.1.1): requests on <prefix>/cmd/<reply_id> (or the bare cmd topic when reply_id
    is ""), answers on the matching resp topic, matched by order.
    """

    def __init__(self, port: int, serial: str, version: int = 5, netkey: str | None = None,
                 reply_id: str | None = None, response_topic: str | None = None, host: str = "127.0.0.1",
                 client_id: str = "", sender: int | None = None, **tls):
        self.serial = serial
        self.prefix = prefix(serial)
        self.version = version
        self.seal_state = SealState(netkey, serial, sender) if netkey else None
        uid = os.urandom(4).hex()
        if version == 5:
            self.c = mqtt.Client(client_id=client_id or f"req-{uid}", protocol=mqtt.MQTTv5)
            self.response_topic = response_topic or f"replies/{uid}"
            self.cmd_topic = f"{self.prefix}/cmd"
            self.resp_topic = self.response_topic
        else:
            self.c = mqtt.Client(client_id=client_id or f"req-{uid}", protocol=mqtt.MQTTv311)
            self.reply_id = uid if reply_id is None else reply_id
            self.cmd_topic = f"{self.prefix}/cmd/{self.reply_id}" if self.reply_id else f"{self.prefix}/cmd"
            self.resp_topic = f"{self.prefix}/resp/{self.reply_id}" if self.reply_id else f"{self.prefix}/resp"
        if tls:
            self.c.tls_set(tls_version=ssl.PROTOCOL_TLS_CLIENT,
                           **{k: v for k, v in tls.items() if k in ("ca_certs", "certfile", "keyfile")})
        if "username" in tls:
            self.c.username_pw_set(tls["username"], tls.get("password"))
        self.answers: queue.Queue = queue.Queue()
        self.by_corr: dict[bytes, queue.Queue] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._subscribed = threading.Event()
        self.connect_rc = None
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = lambda *a, **k: self._subscribed.set()
        self.c.connect(host, port, 60)
        self.c.loop_start()
        assert self._ready.wait(10), "requester: no CONNACK"
        assert self.connect_rc == 0, f"requester: CONNACK {self.connect_rc}"
        self.c.subscribe(self.resp_topic, qos=1)
        assert self._subscribed.wait(10), "requester: no SUBACK"
        self._corr = itertools.count(1)

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connect_rc = rc if isinstance(rc, int) else rc.value
        self._ready.set()

    def _on_message(self, client, userdata, msg):
        corr = None
        if self.version == 5 and msg.properties is not None and hasattr(msg.properties, "CorrelationData"):
            corr = bytes(msg.properties.CorrelationData)
        with self._lock:
            q = self.by_corr.get(corr) if corr is not None else None
        (q or self.answers).put((msg.topic, bytes(msg.payload), corr))

    # sending ---------------------------------------------------------------
    def send_raw(self, payload: bytes, topic: str | None = None, correlation: bytes | None = None) -> queue.Queue:
        """Publishes `payload` as is (QoS 1); returns the queue its answer will arrive on."""
        topic = topic or self.cmd_topic
        q: queue.Queue = self.answers
        props = None
        if self.version == 5:
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = self.response_topic
            corr = correlation if correlation is not None else struct.pack(">Q", next(self._corr)) + os.urandom(4)
            props.CorrelationData = corr
            q = queue.Queue()
            with self._lock:
                self.by_corr[corr] = q
        info = self.c.publish(topic, payload, qos=1, properties=props)
        info.wait_for_publish(10)
        return q

    def wait(self, q: queue.Queue, timeout: float = 10.0) -> tuple[str, bytes, bytes | None]:
        try:
            return q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer from {self.serial} within {timeout}s") from None

    def request_frame(self, method: int, p: str, payload: bytes = b"") -> bytes:
        frame = apdu(method, p, payload)
        if self.seal_state:
            frame = self.seal_state.seal(self.cmd_topic, frame)
        return frame

    def request(self, method: int, p: str, payload: bytes = b"", timeout: float = 10.0) -> tuple[int, bytes]:
        q = self.send_raw(self.request_frame(method, p, payload))
        topic, data, _ = self.wait(q, timeout)
        if self.seal_state:
            header, data = self.seal_state.open(data, topic)
            assert header["direction"] == FROM_TAP
        return parse_response(data)

    def get(self, p: str, payload: bytes = b"") -> tuple[int, bytes]:
        return self.request(GET, p, payload)

    def put(self, p: str, payload: bytes) -> tuple[int, bytes]:
        return self.request(PUT, p, payload)

    def post(self, p: str, payload: bytes = b"") -> tuple[int, bytes]:
        return self.request(POST, p, payload)

    def login(self, user: str, password: str) -> int:
        return self.post("/1024//0", login_payload(user, password))[0]

    def close(self):
        try:
            self.c.disconnect()
        finally:
            self.c.loop_stop()


class Watcher:
    """Collects every message on some filters (status, data, event...)."""

    def __init__(self, port: int, filters: list[str], host: str = "127.0.0.1", version: int = 5,
                 client_id: str = "", clean: bool = True, **tls):
        uid = os.urandom(4).hex()
        proto = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        if version == 5:
            self.c = mqtt.Client(client_id=client_id or f"watch-{uid}", protocol=proto)
        else:
            self.c = mqtt.Client(client_id=client_id or f"watch-{uid}", protocol=proto, clean_session=clean)
        if tls:
            self.c.tls_set(tls_version=ssl.PROTOCOL_TLS_CLIENT,
                           **{k: v for k, v in tls.items() if k in ("ca_certs", "certfile", "keyfile")})
        self.messages: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._subs = threading.Semaphore(0)
        self.c.on_connect = lambda *a, **k: self._ready.set()
        self.c.on_message = lambda cl, ud, m: self.messages.put((m.topic, bytes(m.payload), m.retain))
        self.c.on_subscribe = lambda *a, **k: self._subs.release()
        self.c.reconnect_delay_set(0.2, 1)  # back soon after a broker restart
        if version == 5:
            from paho.mqtt.properties import Properties as P
            props = None
            if not clean:
                props = P(PacketTypes.CONNECT)
                props.SessionExpiryInterval = 3600
            self.c.connect(host, port, 60, clean_start=clean, properties=props)
        else:
            self.c.connect(host, port, 60)
        self.c.loop_start()
        assert self._ready.wait(10), "watcher: no CONNACK"
        for f in filters:
            self.c.subscribe(f, qos=1)
            assert self._subs.acquire(timeout=10), "watcher: no SUBACK"

    def next(self, timeout: float = 10.0, topic: str | None = None):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"watcher: nothing on {topic or 'its filters'} within {timeout}s")
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if topic is None or m[0] == topic:
                return m

    def next_json(self, topic: str, timeout: float = 10.0, pred=None):
        deadline = time.monotonic() + timeout
        while True:
            t, payload, retain = self.next(max(deadline - time.monotonic(), 0.01), topic)
            j = json.loads(payload)
            if pred is None or pred(j):
                return j

    def close(self):
        try:
            self.c.disconnect()
        finally:
            self.c.loop_stop()
