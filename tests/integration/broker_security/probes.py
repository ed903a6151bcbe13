"""Real MQTT clients (paho, one network thread each) that record what the broker says:
CONNACK, SUBACK and PUBACK reason codes, messages received, disconnects."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from tests.support.waiting import wait_until


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes


@dataclass
class Probe:
    """One client. Use :func:`connect`; every wait polls a condition the broker causes."""

    name: str
    client: mqtt.Client
    connack: ReasonCode | None = None
    messages: list[Received] = field(default_factory=list)
    disconnects: list[ReasonCode] = field(default_factory=list)
    pubacks: dict[int, ReasonCode] = field(default_factory=dict)
    subacks: dict[int, list[ReasonCode]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def refused(self) -> bool:
        return self.connack is not None and self.connack.is_failure

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def subscribe(self, filters: Sequence[str]) -> list[ReasonCode]:
        """Subscribe at QoS 1 and wait for the SUBACK; its reason codes, in order."""
        result, mid = self.client.subscribe([(f, 1) for f in filters])
        assert result == mqtt.MQTT_ERR_SUCCESS and mid is not None
        return wait_until(lambda: self.subacks.get(mid), what=f"SUBACK for {self.name}")

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> ReasonCode:
        """Publish at QoS 1 and wait for the PUBACK: once it is back, the broker has
        routed (or dropped) the message. MQTT 5 carries the reason code."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, f"{self.name} cannot publish: {info.rc}"
        return wait_until(lambda: self.pubacks.get(info.mid), what=f"PUBACK for {self.name}")

    def wait_for(self, topic: str, payload: bytes) -> None:
        wanted = Received(topic, payload)
        wait_until(lambda: wanted in self.received(), what=f"{self.name} to receive {wanted}")

    def wait_for_count(self, count: int) -> list[Received]:
        """Wait until at least ``count`` messages have arrived; all received so far."""
        wait_until(lambda: len(self.received()) >= count, what=f"{count} messages to {self.name}")
        return self.received()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    # paho callbacks, on its network thread
    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        self.connack = reason

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append(Received(message.topic, bytes(message.payload)))

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        self.disconnects.append(reason)

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        self.pubacks[mid] = reason

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, codes: list[ReasonCode], _p: Any) -> None:
        self.subacks[mid] = codes


def connect(
    port: int,
    username: str | None,
    password: str | None,
    client_id: str | None = None,
    *,
    mqtt5: bool = True,
    clean: bool = True,
    tls_ca: str | None = None,
) -> Probe:
    """A connected client, or one whose CONNACK refused it (``probe.refused``); never
    retries. ``client_id`` defaults to the username, as devices do; ``clean=False`` asks
    to resume the session stored under that client id; ``tls_ca`` connects over TLS,
    trusting that CA file (a failed handshake raises ``ssl.SSLError``)."""
    name = client_id or username or "anonymous"
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=name,
        protocol=mqtt.MQTTv5 if mqtt5 else mqtt.MQTTv311,
        clean_session=None if mqtt5 else clean,
        reconnect_on_failure=False,
    )
    probe = Probe(name, client)
    if username is not None:
        client.username_pw_set(username, password)
    if tls_ca is not None:
        client.tls_set_context(ssl.create_default_context(cafile=tls_ca))
    client.on_connect = probe._on_connect
    client.on_message = probe._on_message
    client.on_disconnect = probe._on_disconnect
    client.on_publish = probe._on_publish
    client.on_subscribe = probe._on_subscribe
    if mqtt5:
        client.connect("127.0.0.1", port, keepalive=30, clean_start=clean)
    else:
        client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    wait_until(lambda: probe.connack is not None, what=f"CONNACK for {name}")
    if probe.refused:
        client.loop_stop()
    return probe
