"""The simulator's pure building blocks: clock, sequence counter, offline buffer, patterns."""

from __future__ import annotations

import random

import pytest

from device_sims.buffer import OfflineBuffer
from device_sims.clock import SimClock
from device_sims.patterns import DOOR_PASSAGES, VENDS, poisson
from device_sims.sequence import (
    EPOCH_2024_S,
    SequenceCounter,
    boot_sequence_u32,
    boot_sequence_us,
)


class FakeTime:
    def __init__(self, wall: float = 1_750_000_000.0) -> None:
        self.wall_s = wall
        self.mono_s = 100.0

    def advance(self, seconds: float) -> None:
        self.wall_s += seconds
        self.mono_s += seconds


def test_speed_accelerates_the_day_but_not_the_rtc() -> None:
    t = FakeTime()
    clock = SimClock(speed=60, start_hour=8.0, wall=lambda: t.wall_s, monotonic=lambda: t.mono_s)
    rtc = clock.now_ms()
    t.advance(60)  # one real minute = one simulated hour
    assert clock.sim_hour() == pytest.approx(9.0)
    assert clock.now_ms() - rtc == 60_000
    assert clock.real_seconds(300) == pytest.approx(5.0)


def test_skew_shifts_the_rtc_and_the_day_wraps() -> None:
    t = FakeTime()
    clock = SimClock(
        speed=3600,
        skew_ms=-90_000,
        start_hour=23.5,
        wall=lambda: t.wall_s,
        monotonic=lambda: t.mono_s,
    )
    assert clock.now_ms() == int(t.wall_s * 1000) - 90_000
    t.advance(1)  # one simulated hour
    assert clock.sim_hour() == pytest.approx(0.5)
    with pytest.raises(ValueError):
        SimClock(speed=0)


def test_sequence_counts_up_and_wraps_when_bounded() -> None:
    counter = SequenceCounter(10)
    assert counter.last is None
    assert [counter.next() for _ in range(3)] == [10, 11, 12]
    assert counter.last == 12 and counter.issued == 3
    wrapping = SequenceCounter(2**32 - 2, modulus=2**32)
    assert [wrapping.next() for _ in range(3)] == [2**32 - 2, 2**32 - 1, 0]
    assert wrapping.last == 0


def test_boot_values_move_forward_with_time_and_fit_their_fields() -> None:
    now = 1_795_000_000_000
    assert boot_sequence_us(now + 1) > boot_sequence_us(now) + 999
    assert boot_sequence_us(now) < 2**53
    assert boot_sequence_u32(now + 1000) == boot_sequence_u32(now) + 16
    assert 0 < boot_sequence_u32(now) < 2**32
    assert boot_sequence_u32(EPOCH_2024_S * 1000) == 0


def test_buffer_keeps_the_newest_and_counts_what_it_dropped() -> None:
    buffer: OfflineBuffer[int] = OfflineBuffer(capacity=3)
    for item in range(5):
        buffer.add(item)
    assert buffer.items() == (2, 3, 4) and buffer.dropped == 2
    drained = []
    for item in buffer.drain():
        drained.append(item)
        if item == 3:
            buffer.push_front(item)  # the link went down again: keep it
            break
    assert drained == [2, 3] and buffer.items() == (3, 4)
    with pytest.raises(ValueError):
        OfflineBuffer[int](capacity=0)


def test_daily_patterns_peak_at_rush_hours() -> None:
    assert DOOR_PASSAGES.at(8) > DOOR_PASSAGES.at(13) > DOOR_PASSAGES.at(3)
    assert VENDS.at(8) > VENDS.at(18) > VENDS.at(15) > VENDS.at(2)
    # A window holds its first hour, not its last; the first window holding an hour wins.
    assert (DOOR_PASSAGES.at(7), DOOR_PASSAGES.at(9), DOOR_PASSAGES.at(23)) == (30.0, 6.0, 0.5)
    rng = random.Random(1)
    draws = [poisson(rng, 2.0) for _ in range(5000)]
    assert sum(draws) / len(draws) == pytest.approx(2.0, rel=0.05)
    assert poisson(rng, 0) == 0
