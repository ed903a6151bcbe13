"""Locker occupancy: compartments by state over every locker's twin, for the gauge
``hub_locker_compartments{state}``.

Each locker's counts are recomputed when its twin changes and the totals adjusted, so a
batch costs in proportion to the lockers it touched, not to the fleet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

COMPARTMENT_STATES: Final = ("empty", "occupied", "open", "fault")


def compartment_counts(reported: Mapping[str, Any]) -> Counter[str]:
    """Compartments by state in a locker's reported state (unknown states are skipped)."""
    counts: Counter[str] = Counter()
    compartments = reported.get("compartments")
    if not isinstance(compartments, Mapping):
        return counts
    for entry in compartments.values():
        state = entry.get("state") if isinstance(entry, Mapping) else None
        if state in COMPARTMENT_STATES:
            counts[state] += 1
    return counts


class LockerOccupancy:
    def __init__(self) -> None:
        self._per_locker: dict[str, Counter[str]] = {}
        self._totals: Counter[str] = Counter()

    def update(self, device_id: str, reported: Mapping[str, Any]) -> None:
        fresh = compartment_counts(reported)
        old = self._per_locker.get(device_id)
        if old is not None:
            self._totals.subtract(old)
        self._totals.update(fresh)
        self._per_locker[device_id] = fresh

    def totals(self) -> dict[str, int]:
        return {state: self._totals[state] for state in COMPARTMENT_STATES}
