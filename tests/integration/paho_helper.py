"""Synchronous wrapper around paho-mqtt 1.6 (MQTT 3.1.1 and 5) for the tests.

Every wait is bounded; messages are collected in a queue."""

from __future__ import annotations

import queue
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TIMEOUT = 5.0


class PahoClient:
    def __init__(self, port: int, client_id: str = "", version: int = 5, clean: bool = True,
                 keepalive: int = 60, connect_props: Properties | None = None,
                 will: tuple | None = None, host: str = "127.0.0.1"):
        self.version = version
        proto = mqtt.MQTTv5 if version == 5 else (mqtt.MQTTv311 if version == 4 else mqtt.MQTTv31)
        if version == 5:
            self.c = mqtt.Client(client_id=client_id, protocol=proto)
        else:
            self.c = mqtt.Client(client_id=client_id, protocol=proto, clean_session=clean)
        self.messages: queue.Queue = queue.Queue()
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._acks: dict[int, threading.Event] = {}
        self._ack_data: dict[int, object] = {}
        self._lock = threading.Lock()
        self.connect_rc = None
        self.connect_flags = None
        self.connack_props = None
        self.disconnect_rc = None
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_message = lambda cl, ud, msg: self.messages.put(msg)
        self.c.on_subscribe = self._on_subscribe
        self.c.on_unsubscribe = self._on_unsubscribe
        if will is not None:
            topic, payload, qos, retain = will[:4]
            props = will[4] if len(will) > 4 else None
            self.c.will_set(topic, payload, qos, retain, properties=props)
        if version == 5:
            self.c.connect(host, port, keepalive, clean_start=clean, properties=connect_props)
        else:
            self.c.connect(host, port, keepalive)
        self.c.loop_start()
        if not self._connected.wait(TIMEOUT):
            self.close()
            raise AssertionError("paho: no CONNACK")
        if self.connect_rc != 0:
            raise AssertionError(f"paho: CONNACK rc {self.connect_rc}")

    # callbacks -------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connect_rc = rc if isinstance(rc, int) else rc.value
        self.connect_flags = flags
        self.connack_props = properties
        self._connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnect_rc = rc if isinstance(rc, int) else rc.value
        self._disconnected.set()

    def _ack(self, mid, data):
        with self._lock:
            self._ack_data[mid] = data
            ev = self._acks.setdefault(mid, threading.Event())
        ev.set()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        codes = [g if isinstance(g, int) else g.value for g in granted]
        self._ack(mid, codes)

    def _on_unsubscribe(self, client, userdata, mid, properties=None, reasons=None):
        self._ack(mid, reasons)

    def _wait_ack(self, mid):
        with self._lock:
            ev = self._acks.setdefault(mid, threading.Event())
        assert ev.wait(TIMEOUT), f"paho: no ack for mid {mid}"
        return self._ack_data.get(mid)

    # API -------------------------------------------------------------------
    def subscribe(self, topic, qos: int = 0, options=None, props: Properties | None = None):
        if self.version == 5:
            if options is None:
                options = mqtt.SubscribeOptions(qos=qos)
            rc, mid = self.c.subscribe(topic, options=options, properties=props)
        else:
            rc, mid = self.c.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid)

    def unsubscribe(self, topic):
        rc, mid = self.c.unsubscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid)

    def publish(self, topic, payload=b"", qos: int = 0, retain: bool = False,
                props: Properties | None = None):
        info = self.c.publish(topic, payload, qos, retain, properties=props)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), "paho: publish not completed"
        return info

    def get(self, timeout: float = TIMEOUT):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"paho: no message within {timeout}s") from None

    def close(self):
        try:
            self.c.disconnect()
        except Exception:  # noqa: BLE001
            pass
        self._disconnected.wait(TIMEOUT)
        self.c.loop_stop()


def publish_props(**kw) -> Properties:
    p = Properties(PacketTypes.PUBLISH)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def connect_props(**kw) -> Properties:
    p = Properties(PacketTypes.CONNECT)
    for k, v in kw.items():
        setattr(p, k, v)
    return p
