"""An in-memory :class:`~hub.transport.base.Transport` for driving consumers (the ingest
pipeline, a worker, the command lane) without a broker: the contract tests' fake.

``deliver()`` plays the broker's part. Messages go through the same bounded buffer
(:class:`~hub.transport.inbox.Inbox`) as the real transport's; when it is full the
transport stops "reading" and the broker holds the rest (``held``) until the consumer
has drained the buffer to its low-water mark, as the real transport stops reading its
socket. Acks and publishes are recorded. A QoS 1 message stays unacknowledged until its
ack on the connection it came from; ``reconnect()`` starts a new connection generation
and the broker delivers every unacknowledged message again, as for a persistent session.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence

from firmware_protocols.base import Outbound, Subscription
from hub.transport.base import ConnectionObserver, InboundMessage
from hub.transport.errors import NotConnectedError
from hub.transport.inbox import Inbox

OutboundListener = Callable[[Outbound], None]


class MemoryTransport:
    def __init__(
        self,
        queue_size: int = 20_000,
        connected: bool = True,
        *,
        subscriptions: Sequence[Subscription] = (),
        observer: ConnectionObserver | None = None,
        on_publish: OutboundListener | None = None,
    ) -> None:
        self._inbox = Inbox(queue_size)
        self._connected = asyncio.Event()
        self._observer = observer
        self._on_publish = on_publish
        self.generation = 1
        self._next_mid = 1
        self.held: deque[InboundMessage] = deque()  # what the broker holds while we pause
        self.unacked: dict[int, InboundMessage] = {}
        self.acked: list[InboundMessage] = []
        self.stale_acks = 0
        self.published: list[Outbound] = []
        self.subscriptions: list[Subscription] = list(subscriptions)
        self.redelivered = 0
        self.on_ack: Callable[[InboundMessage], None] | None = None  # told before each ack
        if connected:
            self._connected.set()

    # ------------------------------------------------------------------ broker side
    def deliver(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> InboundMessage:
        """A message arrives from the broker (held by the broker while the buffer is full)."""
        mid = 0
        if qos:
            mid, self._next_mid = self._next_mid, self._next_mid % 65_535 + 1
        message = InboundMessage(
            topic, payload, qos, retain, mid, self.generation, time.monotonic()
        )
        if qos:
            self.unacked[mid] = message
        self._arrive(message)
        return message

    def _arrive(self, message: InboundMessage) -> None:
        if self.held or self._inbox.full:
            self.held.append(message)
            if not self._inbox.holding:
                self._inbox.hold(self._resume)
            return
        self._inbox.put(message)
        self._inbox.wake()

    def _resume(self) -> None:
        """The consumer drained the buffer: take what the broker held, until full again."""
        while self.held and not self._inbox.full:
            self._inbox.put(self.held.popleft())
        if self.held:
            self._inbox.hold(self._resume)
        self._inbox.wake()

    def disconnect(self) -> None:
        self._connected.clear()
        if self._observer is not None:
            self._observer.on_disconnected(self.generation, "test")

    def reconnect(self) -> None:
        """A new connection: the broker delivers every unacknowledged message again."""
        self.generation += 1
        self._connected.set()
        again = list(self.unacked.values())
        self.unacked.clear()
        for message in again:
            self.redelivered += 1
            self.deliver(message.topic, message.payload, message.qos, message.retain)
        if self._observer is not None:
            self._observer.on_connected(self.generation, True)

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
        if self.on_ack is not None:
            self.on_ack(message)
        self.unacked.pop(message.mid, None)
        self.acked.append(message)
        return True

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.publish_nowait(topic, payload, qos, retain)

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None:
        if not self.connected:
            raise NotConnectedError("publish")
        outbound = Outbound(topic, payload, qos, retain)
        self.published.append(outbound)
        if self._on_publish is not None:
            self._on_publish(outbound)

    @property
    def reading_paused(self) -> bool:
        return self._inbox.holding

    async def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        self.subscriptions.extend(subscriptions)

    async def unsubscribe(self, subscriptions: Sequence[Subscription]) -> None:
        gone = {s.topic_filter for s in subscriptions}
        self.subscriptions = [s for s in self.subscriptions if s.topic_filter not in gone]

    async def run(self) -> None:
        """Tell the observer the connection is up, then run until cancelled."""
        if self._observer is not None and self.connected:
            self._observer.on_connected(self.generation, False)
        await asyncio.Event().wait()
