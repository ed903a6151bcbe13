"""paho's client with a lean decoder for MQTT 5 PUBLISH packets that carry no properties.

paho builds a ``Properties`` object for every MQTT 5 PUBLISH, which about doubles its cost
per message (measured: 70 against 35 us on the bench machines). Almost every message the hub
receives has no properties, so those are decoded here the way paho decodes an MQTT 3.1.1
PUBLISH; everything else (properties, QoS 2, MQTT 3.1.1, anything odd) goes to paho's own
``_handle_publish``. This overrides a private paho method: ``tests/contract`` checks
it against paho's decoder, so a paho change that breaks it fails there, not in production.

With :attr:`LeanClient.publish_sink` set, such a message goes straight to it as
``(topic bytes, payload, qos, retain, mid)``: no ``MQTTMessage``, and none of paho's
per-message callback dispatch (a lock and a walk of its topic matcher for per-topic
callbacks the hub never registers), which together took 10 % of an ingest worker's CPU
in the bench's profile.
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
