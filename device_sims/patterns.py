"""Daily patterns: how busy each kind of device is at each hour of the simulated day."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here are small)."""
    if mean <= 0:
        return 0
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def door_passages_per_hour(hour: float) -> float:
    """People through one door unit: rush hours 07-09 and 17-20, quiet at night."""
    if 7 <= hour < 9 or 17 <= hour < 20:
        return 30.0
    if 6 <= hour < 23:
        return 6.0
    return 0.5


def vends_per_hour(hour: float) -> float:
    """Sales of one machine: the morning vegetable peak, lunch, the evening."""
    if 7 <= hour < 10:
        return 12.0
    if 11 <= hour < 14:
        return 6.0
    if 17 <= hour < 20:
        return 8.0
    if 6 <= hour < 23:
        return 2.0
    return 0.2


def pickup_weight(hour: float) -> float:
    """How likely residents collect parcels now, relative to the daytime rate."""
    if 17 <= hour < 22:
        return 2.5
    if 7 <= hour < 17:
        return 1.0
    return 0.2


def is_morning(hour: float) -> bool:
    return 6 <= hour < 10
