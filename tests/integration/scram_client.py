"""SCRAM-SHA-256 (RFC 5802, RFC 7677) written from the RFCs with hashlib/hmac/base64 only, so that
the broker's implementation is checked against an independent one, and the MQTT 5 enhanced
authentication exchange (spec 4.12) over a RawClient."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import mqtt_codec as m

METHOD = "SCRAM-SHA-256"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes, bytes]:
    """(ClientKey, StoredKey, ServerKey)."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return client_key, hashlib.sha256(client_key).digest(), server_key


def file_entry(user: str, password: str, iterations: int = 4096, salt: bytes | None = None) -> str:
    """One auth_scram_file line, RFC 5803's form: user:SCRAM-SHA-256$i:salt$StoredKey:ServerKey."""
    salt = salt or os.urandom(16)
    _, stored, server = keys(password, salt, iterations)
    return f"{user}:SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


class Scram:
    def __init__(self, user: str, password: str, nonce: str | None = None):
        self.user, self.password = user, password
        self.nonce = nonce or b64(os.urandom(18))
        self.server_signature = b""

    def client_first(self) -> bytes:
        name = self.user.replace("=", "=3D").replace(",", "=2C")
        self.bare = f"n={name},r={self.nonce}"
        return ("n,," + self.bare).encode()

    def client_final(self, server_first: bytes) -> bytes:
        text = server_first.decode()
        attrs = dict(kv.split("=", 1) for kv in text.split(","))
        nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"], validate=True), int(attrs["i"])
        assert nonce.startswith(self.nonce) and len(nonce) > len(self.nonce), text
        assert iterations >= 4096, text
        client_key, stored, server_key = keys(self.password, salt, iterations)
        without_proof = f"c={b64(b'n,,')},r={nonce}"
        auth_message = f"{self.bare},{text},{without_proof}".encode()
        signature = hmac.new(stored, auth_message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_signature = hmac.new(server_key, auth_message, "sha256").digest()
        return f"{without_proof},p={b64(proof)}".encode()

    def verify(self, server_final: bytes) -> None:
        assert server_final == b"v=" + b64(self.server_signature).encode(), server_final


def auth_props(data: bytes | None, method: str = METHOD) -> list:
    props = [(m.AUTHENTICATION_METHOD, method)]
    if data is not None:
        props.append((m.AUTHENTICATION_DATA, data))
    return props


def start(c, client_id: str, scram: Scram, will: m.Will | None = None, props=()) -> m.Packet:
    """CONNECT with the client-first message; returns the broker's answer (AUTH or CONNACK)."""
    c.send(m.connect(client_id, 5, True, 60, auth_props(scram.client_first()) + list(props), will))
    return c.recv()


def login(c, client_id: str, user: str, password: str, expect_rc: int = 0) -> m.Packet:
    """The whole exchange; returns the CONNACK (asserting its code, and the server signature on
    success)."""
    s = Scram(user, password)
    p = start(c, client_id, s)
    assert p.type == m.AUTH and p.rc == 0x18, p
    assert p.prop(m.AUTHENTICATION_METHOD) == METHOD, p
    c.send(m.auth(0x18, auth_props(s.client_final(p.prop(m.AUTHENTICATION_DATA)))))
    p = c.expect(m.CONNACK)
    assert p.rc == expect_rc, f"CONNACK rc 0x{p.rc:02x}, expected 0x{expect_rc:02x}: {p!r}"
    if expect_rc == 0:
        assert p.prop(m.AUTHENTICATION_METHOD) == METHOD, p
        s.verify(p.prop(m.AUTHENTICATION_DATA))
        c.connack = p
    return p
