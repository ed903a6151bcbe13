"""An in-memory :class:`~hub.transport.base.Transport` for driving consumers (the ingest
pipeline, a worker, the command lane) without a broker: the contract tests' fake.

``deliver()`` plays the broker's part: messages go through the same bounded buffer as the
real transport's. Acks and publishes are recorded. ``disconnect()`` starts a new connection
generation, so acks of earlier messages are dropped, as on the real transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from firmware_protocols.base import Outbound, Subscription
from hub.transport.base import InboundMessage
from hub.transport.errors import NotConnectedError
from hub.transport.inbox import Inbox


class MemoryTransport:
    def __init__(self, queue_size: int = 20_000, connected: bool = True) -> None:
        self._inbox = Inbox(queue_size)
        self._connected = asyncio.Event()
        self.generation = 1
        self._next_mid = 1
        self.acked: list[InboundMessage] = []
        self.stale_acks = 0
        self.published: list[Outbound] = []
        self.subscriptions: list[Subscription] = []
        if connected:
            self._connected.set()

    # ------------------------------------------------------------------ broker side
    def deliver(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> InboundMessage:
        """A message arrives from the broker. Raises OverflowError if the buffer is full
        (the real transport would have stopped reading instead)."""
        if self._inbox.full:
            raise OverflowError("inbound buffer full")
        mid = 0
        if qos:
            mid, self._next_mid = self._next_mid, self._next_mid % 65_535 + 1
        message = InboundMessage(
            topic, payload, qos, retain, mid, self.generation, time.monotonic()
        )
        self._inbox.put(message)
        self._inbox.wake()
        return message

    def disconnect(self) -> None:
        self._connected.clear()

    def reconnect(self) -> None:
        self.generation += 1
        self._connected.set()

    # ------------------------------------------------------------------ Transport
    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def receive_batch(self, max_messages: int, timeout_s: float) -> list[InboundMessage]:
        return await self._inbox.get_batch(max_messages, timeout_s)

    def buffered(self) -> int:
        return len(self._inbox)

    def ack(self, message: InboundMessage) -> bool:
        if message.qos == 0:
            return True
        if not self.connected or message.connection != self.generation:
            self.stale_acks += 1
            return False
        self.acked.append(message)
        return True

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.publish_nowait(topic, payload, qos, retain)

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None:
        if not self.connected:
            raise NotConnectedError("publish")
        self.published.append(Outbound(topic, payload, qos, retain))

    @property
    def reading_paused(self) -> bool:
        return self._inbox.holding

    async def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        self.subscriptions.extend(subscriptions)

    async def unsubscribe(self, subscriptions: Sequence[Subscription]) -> None:
        gone = {s.topic_filter for s in subscriptions}
        self.subscriptions = [s for s in self.subscriptions if s.topic_filter not in gone]

    async def run(self) -> None:
        await asyncio.Event().wait()  # nothing to drive; runs until cancelled
