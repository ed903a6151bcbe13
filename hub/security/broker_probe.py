"""Short-lived MQTT 5 clients that record what a broker answers, for the audit's live
checks: CONNACK, SUBACK and PUBACK reason codes and the messages delivered.

Each client runs paho's network thread. Waits poll a condition the broker causes and give
up after ``timeout_s``, which only turns a broker that never answers into a failed check.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from mqtt_link.address import BrokerAddress

T = TypeVar("T")


class ProbeTimeout(Exception):
    """The broker did not answer in time."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A broker listener: where, and whether over TLS (trusting ``ca_file`` if given)."""

    host: str
    port: int
    tls: bool = False
    ca_file: str | None = None

    @classmethod
    def from_url(cls, url: str, ca_file: str | None = None) -> Endpoint:
        address = BrokerAddress.parse(url)
        return cls(address.host, address.port, address.tls or ca_file is not None, ca_file)

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def wait(condition: Callable[[], T | None], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ProbeTimeout(f"no {what} within {timeout_s:g} s")
        time.sleep(0.01)


@dataclass
class Probe:
    """One MQTT 5 connection. Build with :func:`connect`."""

    name: str
    client: mqtt.Client
    timeout_s: float
    connack: ReasonCode | None = None
    error: str | None = None  # the connection failed before any CONNACK (TLS, socket)
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    disconnected: bool = False
    _pubacks: dict[int, ReasonCode] = field(default_factory=dict)
    _subacks: dict[int, list[ReasonCode]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> bool:
        return self.connack is not None and not self.connack.is_failure

    def received(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.messages)

    def subscribe(self, filters: Sequence[str]) -> list[ReasonCode]:
        """Subscribe at QoS 1; the SUBACK's reason codes, in order."""
        result, mid = self.client.subscribe([(f, 1) for f in filters])
        if result != mqtt.MQTT_ERR_SUCCESS or mid is None:
            raise ProbeTimeout(f"{self.name} cannot subscribe ({result})")
        return wait(lambda: self._subacks.get(mid), self.timeout_s, f"SUBACK for {self.name}")

    def publish(self, topic: str, payload: bytes) -> ReasonCode:
        """Publish at QoS 1, not retained; the PUBACK's reason code. Once it is back the
        broker has routed or dropped the message."""
        info = self.client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ProbeTimeout(f"{self.name} cannot publish ({info.rc})")
        return wait(lambda: self._pubacks.get(info.mid), self.timeout_s, f"PUBACK to {topic}")

    def wait_for(self, topic: str, payload: bytes) -> None:
        wait(lambda: (topic, payload) in self.received(), self.timeout_s, f"message on {topic}")

    def close(self) -> None:
        if self.accepted and not self.disconnected:
            self.client.disconnect()
        self.client.loop_stop()

    # paho callbacks, on its network thread
    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        self.connack = reason

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, _r: ReasonCode, _p: Any) -> None:
        self.disconnected = True

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        self._pubacks[mid] = reason

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, codes: list[ReasonCode], _p: Any) -> None:
        self._subacks[mid] = codes


def connect(
    endpoint: Endpoint,
    username: str | None,
    password: str | None,
    *,
    client_id: str | None = None,
    timeout_s: float = 10.0,
) -> Probe:
    """A connection whose CONNACK (or failure) has arrived; check ``probe.accepted``.
    The session is clean and ends with the connection."""
    name = client_id or username or f"audit-anonymous-{uuid.uuid4().hex[:8]}"
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=name,
        protocol=mqtt.MQTTv5,
        reconnect_on_failure=False,
    )
    probe = Probe(name, client, timeout_s)
    if username is not None:
        client.username_pw_set(username, password)
    if endpoint.tls:
        client.tls_set_context(ssl.create_default_context(cafile=endpoint.ca_file))
    client.on_connect = probe._on_connect
    client.on_message = probe._on_message
    client.on_disconnect = probe._on_disconnect
    client.on_publish = probe._on_publish
    client.on_subscribe = probe._on_subscribe
    try:
        client.connect(endpoint.host, endpoint.port, keepalive=30, clean_start=True)
    except (OSError, ssl.SSLError) as exc:  # refused, unreachable, TLS handshake
        probe.error = f"{type(exc).__name__}: {exc}"
        return probe
    client.loop_start()
    try:
        wait(lambda: probe.connack is not None or probe.disconnected, timeout_s, "CONNACK")
    except ProbeTimeout as exc:
        probe.error = str(exc)
    if not probe.accepted:
        client.loop_stop()
        if probe.connack is None and probe.error is None:
            probe.error = "the connection was closed without a CONNACK"
    return probe


def reachable(endpoint: Endpoint, timeout_s: float) -> str | None:
    """None if a TCP connection opens, else why not."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout_s):
            return None
    except OSError as exc:
        return f"{endpoint} unreachable: {exc}"
