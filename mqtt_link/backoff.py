"""Exponential backoff with jitter for reconnecting, so hub replicas (and thousands of
simulated devices) do not reconnect in step."""

from __future__ import annotations

import random


class Backoff:
    """Delays that double from ``initial_s`` up to ``maximum_s``, each drawn uniformly from
    the upper half of its step ("equal jitter": never zero, never in lock-step)."""

    def __init__(
        self,
        initial_s: float = 0.5,
        maximum_s: float = 30.0,
        multiplier: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < initial_s <= maximum_s:
            raise ValueError("need 0 < initial_s <= maximum_s")
        if multiplier < 1:
            raise ValueError("multiplier must be at least 1")
        self.initial_s = initial_s
        self.maximum_s = maximum_s
        self.multiplier = multiplier
        self._rng = rng if rng is not None else random.Random()
        self.attempt = 0
        self._exponent = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call counts one attempt."""
        step = min(self.maximum_s, self.initial_s * self.multiplier**self._exponent)
        if step < self.maximum_s:  # stop growing the exponent once capped: no overflow
            self._exponent += 1
        self.attempt += 1
        return self._rng.uniform(step / 2, step)

    def reset(self) -> None:
        """Start again from ``initial_s`` (after a successful connection)."""
        self.attempt = 0
        self._exponent = 0
