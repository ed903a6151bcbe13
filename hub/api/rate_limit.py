"""A sliding-window limit on attempts per subject (a resident), in memory.

Each replica keeps its own window, so with N replicas behind a balancer a resident gets at
most N times the limit; that is the accepted cost of needing no shared store. Memory is
bounded: a subject's timestamps are at most ``limit`` long, and subjects idle for a whole
window are dropped on a periodic cleanup.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        cleanup_every: int = 1024,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be at least 1 and the window positive")
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._cleanup_every = cleanup_every
        self._attempts: dict[str, deque[float]] = {}
        self._calls = 0

    def attempt(self, subject: str) -> float | None:
        """Count an attempt: None if allowed, else seconds until one is allowed again."""
        now = self._clock()
        self._calls += 1
        if self._calls % self._cleanup_every == 0:
            self._cleanup(now)
        times = self._attempts.setdefault(subject, deque())
        while times and times[0] <= now - self._window_s:
            times.popleft()
        if len(times) >= self._limit:
            return times[0] + self._window_s - now
        times.append(now)
        return None

    def _cleanup(self, now: float) -> None:
        idle = [
            s
            for s, times in self._attempts.items()
            if not times or times[-1] <= now - self._window_s
        ]
        for subject in idle:
            del self._attempts[subject]

    def __len__(self) -> int:
        return len(self._attempts)
