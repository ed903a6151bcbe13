"""Daily patterns: how busy each kind of device is at each hour of the simulated day."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here are small)."""
    if mean <= 0:
        return 0
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


@dataclass(frozen=True, slots=True)
class DailyRate:
    """A rate by hour of the simulated day: the first window ``(from, to, rate)`` holding
    the hour gives it (``from`` inclusive, ``to`` exclusive); outside them all, ``otherwise``."""

    windows: tuple[tuple[float, float, float], ...]
    otherwise: float

    def at(self, hour: float) -> float:
        for start, end, rate in self.windows:
            if start <= hour < end:
                return rate
        return self.otherwise


# People through one door unit an hour: rush hours 07-09 and 17-20, quiet at night.
DOOR_PASSAGES = DailyRate(((7, 9, 30.0), (17, 20, 30.0), (6, 23, 6.0)), otherwise=0.5)
# Sales of one machine an hour: the morning vegetable peak, lunch, the evening.
VENDS = DailyRate(((7, 10, 12.0), (11, 14, 6.0), (17, 20, 8.0), (6, 23, 2.0)), otherwise=0.2)
# How likely residents collect parcels, relative to the daytime rate.
PICKUP_WEIGHT = DailyRate(((17, 22, 2.5), (7, 17, 1.0)), otherwise=0.2)


def is_morning(hour: float) -> bool:
    return 6 <= hour < 10
