from __future__ import annotations

from hub.domain.occupancy import LockerOccupancy, compartment_counts


def locker(*states: str) -> dict[str, object]:
    return {"compartments": {str(n): {"state": s} for n, s in enumerate(states, start=1)}}


def test_counts_by_state_ignore_unknown_states() -> None:
    counts = compartment_counts(locker("empty", "occupied", "occupied", "weird", "fault"))
    assert dict(counts) == {"empty": 1, "occupied": 2, "fault": 1}
    assert not compartment_counts({"compartments": "nonsense"})


def test_totals_follow_each_lockers_latest_state() -> None:
    occupancy = LockerOccupancy()
    occupancy.update("a", locker("empty", "occupied"))
    occupancy.update("b", locker("open", "empty", "empty"))
    assert occupancy.totals() == {"empty": 3, "occupied": 1, "open": 1, "fault": 0}
    occupancy.update("a", locker("occupied", "occupied"))
    assert occupancy.totals() == {"empty": 2, "occupied": 2, "open": 1, "fault": 0}
