"""paho's client with a lean decoder for MQTT 5 PUBLISH packets that carry no properties.

paho builds a ``Properties`` object for every MQTT 5 PUBLISH, then an ``MQTTMessage``, then
dispatches it under a lock through its topic matcher (for per-topic callbacks nobody here
registers). Almost every message the hub receives has no properties, so those are decoded
here the way paho decodes an MQTT 3.1.1 PUBLISH and, with :attr:`LeanClient.publish_sink`
set, handed straight to it as ``(topic bytes, payload, qos, retain, mid)``; everything else
(properties, QoS 2, MQTT 3.1.1, anything odd) goes to paho's own ``_handle_publish``.

Why it is worth a private method. Measured with paho-mqtt 2.2.0 (Mosquitto on loopback,
2-core machine shared with other jobs, 100,000 messages of 32 bytes, median of 3 runs;
the process's CPU, its publishing thread's included, divided by the messages received;
rerun with ``python -m tests.support.receive_rates --baselines "" --compare-decoders``):

    hub transport, QoS 0           6.9 us with this decoder, 23.2 us with paho's own
    hub transport, QoS 1 (acked)  15.6 us with this decoder, 32.1 us with paho's own

and with paho's own the transport fell behind the broker (it received 44 to 77 % of the
messages before Mosquitto's queue for it overflowed; with this decoder all of them).

The private names it uses, ``_handle_publish``, ``_in_packet``, ``_protocol``,
``_manual_ack``, ``_send_puback`` and ``_handle_on_message``, are checked by
``tests/contract/test_lean_client.py``, pinned to the paho version measured: it fails, and
says what to do, when paho changes, and it checks this decoder against paho's on every
kind of PUBLISH, so a paho change that breaks it fails there, not in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode, MQTTProtocolVersion

PublishSink = Callable[[bytes, bytes, int, bool, int], None]


class LeanClient(mqtt.Client):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publish_sink: PublishSink | None = None

    def _handle_publish(self) -> MQTTErrorCode:
        header: int = self._in_packet["command"]
        qos = (header & 0x06) >> 1
        if self._protocol != MQTTProtocolVersion.MQTTv5 or qos == 2:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        size = len(packet)
        if size < 3:
            return super()._handle_publish()  # malformed: paho reports it
        end = 2 + ((packet[0] << 8) | packet[1])
        mid = 0
        if qos:
            if size < end + 3:
                return super()._handle_publish()
            mid = (packet[end] << 8) | packet[end + 1]
            end += 2
        if size <= end or packet[end] != 0:
            return super()._handle_publish()  # properties present (or malformed)
        topic = bytes(packet[2 : end - 2 if qos else end])
        sink = self.publish_sink
        if sink is not None:
            sink(topic, bytes(packet[end + 1 :]), qos, bool(header & 0x01), mid)
            if qos and not self._manual_ack:
                return self._send_puback(mid)
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        message = mqtt.MQTTMessage(mid=mid, topic=topic)
        message.dup = bool(header & 0x08)
        message.qos = qos
        message.retain = bool(header & 0x01)
        message.payload = bytes(packet[end + 1 :])
        message.timestamp = time.monotonic()
        self._handle_on_message(message)
        if qos and not self._manual_ack:
            return self._send_puback(mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS
