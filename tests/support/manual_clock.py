"""A clock in Unix milliseconds that moves only when the test says (for the parts that
take a ``clock_ms``: the alarm rules, the door watch, the command service)."""

from __future__ import annotations

from firmware_protocols.clock import wall_ms


class ManualClock:
    """Starts at the wall clock (or ``start_ms``) and moves only when told."""

    def __init__(self, start_ms: int | None = None) -> None:
        self.now = wall_ms() if start_ms is None else start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> int:
        self.now += ms
        return self.now
