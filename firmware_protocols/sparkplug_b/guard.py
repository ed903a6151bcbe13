"""Firmware-side admission of commands: refuse expired and replayed ones. Pure: the
caller passes the device's clock reading.

An accepted id is remembered until ``grace_ms`` after its expiry; any later copy is past
its expiry and refused as ``expired`` anyway, so bounded memory refuses every replay (the
grace covers the device clock stepping back). Expiry is checked before the replay test.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Literal

Admission = Literal["accepted", "rejected", "expired", "replayed"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The firmware's first answer; only an ``accepted`` command is executed."""

    status: Admission
    reason: str = ""

    @property
    def execute(self) -> bool:
        return self.status == "accepted"


class CommandGuard:
    """Judges (command id, expiry) pairs against the ids accepted before.

    At ``capacity`` unexpired ids new commands are ``rejected`` (``busy``) rather than
    forgetting an id that could still be replayed; an expiry more than ``max_ttl_ms``
    ahead is ``rejected`` (``expiry_too_far``), which bounds how long an id is held.
    """

    def __init__(
        self,
        *,
        capacity: int = 1024,
        max_ttl_ms: int = 24 * 3600 * 1000,
        grace_ms: int = 5 * 60 * 1000,
    ) -> None:
        if capacity < 1 or max_ttl_ms < 1 or grace_ms < 0:
            raise ValueError("capacity and max_ttl_ms must be positive, grace_ms not negative")
        self._capacity = capacity
        self._max_ttl_ms = max_ttl_ms
        self._grace_ms = grace_ms
        self._seen: dict[str, int] = {}
        self._by_expiry: list[tuple[int, str]] = []

    def admit(self, command_id: str, expires_at_ms: int, now_ms: int) -> Verdict:
        """Judge one command at device time ``now_ms``; remember its id if accepted."""
        self._evict(now_ms)
        if now_ms >= expires_at_ms:
            return Verdict("expired")
        if command_id in self._seen:
            return Verdict("replayed")
        if expires_at_ms - now_ms > self._max_ttl_ms:
            return Verdict("rejected", "expiry_too_far")
        if len(self._seen) >= self._capacity:
            return Verdict("rejected", "busy")
        self._seen[command_id] = expires_at_ms
        heapq.heappush(self._by_expiry, (expires_at_ms, command_id))
        return Verdict("accepted")

    def _evict(self, now_ms: int) -> None:
        heap = self._by_expiry
        while heap and heap[0][0] + self._grace_ms <= now_ms:
            _, command_id = heapq.heappop(heap)
            del self._seen[command_id]

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._seen
