"""Device time: a real-time clock with skew, and an accelerated simulated day.

Two notions of time, kept apart on purpose:

- ``now_ms()`` is the device's RTC: wall-clock Unix milliseconds plus the device's skew.
  Message timestamps and command-expiry checks use it, as real firmware would, so the hub
  sees plausible times whatever the acceleration.
- ``sim_hour()`` is the hour of the simulated day that drives behaviour (courier rounds,
  morning vends, rush hours). ``speed`` accelerates it: at ``speed=60`` a simulated day
  lasts 24 real minutes, and ``await clock.sleep(300)`` (five device minutes) takes five
  real seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SECONDS_PER_DAY = 86_400.0


@dataclass(slots=True)
class SimClock:
    """One device's clock. ``skew_ms`` may change at run time (clock-skew faults)."""

    speed: float = 1.0
    skew_ms: int = 0
    start_hour: float | None = None
    wall: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    _origin_mono: float = field(init=False)
    _origin_day_s: float = field(init=False)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        self._origin_mono = self.monotonic()
        if self.start_hour is None:
            wall = self.wall()
            self._origin_day_s = (wall - time.timezone) % SECONDS_PER_DAY
        else:
            self._origin_day_s = (self.start_hour * 3600.0) % SECONDS_PER_DAY

    def now_ms(self) -> int:
        """The device RTC, Unix milliseconds (wall clock plus skew)."""
        return int(self.wall() * 1000) + self.skew_ms

    def sim_seconds(self) -> float:
        """Simulated seconds since the clock was made."""
        return (self.monotonic() - self._origin_mono) * self.speed

    def sim_hour(self) -> float:
        """Hour of the simulated day, 0 <= h < 24."""
        return ((self._origin_day_s + self.sim_seconds()) % SECONDS_PER_DAY) / 3600.0

    def real_seconds(self, device_seconds: float) -> float:
        return max(0.0, device_seconds) / self.speed

    async def sleep(self, device_seconds: float) -> None:
        """Sleep for a span of simulated time."""
        await asyncio.sleep(self.real_seconds(device_seconds))
