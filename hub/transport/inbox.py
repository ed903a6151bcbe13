"""The transport's bounded inbound buffer, shared by every connection of one transport.

The reader appends (a deque append per message, nothing more) and stops reading the socket
when the buffer is full; the consumer takes batches, and once it has drained the buffer to
the low-water mark the paused reader is told to resume. So memory stays bounded and TCP
pushes back on the broker.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from hub.transport.base import InboundMessage


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Inbox:
    __slots__ = ("_on_drained", "_waiter", "capacity", "items", "low_water", "peak", "received")

    def __init__(self, capacity: int, low_water: int | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.items: deque[InboundMessage] = deque()
        self.capacity = capacity
        self.low_water = capacity // 2 if low_water is None else low_water
        self.received = 0  # messages ever put
        self.peak = 0  # the most messages ever held at once
        self._waiter: asyncio.Future[None] | None = None
        self._on_drained: Callable[[], None] | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.capacity

    @property
    def holding(self) -> bool:
        """A reader is paused, waiting for the consumer to drain the buffer."""
        return self._on_drained is not None

    def put(self, message: InboundMessage) -> None:
        items = self.items
        items.append(message)
        self.received += 1
        if len(items) > self.peak:
            self.peak = len(items)

    def wake(self) -> None:
        """Wake a consumer waiting in :meth:`get_batch` if there is anything to take."""
        waiter = self._waiter
        if waiter is not None and self.items and not waiter.done():
            waiter.set_result(None)

    def hold(self, on_drained: Callable[[], None]) -> None:
        """A reader stopped reading: call ``on_drained`` once, when the buffer is at or
        below the low-water mark (at once if it already is)."""
        self._on_drained = on_drained
        self._release_if_drained()

    def cancel_hold(self, on_drained: Callable[[], None]) -> None:
        """The paused reader is gone (its connection closed): forget its callback."""
        if self._on_drained == on_drained:
            self._on_drained = None

    async def get_batch(self, max_messages: int, timeout_s: float) -> list[InboundMessage]:
        """Up to ``max_messages``; waits at most ``timeout_s`` for the first one."""
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        items = self.items
        if not items and timeout_s > 0:
            if self._waiter is not None:
                raise RuntimeError("receive_batch supports one consumer at a time")
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiter = waiter
            timer = loop.call_later(timeout_s, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        if not items:
            return []
        if len(items) <= max_messages:
            batch = list(items)
            items.clear()
        else:
            take = items.popleft
            batch = [take() for _ in range(max_messages)]
        self._release_if_drained()
        return batch

    def _release_if_drained(self) -> None:
        on_drained = self._on_drained
        if on_drained is not None and len(self.items) <= self.low_water:
            self._on_drained = None
            on_drained()
