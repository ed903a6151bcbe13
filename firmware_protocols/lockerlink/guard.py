"""Firmware-side admission of commands: refuse expired and replayed ones.

A device keeps every accepted command id until ``grace_ms`` after the command's expiry.
Any later copy is past its expiry and refused as ``expired``, so a bounded memory is
enough to refuse every replay; the grace covers the device clock stepping back (NTP).
Expiry is checked first, so the answer to a late copy does not depend on eviction.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from firmware_protocols.lockerlink.messages import DeviceCommand

Clock = Callable[[], int]  # device time, Unix milliseconds
Admission = Literal["accepted", "expired", "replayed", "rejected"]

EXPIRY_TOO_FAR = "expiry_too_far"
BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the device answers first; only ``accepted`` commands are executed."""

    status: Admission
    reason: str | None = None

    @property
    def execute(self) -> bool:
        return self.status == "accepted"


class CommandGuard:
    """Judges commands against the device clock and the ids seen before.

    ``capacity`` bounds memory: when that many unexpired ids are held, new commands are
    ``rejected`` (``busy``) rather than forgetting an id that could still be replayed.
    ``max_ttl_ms`` refuses expiries further ahead than that (``expiry_too_far``), which
    bounds how long any id is held.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        capacity: int = 1024,
        max_ttl_ms: int = 24 * 3600 * 1000,
        grace_ms: int = 5 * 60 * 1000,
    ) -> None:
        if capacity < 1 or max_ttl_ms < 1 or grace_ms < 0:
            raise ValueError("capacity and max_ttl_ms must be positive, grace_ms not negative")
        self._clock = clock
        self._capacity = capacity
        self._max_ttl_ms = max_ttl_ms
        self._grace_ms = grace_ms
        self._seen: dict[str, int] = {}
        self._by_expiry: list[tuple[int, str]] = []

    def judge(self, command: DeviceCommand) -> Verdict:
        return self.admit(command.command_id, command.expires_at_ms)

    def admit(self, command_id: str, expires_at_ms: int) -> Verdict:
        """Judge one command and remember its id if accepted."""
        now = self._clock()
        self._evict(now)
        if now >= expires_at_ms:
            return Verdict("expired")
        if command_id in self._seen:
            return Verdict("replayed")
        if expires_at_ms - now > self._max_ttl_ms:
            return Verdict("rejected", EXPIRY_TOO_FAR)
        if len(self._seen) >= self._capacity:
            return Verdict("rejected", BUSY)
        self._seen[command_id] = expires_at_ms
        heapq.heappush(self._by_expiry, (expires_at_ms, command_id))
        return Verdict("accepted")

    def _evict(self, now: int) -> None:
        heap = self._by_expiry
        while heap and heap[0][0] + self._grace_ms <= now:
            _, command_id = heapq.heappop(heap)
            del self._seen[command_id]

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._seen
