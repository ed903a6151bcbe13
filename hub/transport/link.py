"""One connection of the hub's transport: a :class:`~mqtt_link.loop_client.LoopClient` of
its own, numbered by generation, feeding the transport's bounded :class:`Inbox`.

A link is never reused: each (re)connection gets a new one, so nothing of an old
connection (pending publishes, unacknowledged messages) leaks into the next. QoS 1
messages are acknowledged by hand, once the consumer says so, and only on the connection
they came from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from hub.transport.base import InboundMessage, Will
from hub.transport.errors import NotConnectedError, PublishError
from hub.transport.inbox import Inbox
from hub.transport.options import TransportOptions
from mqtt_link.address import BrokerAddress
from mqtt_link.errors import ConnectionLost, NotConnected, PublishFailed
from mqtt_link.loop_client import LoopClient, Session


class Link:
    """A single connection attempt and, if it succeeds, the connection itself."""

    def __init__(
        self, options: TransportOptions, v5: bool, generation: int, inbox: Inbox, will: Will | None
    ) -> None:
        self.v5 = v5
        self.generation = generation
        self.unacked: dict[int, InboundMessage] = {}
        self._inbox = inbox
        session = Session(
            client_id=options.client_id,
            username=options.username,
            password=options.password,
            mqtt5=v5,
            persistent=True,
            session_expiry_s=options.session_expiry_s,
            receive_maximum=options.receive_maximum,
            keepalive_s=options.keepalive_s,
            connect_timeout_s=options.connect_timeout_s,
            max_inflight=options.max_inflight_publishes,
            tls_ca_file=options.tls_ca_file,
            manual_ack=True,
        )
        broker = BrokerAddress(options.host, options.port, options.tls)
        self.client = LoopClient(
            broker, session, self._on_message, gate=inbox, on_closed=self.unacked.clear
        )
        if will is not None:
            self.client.set_will(will.topic, will.payload, will.qos, will.retain)

    @property
    def session_present(self) -> bool:
        return self.client.session_present

    @property
    def disconnect_reason(self) -> str:
        return self.client.close_reason

    @property
    def closed(self) -> bool:
        return self.client.closed

    async def connect(self) -> bool:
        """Connect and wait for CONNACK; whether the broker kept our session. Raises
        :class:`mqtt_link.errors.ConnectFailed`."""
        return await self.client.connect()

    async def wait_closed(self) -> str:
        return await self.client.wait_closed()

    def _on_message(self, topic: str, payload: bytes, qos: int, retain: bool, mid: int) -> None:
        inbound = InboundMessage(
            topic, payload, qos, retain, mid, self.generation, time.monotonic()
        )
        if qos:
            self.unacked[mid] = inbound
        self._inbox.put(inbound)

    def ack(self, message: InboundMessage) -> bool:
        if self.unacked.get(message.mid) is not message:
            return False  # another connection's message, or acknowledged already
        del self.unacked[message.mid]
        self.client.ack(message.mid, message.qos)
        return True

    def publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, track: bool
    ) -> asyncio.Future[None] | None:
        """Hand a message over; with ``track`` and QoS > 0, a future for its PUBACK (it
        fails with :class:`mqtt_link.errors.PublishRefused` or ``ConnectionLost``)."""
        try:
            info: mqtt.MQTTMessageInfo = self.client.publish(topic, payload, qos, retain)
        except NotConnected as exc:
            raise NotConnectedError("publish") from exc
        except PublishFailed as exc:
            raise PublishError(topic, exc.reason) from exc
        if not track or qos == 0:
            return None
        return self.client.acknowledged(info)

    async def subscribe(self, filters: Sequence[tuple[str, int]]) -> list[ReasonCode]:
        """One SUBSCRIBE for all ``(filter, qos)``; the SUBACK's codes."""
        try:
            return await self.client.subscribe(filters)
        except (NotConnected, ConnectionLost) as exc:
            raise NotConnectedError("subscribe") from exc

    async def unsubscribe(self, filters: Sequence[str]) -> None:
        try:
            await self.client.unsubscribe(filters)
        except (NotConnected, ConnectionLost) as exc:
            raise NotConnectedError("unsubscribe") from exc

    def tick(self) -> None:
        self.client.tick()

    def drop(self) -> None:
        self.client.drop()

    def disconnect(self) -> None:
        self.client.disconnect()

    def close(self) -> None:
        self.client.close()
