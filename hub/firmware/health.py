"""When a campaign must stop (pure): a wave failing too often, or updated devices faring
worse than the devices not yet updated.

Health compares *rates*: alarms raised plus unplanned offline transitions per device-hour,
for the updated devices since each one's update, and for the rest over the same time. A
campaign stops when the updated devices had at least ``min_events`` and their rate is
more than ``factor`` times the rest's (any rate, if the rest had none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WaveResult:
    wave: int
    updated: int
    failed: int

    @property
    def finished(self) -> int:
        return self.updated + self.failed

    @property
    def failure_rate(self) -> float:
        return self.failed / self.finished if self.finished else 0.0


def wave_failure(result: WaveResult, threshold: float) -> str | None:
    """Why the campaign stops after this wave, or None."""
    if result.finished and result.failure_rate > threshold:
        return (
            f"wave {result.wave}: {result.failed} of {result.finished} devices failed"
            f" ({result.failure_rate:.0%} > {threshold:.0%})"
        )
    return None


@dataclass(frozen=True, slots=True)
class HealthInput:
    updated_since: Mapping[str, int]  # device > when its update finished (ms)
    rest: Sequence[str]  # devices not updated (the comparison group)
    incidents: Mapping[str, Sequence[int]]  # device > times of alarms and drops (ms)
    now_ms: int


def health_problem(data: HealthInput, factor: float, min_events: int) -> str | None:
    """Why the updated devices look worse than the rest, or None."""
    if not data.updated_since or not data.rest:
        return None
    start = min(data.updated_since.values())
    updated_hours = sum(max(0, data.now_ms - t) for t in data.updated_since.values()) / 3.6e6
    rest_hours = len(data.rest) * max(0, data.now_ms - start) / 3.6e6
    if updated_hours <= 0 or rest_hours <= 0:
        return None
    updated_events = sum(
        sum(1 for t in data.incidents.get(d, ()) if t >= since)
        for d, since in data.updated_since.items()
    )
    rest_events = sum(sum(1 for t in data.incidents.get(d, ()) if t >= start) for d in data.rest)
    if updated_events < min_events:
        return None
    updated_rate, rest_rate = updated_events / updated_hours, rest_events / rest_hours
    if rest_events == 0 or updated_rate > factor * rest_rate:
        return (
            f"updated devices had {updated_events} alarms or drops in {updated_hours:.2g}"
            f" device-hours, the rest {rest_events} in {rest_hours:.2g}"
        )
    return None
