"""The resident rate limit and the message-rate sampler, with a driven clock."""

from __future__ import annotations

import pytest

from hub.api.message_rate import RateSampler
from hub.api.rate_limit import SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_the_limit_then_says_when_to_retry() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60.0, clock)
    for _ in range(3):
        assert limiter.attempt("a") is None
        clock.now += 10
    assert limiter.attempt("a") == pytest.approx(30.0)  # the first leaves at 1060
    assert limiter.attempt("b") is None  # per subject
    clock.now = 1060.001
    assert limiter.attempt("a") is None
    assert limiter.attempt("a") == pytest.approx(9.999)


def test_refused_attempts_do_not_extend_the_window() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(1, 60.0, clock)
    assert limiter.attempt("a") is None
    for _ in range(5):
        clock.now += 10
        assert limiter.attempt("a") is not None
    clock.now += 10.001
    assert limiter.attempt("a") is None


def test_idle_subjects_are_forgotten() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(5, 60.0, clock, cleanup_every=4)
    for name in ("a", "b", "c"):
        limiter.attempt(name)
    clock.now += 61
    limiter.attempt("d")  # the fourth call cleans up
    assert len(limiter) == 1


def test_limiter_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0)


def test_message_rate_over_the_window() -> None:
    clock = Clock()
    count = [0]
    sampler = RateSampler(lambda: count[0], window_s=60.0, clock=clock)
    assert sampler.per_second() == 0.0
    for _ in range(120):  # two minutes at 500 messages/s, read every second
        clock.now += 1
        count[0] += 500
        rate = sampler.per_second()
    assert rate == pytest.approx(500.0)
    for _ in range(61):  # then silence: the rate falls to zero within a window
        clock.now += 1
        rate = sampler.per_second()
    assert rate == 0.0


def test_message_rate_right_after_start() -> None:
    clock = Clock()
    count = [0]
    sampler = RateSampler(lambda: count[0], window_s=60.0, clock=clock)
    clock.now += 2
    count[0] = 100
    assert sampler.per_second() == pytest.approx(50.0)
