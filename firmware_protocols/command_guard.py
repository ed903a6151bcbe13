"""The firmware's admission of a command, the same for every protocol: refuse expired and
replayed commands with bounded memory. Pure: the caller passes its clock reading.

Each protocol's PROTOCOL.md prescribes this order, after the command has been read far
enough to know its id and expiry:

1. **Expiry.** The device clock reads ``expires_at`` or later: ``expired``.
2. **Replay.** The id was accepted before: ``replayed``.
3. **Remember.** An expiry more than ``max_ttl_ms`` ahead: ``rejected``
   (``expiry_too_far``); ``capacity`` ids held already: ``rejected`` (``busy``).
   Otherwise the id is remembered and the command ``accepted``.

Only then does the firmware check what the command asks for (a compartment it has, a
price in range, packets it can parse) and execute it.

Why this order: an accepted id is remembered until ``grace_ms`` after its expiry, and any
copy arriving later is already past its expiry, so it is refused in step 1 whether or not
its id is still held. The answer to a late copy never depends on what was forgotten, and
memory bounded by the commands live at one time refuses every replay. The grace covers
the device clock stepping back (an NTP correction). When the memory is full, new commands
are refused rather than an id still live forgotten: nothing a replay could open.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Final, Literal

Admission = Literal["accepted", "expired", "replayed", "rejected"]
CommandId = str | bytes  # as the protocol carries it: hex text, or 16 raw bytes (OSDP)

EXPIRY_TOO_FAR: Final = "expiry_too_far"
BUSY: Final = "busy"
DAY_MS: Final = 24 * 3600 * 1000
FIVE_MINUTES_MS: Final = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the device answers first; only an ``accepted`` command is executed."""

    status: Admission
    reason: str | None = None

    @property
    def execute(self) -> bool:
        return self.status == "accepted"


class CommandGuard:
    """Judges (command id, expiry) pairs at a device's clock against the ids it accepted.

    ``capacity`` bounds memory; ``max_ttl_ms`` bounds how long any id is held.
    """

    def __init__(
        self,
        *,
        capacity: int = 1024,
        max_ttl_ms: int = DAY_MS,
        grace_ms: int = FIVE_MINUTES_MS,
    ) -> None:
        if capacity < 1 or max_ttl_ms < 1 or grace_ms < 0:
            raise ValueError("capacity and max_ttl_ms must be positive, grace_ms not negative")
        self._capacity = capacity
        self._max_ttl_ms = max_ttl_ms
        self._grace_ms = grace_ms
        self._seen: dict[CommandId, int] = {}
        self._by_expiry: list[tuple[int, CommandId]] = []

    def admit(self, command_id: CommandId, expires_at_ms: int, now_ms: int) -> Verdict:
        """Judge one command at device time ``now_ms``; remember its id if accepted."""
        self._forget_before(now_ms)
        if now_ms >= expires_at_ms:
            return Verdict("expired")
        if command_id in self._seen:
            return Verdict("replayed")
        if expires_at_ms - now_ms > self._max_ttl_ms:
            return Verdict("rejected", EXPIRY_TOO_FAR)
        if len(self._seen) >= self._capacity:
            return Verdict("rejected", BUSY)
        self._seen[command_id] = expires_at_ms
        heapq.heappush(self._by_expiry, (expires_at_ms, command_id))
        return Verdict("accepted")

    def _forget_before(self, now_ms: int) -> None:
        """Forget the ids whose expiry plus the grace has passed."""
        heap = self._by_expiry
        while heap and heap[0][0] + self._grace_ms <= now_ms:
            _, command_id = heapq.heappop(heap)
            del self._seen[command_id]

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._seen
