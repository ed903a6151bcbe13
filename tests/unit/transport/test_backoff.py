"""Reconnect backoff: doubling steps, capped, jittered, reset after success."""

from __future__ import annotations

import random

import pytest

from mqtt_link.backoff import Backoff


def test_delays_double_within_jitter_and_stop_at_the_cap() -> None:
    backoff = Backoff(initial_s=0.5, maximum_s=4.0, rng=random.Random(1))
    steps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    for step in steps:
        delay = backoff.next_delay()
        assert step / 2 <= delay <= step
    assert backoff.attempt == len(steps)


def test_jitter_spreads_replicas_apart() -> None:
    delays = {Backoff(rng=random.Random(seed)).next_delay() for seed in range(20)}
    assert len(delays) == 20


def test_reset_starts_again_from_the_initial_step() -> None:
    backoff = Backoff(initial_s=1.0, maximum_s=60.0, rng=random.Random(2))
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_a_long_outage_does_not_overflow() -> None:
    backoff = Backoff(initial_s=0.1, maximum_s=30.0, rng=random.Random(3))
    for _ in range(5000):
        delay = backoff.next_delay()
    assert 15.0 <= delay <= 30.0


@pytest.mark.parametrize(("initial", "maximum", "multiplier"), [(0, 1, 2), (2, 1, 2), (1, 2, 0.5)])
def test_refuses_nonsense(initial: float, maximum: float, multiplier: float) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, maximum, multiplier)
