"""Live events for the API's server-sent event stream: presence changes, alarms, unlocks,
parcels. Each subscriber has a bounded queue; a slow subscriber loses its oldest events
(and is told how many) rather than slowing the hub."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class LiveEvent:
    type: str
    device_id: str | None
    path: str | None
    ts_ms: int
    data: dict[str, Any] = field(default_factory=dict)


class LiveSink(Protocol):
    """Where a part of the hub puts its live events (the bus, or a worker's link to it)."""

    def publish(self, event: LiveEvent) -> None: ...


class Subscription:
    def __init__(self, bus: EventBus, max_queued: int) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue(max_queued)
        self.dropped = 0

    def offer(self, event: LiveEvent) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def get(self) -> LiveEvent:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    def __init__(self, max_queued: int = 1000) -> None:
        self._max_queued = max_queued
        self._subscribers: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        subscription = Subscription(self, self._max_queued)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def publish(self, event: LiveEvent) -> None:
        for subscriber in self._subscribers:
            subscriber.offer(event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
