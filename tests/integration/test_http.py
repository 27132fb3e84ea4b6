"""tapmqd speaks HTTP on its websockets listeners (issue 18): the files of ``http_dir`` (as
Mosquitto's), ``GET /metrics`` in the Prometheus text format and ``GET /healthz``
(``http_metrics``, ``http_metrics_allow``), beside MQTT over WebSocket on the same port, over TLS
too. Bad requests get their status in bounded time: oversized headers, a slow client, path tricks,
too many requests on one connection.

Normal requests go through http.client; the nasty ones through raw sockets."""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from prometheus_client.parser import text_string_to_metric_families

from broker_proc import broker_binary, reserve_port
from test_tls import Pki, ws_roundtrip

SECRET = b"top-secret-outside-http-dir"
APP_JS = b"export const answer = 42;\n" * 400  # compressible, 10 KB


@pytest.fixture
def www(tmp_path) -> Path:
    root = tmp_path / "www"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_bytes(b"<!doctype html><title>tapmq</title>")
    (root / "app.js").write_bytes(APP_JS)
    (root / "mod.mjs").write_bytes(b"export {}")
    (root / "style.css").write_bytes(b"body { margin: 0 }" * 50)
    (root / "style.css.gz").write_bytes(gzip.compress(b"/* precompressed */"))
    (root / "icon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (root / "manifest.webmanifest").write_bytes(b'{"name": "tapmq"}')
    (root / "data.json").write_bytes(b'{"a": 1}')
    (root / "mod.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "sub" / "index.html").write_bytes(b"sub index")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    os.symlink(tmp_path / "secret.txt", root / "leak.txt")
    os.symlink(tmp_path, root / "up")
    return root


def http_broker(broker_factory, www: Path | None, *extra: str, tls: list[str] | None = None):
    port = reserve_port()
    lines = tls(port) if tls else [f"listener {port} 127.0.0.1"]
    lines += ["protocol websockets"]
    if www is not None:
        lines.append(f"http_dir {www}")
    lines += list(extra)
    b = broker_factory(lines)
    b.wait_log(rf"listen socket on port {port} \(websockets")
    b.http_port = port
    return b


def get(port: int, path: str, headers: dict | None = None, method: str = "GET", context=None):
    if context is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        conn = http.client.HTTPSConnection("localhost", port, timeout=10, context=context)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Sends `data`, returns everything until the server closes (or `timeout`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(response: bytes) -> int:
    line = response.split(b"\r\n", 1)[0]
    assert line.startswith(b"HTTP/1.1 "), response[:200]
    return int(line.split()[1])


# ---------------------------------------------------------------------------------- static files

def test_index_and_content_types(broker_factory, www):
    b = http_broker(broker_factory, www)
    status, h, body = get(b.http_port, "/")
    assert (status, body) == (200, b"<!doctype html><title>tapmq</title>")
    assert h["content-type"] == "text/html; charset=utf-8"
    expected = {
        "/app.js": "text/javascript; charset=utf-8",
        "/mod.mjs": "text/javascript; charset=utf-8",
        "/style.css": "text/css; charset=utf-8",
        "/icon.svg": "image/svg+xml",
        "/icon.png": "image/png",
        "/manifest.webmanifest": "application/manifest+json",
        "/data.json": "application/json",
        "/mod.wasm": "application/wasm",
    }
    for path, ctype in expected.items():
        status, h, body = get(b.http_port, path)
        assert status == 200, path
        assert h["content-type"] == ctype, path
        assert body == (www / path[1:]).read_bytes(), path
    status, _, body = get(b.http_port, "/sub/")
    assert (status, body) == (200, b"sub index")
    status, h, _ = get(b.http_port, "/sub")
    assert status == 301 and h["location"] == "/sub/"


def test_no_directory_listing_and_missing_files(broker_factory, www):
    b = http_broker(broker_factory, www)
    assert get(b.http_port, "/empty/")[0] == 404
    assert get(b.http_port, "/nope.js")[0] == 404


def test_etag_and_if_none_match(broker_factory, www):
    b = http_broker(broker_factory, www)
    status, h, _ = get(b.http_port, "/app.js")
    etag = h["etag"]
    assert status == 200 and etag.startswith('"')
    status, h2, body = get(b.http_port, "/app.js", {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert h2["etag"] == etag
    assert get(b.http_port, "/app.js", {"If-None-Match": '"stale"'})[0] == 200
    (www / "app.js").write_bytes(APP_JS + b"// v2\n")
    status, h3, body = get(b.http_port, "/app.js", {"If-None-Match": etag})
    assert status == 200 and h3["etag"] != etag and body.endswith(b"// v2\n")


def test_gzip_on_the_fly_and_precompressed(broker_factory, www):
    b = http_broker(broker_factory, www)
    status, h, body = get(b.http_port, "/app.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
    assert len(body) < len(APP_JS) // 10
    assert gzip.decompress(body) == APP_JS
    status, h, body = get(b.http_port, "/style.css", {"Accept-Encoding": "gzip"})
    assert h["content-encoding"] == "gzip" and h["content-type"] == "text/css; charset=utf-8"
    assert gzip.decompress(body) == b"/* precompressed */"
    status, h, body = get(b.http_port, "/app.js", {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in h and body == APP_JS
    status, h, body = get(b.http_port, "/icon.png", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in h


def test_head_and_other_methods(broker_factory, www):
    b = http_broker(broker_factory, www)
    _, h_get, body = get(b.http_port, "/app.js", {"Accept-Encoding": "gzip"})
    status, h, body_head = get(b.http_port, "/app.js", {"Accept-Encoding": "gzip"}, method="HEAD")
    assert status == 200 and body_head == b""
    assert h["content-length"] == h_get["content-length"] and h["etag"] == h_get["etag"]
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, h, _ = get(b.http_port, "/app.js", method=method)
        assert status == 405, method
        assert h["allow"] == "GET, HEAD"
    # A request with a body is refused without reading it.
    response = raw_exchange(b.http_port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    assert status_of(response) == 405


@pytest.mark.parametrize("target", [
    b"/../secret.txt", b"/%2e%2e/secret.txt", b"/%2E%2E%2Fsecret.txt", b"/.%2e/secret.txt",
    b"/sub/../../secret.txt", b"/..%2fsecret.txt", b"/sub%2f..%2f..%2fsecret.txt", b"/leak.txt",
    b"/up/secret.txt", b"/index.html%00.png", b"/..\\secret.txt", b"/%", b"http://x/../secret.txt",
])
def test_path_escapes_are_refused(broker_factory, www, target):
    b = http_broker(broker_factory, www)
    response = raw_exchange(b.http_port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(response) in (400, 404), response[:200]
    assert SECRET not in response


def test_raw_nul_in_target_is_a_bad_request(broker_factory, www):
    b = http_broker(broker_factory, www)
    response = raw_exchange(b.http_port, b"GET /index.html\0../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(response) == 400
    assert SECRET not in response


# ------------------------------------------------------------------------------ bounded requests

def test_oversized_headers_get_431(broker_factory, www):
    b = http_broker(broker_factory, www)
    big = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Filler: " + b"a" * 20000 + b"\r\n\r\n"
    response = raw_exchange(b.http_port, big)
    assert status_of(response) == 431
    assert b.running()


def test_slow_request_gets_408_within_the_header_deadline(broker_factory, www):
    b = http_broker(broker_factory, www, "connect_timeout 0")  # the HTTP deadline alone
    with socket.create_connection(("127.0.0.1", b.http_port), timeout=20) as s:
        start = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            # a slowloris client trickles a header line now and then; the deadline does not move
            try:
                s.sendall(b"X-A: b\r\n")
            except OSError:
                pass
        took = time.monotonic() - start
    assert status_of(data) == 408
    assert 9 <= took < 14, took


def test_keep_alive_serves_at_most_100_requests_per_connection(broker_factory, www):
    b = http_broker(broker_factory, www)
    requests = b"GET /data.json HTTP/1.1\r\nHost: x\r\n\r\n" * 101
    response = raw_exchange(b.http_port, requests, timeout=20)
    assert response.count(b"HTTP/1.1 200 OK") == 100
    last = response.rsplit(b"HTTP/1.1 200 OK", 1)[1]
    assert b"Connection: close" in last


def test_http_1_0_and_connection_close_end_the_connection(broker_factory, www):
    b = http_broker(broker_factory, www)
    response = raw_exchange(b.http_port, b"GET /data.json HTTP/1.0\r\n\r\n")
    assert response.startswith(b"HTTP/1.0 200 OK") and response.endswith(b'{"a": 1}')


# ----------------------------------------------------------------------------- /metrics, /healthz

def scrape(port: int) -> dict:
    status, h, body = get(port, "/metrics")
    assert status == 200
    assert h["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    strict_check(text)
    values = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            values[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return values


def strict_check(text: str) -> None:
    """What prometheus_client's parser lets pass: every sample after its family's HELP and TYPE,
    no family twice, counters ending in _total, the text ending with a newline."""
    assert text.endswith("\n")
    typed = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in typed, f"family {name} twice"
            assert kind in ("counter", "gauge", "histogram"), line
            if kind == "counter":
                assert name.endswith("_total"), name
            typed[name] = kind
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        base = name
        for suffix in ("_bucket", "_sum", "_count"):
            if base not in typed and base.endswith(suffix):
                base = base[: -len(suffix)]
        assert base in typed, f"sample before its TYPE: {line}"


def value(values: dict, name: str, **labels) -> float:
    return values[(name, tuple(sorted(labels.items())))]


def test_metrics_move_with_mqtt_traffic(broker_factory, www):
    b = http_broker(broker_factory, www, "http_metrics true")
    before = scrape(b.http_port)
    assert value(before, "tapmq_build_info", version=next(
        dict(k[1])["version"] for k in before if k[0] == "tapmq_build_info")) == 1
    listener = {"listener": f"port {b.http_port}", "address": "127.0.0.1", "protocol": "websockets",
                "tls": "false"}

    sub = paho.Client(client_id="metrics-sub", protocol=paho.MQTTv311)
    got = threading.Event()
    count = {"n": 0}

    def on_message(c, u, m):
        count["n"] += 1
        if count["n"] == 3:
            got.set()
    sub.on_message = on_message
    subscribed = threading.Event()
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.connect("127.0.0.1", b.port)
    sub.loop_start()
    try:
        sub.subscribe("m/#", qos=2)
        assert subscribed.wait(10)
        pub = paho.Client(client_id="metrics-pub", protocol=paho.MQTTv311)
        pub.connect("127.0.0.1", b.port)
        pub.loop_start()
        for qos in (0, 1, 2):
            pub.publish("m/t", b"x" * 100, qos=qos, retain=(qos == 1)).wait_for_publish(10)
        assert got.wait(10)
        during = scrape(b.http_port)
        assert value(during, "tapmq_clients_connected") == value(before, "tapmq_clients_connected") + 2
        pub.loop_stop()
        pub.disconnect()
    finally:
        sub.loop_stop()
        sub.disconnect()
    for qos in ("0", "1", "2"):
        assert value(during, "tapmq_publish_received_total", qos=qos) == \
            value(before, "tapmq_publish_received_total", qos=qos) + 1
        assert value(during, "tapmq_publish_sent_total", qos=qos) >= \
            value(before, "tapmq_publish_sent_total", qos=qos) + 1
    assert value(during, "tapmq_bytes_received_total") >= value(before, "tapmq_bytes_received_total") + 300
    assert value(during, "tapmq_bytes_sent_total") > value(before, "tapmq_bytes_sent_total")
    assert value(during, "tapmq_subscriptions") == value(before, "tapmq_subscriptions") + 1
    assert value(during, "tapmq_retained_messages") >= 1
    assert value(during, "tapmq_sessions") >= 2
    assert value(during, "tapmq_uptime_seconds") >= 0
    # Our own scrapes are counted on the HTTP listener.
    assert value(during, "tapmq_listener_http_responses_total", code="2xx", **listener) >= 1
    assert value(during, "tapmq_listener_connections_accepted_total", **listener) >= 1
    tcp = {"listener": f"port {b.port}", "address": "127.0.0.1", "protocol": "mqtt", "tls": "false"}
    assert value(during, "tapmq_listener_connections_accepted_total", **tcp) == \
        value(before, "tapmq_listener_connections_accepted_total", **tcp) + 2


def test_queued_messages_gauge_follows_offline_sessions(broker_factory, www):
    """tapmq_messages_queued: QoS 1 messages kept for an offline persistent session, back to 0 when
    it resumes and receives them, and when a clean start discards them."""
    b = http_broker(broker_factory, www, "http_metrics true")
    base = value(scrape(b.http_port), "tapmq_messages_queued")

    def session(clean: bool, expect: int = 0) -> None:
        got = threading.Event()
        received = []
        c = paho.Client(client_id="queue-keeper", clean_session=clean, protocol=paho.MQTTv311)
        c.on_message = lambda cl, u, m: (received.append(m.payload), len(received) == expect and got.set())
        subscribed = threading.Event()
        c.on_subscribe = lambda *a: subscribed.set()
        c.connect("127.0.0.1", b.port)
        c.loop_start()
        try:
            if not clean:
                c.subscribe("q/#", qos=1)
                assert subscribed.wait(10)
            if expect:
                assert got.wait(10), received
        finally:
            c.loop_stop()
            c.disconnect()

    def publish(n: int) -> None:
        pub = paho.Client(client_id="queue-filler", protocol=paho.MQTTv311)
        pub.connect("127.0.0.1", b.port)
        pub.loop_start()
        try:
            for i in range(n):
                pub.publish("q/t", f"{i}".encode(), qos=1).wait_for_publish(10)  # PUBACK: routed
        finally:
            pub.loop_stop()
            pub.disconnect()

    session(clean=False)
    publish(3)
    assert value(scrape(b.http_port), "tapmq_messages_queued") == base + 3
    session(clean=False, expect=3)  # resumes: the three go out
    assert value(scrape(b.http_port), "tapmq_messages_queued") == base
    publish(2)
    assert value(scrape(b.http_port), "tapmq_messages_queued") == base + 2
    session(clean=True)  # a clean start discards the session and what it kept
    assert value(scrape(b.http_port), "tapmq_messages_queued") == base


def test_metrics_with_persistence_count_store_syncs(broker_factory, www, tmp_path):
    b = http_broker(broker_factory, www, "http_metrics true", "persistence true",
                    f"persistence_location {tmp_path}")
    before = scrape(b.http_port)
    pub = paho.Client(client_id="durable", clean_session=False, protocol=paho.MQTTv311)
    pub.connect("127.0.0.1", b.port)
    pub.loop_start()
    try:
        pub.publish("d/t", b"keep", qos=1, retain=True).wait_for_publish(10)
    finally:
        pub.loop_stop()
        pub.disconnect()
    after = scrape(b.http_port)
    assert value(after, "tapmq_store_syncs_total") > value(before, "tapmq_store_syncs_total")
    assert value(after, "tapmq_store_sync_seconds_count") == value(after, "tapmq_store_syncs_total")
    assert value(after, "tapmq_store_sync_seconds_bucket", le="+Inf") == value(after, "tapmq_store_syncs_total")
    assert value(after, "tapmq_store_sync_seconds_sum") > 0


def test_healthz(broker_factory):
    b = http_broker(broker_factory, None, "http_metrics true")
    status, h, body = get(b.http_port, "/healthz")
    assert (status, body) == (200, b"ok\n")
    # Without http_dir, the rest is not found.
    assert get(b.http_port, "/index.html")[0] == 404


def test_metrics_are_off_unless_enabled(broker_factory, www):
    b = http_broker(broker_factory, www)
    assert get(b.http_port, "/metrics")[0] == 404
    assert get(b.http_port, "/healthz")[0] == 404


def test_metrics_allow_list(broker_factory, www):
    b = http_broker(broker_factory, www, "http_metrics true", "http_metrics_allow 10.0.0.0/8 192.168.0.0/16")
    assert get(b.http_port, "/metrics")[0] == 403
    assert get(b.http_port, "/healthz")[0] == 403
    assert get(b.http_port, "/")[0] == 200  # the files are for everyone
    b2 = http_broker(broker_factory, www, "http_metrics true", "http_metrics_allow 127.0.0.0/8")
    assert get(b2.http_port, "/metrics")[0] == 200


def test_bad_http_dir_stops_start_up(tmp_path):
    port = reserve_port()
    conf = tmp_path / "bad.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nprotocol websockets\nhttp_dir {tmp_path}/missing\n")
    r = subprocess.run([broker_binary(), "-c", str(conf)], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert f"{conf}:1: listener {port}: http_dir '{tmp_path}/missing': No such file or directory" in r.stderr + r.stdout


# --------------------------------------------------------------------- WebSocket on the same port

def test_websocket_mqtt_and_http_share_the_port(broker_factory, www):
    b = http_broker(broker_factory, www, "http_metrics true")
    assert get(b.http_port, "/")[0] == 200
    assert ws_roundtrip(b.http_port) == [b"over websocket"]
    assert get(b.http_port, "/app.js")[0] == 200
    values = scrape(b.http_port)
    listener = {"listener": f"port {b.http_port}", "address": "127.0.0.1", "protocol": "websockets",
                "tls": "false"}
    assert value(values, "tapmq_listener_http_responses_total", code="1xx", **listener) == 1  # the upgrade


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.server = p.issue("server", "localhost")
    return p


def test_https_and_wss_on_one_port(broker_factory, www, pki):
    crt, key = pki.server
    b = http_broker(broker_factory, www, "http_metrics true",
                    tls=lambda port: [f"listener {port} 127.0.0.1", f"certfile {crt}", f"keyfile {key}"])
    ctx = ssl.create_default_context(cafile=str(pki.ca_crt))
    status, h, body = get(b.http_port, "/app.js", {"Accept-Encoding": "gzip"}, context=ctx)
    assert status == 200 and gzip.decompress(body) == APP_JS
    status, _, body = get(b.http_port, "/healthz", context=ctx)
    assert (status, body) == (200, b"ok\n")
    assert ws_roundtrip(b.http_port, pki.ca_crt) == [b"over websocket"]
    status, _, body = get(b.http_port, "/metrics", context=ctx)
    assert status == 200 and b'tls="true"' in body
