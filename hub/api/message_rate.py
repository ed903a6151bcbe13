"""Messages per second from a monotonically increasing counter, sampled when asked.

No background task: a reading adds a sample (at most one per ``window_s / 128``) and the
rate is the counter's change since the newest sample at or before the window's start, so
it averages over about ``window_s`` once the hub has run that long.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateSampler:
    def __init__(
        self,
        counter: Callable[[], int],
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self._counter = counter
        self._window_s = window_s
        self._interval_s = window_s / 128
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque(maxlen=256)
        self._samples.append((clock(), counter()))

    def per_second(self) -> float:
        now, count = self._clock(), self._counter()
        if now - self._samples[-1][0] >= self._interval_s:
            self._samples.append((now, count))
        while len(self._samples) > 2 and self._samples[1][0] <= now - self._window_s:
            self._samples.popleft()
        first_time, first_count = self._samples[0]
        span = now - first_time
        if span <= 0:
            return 0.0
        return max(0.0, (count - first_count) / span)
