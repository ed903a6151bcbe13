"""The offline buffer: what a device keeps while it cannot reach the broker."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class OfflineBuffer(Generic[T]):
    """A bounded FIFO; when full, the oldest item is dropped and counted, as a device
    with a fixed flash ring would."""

    capacity: int = 1000
    dropped: int = 0
    _items: deque[T] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("capacity must be positive")

    def add(self, item: T) -> None:
        if len(self._items) >= self.capacity:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)

    def drain(self) -> Iterator[T]:
        """Yield items oldest first, removing each as it is taken."""
        while self._items:
            yield self._items.popleft()

    def items(self) -> tuple[T, ...]:
        """What is buffered, oldest first, without taking it."""
        return tuple(self._items)

    def push_front(self, item: T) -> None:
        """Put back an item that could not be sent after all."""
        self._items.appendleft(item)

    def __len__(self) -> int:
        return len(self._items)
