"""Twins: merged partial reports, versions that move only on change, desired config."""

from __future__ import annotations

from hub.twin import TwinStore


def test_partial_reports_merge_per_entry_and_version_moves_on_change() -> None:
    twins = TwinStore()
    first = twins.report("locker-1", {"compartments": {"1": {"state": "empty"}}}, 1)
    assert first is not None and first.reported_version == 1
    second = twins.report("locker-1", {"compartments": {"2": {"state": "occupied"}}}, 2)
    assert second is not None and second.reported_version == 2
    assert second.reported["compartments"] == {
        "1": {"state": "empty"},
        "2": {"state": "occupied"},
    }
    assert twins.report("locker-1", {"compartments": {"2": {"state": "occupied"}}}, 3) is None
    assert twins.get("locker-1") is not None
    assert twins.get("locker-1").reported_version == 2  # type: ignore[union-attr]


def test_reported_values_are_copied_not_shared() -> None:
    twins = TwinStore()
    state = {"slots": {"1": {"stock": 5}}}
    twins.report("vending-1", state, 1)
    state["slots"]["1"]["stock"] = 0
    twin = twins.get("vending-1")
    assert twin is not None and twin.reported["slots"]["1"]["stock"] == 5


def test_desired_configuration_has_its_own_version() -> None:
    twins = TwinStore()
    twin = twins.desire("vending-1", {"setpoint_c": 4.0}, 1)
    assert twin is not None and twin.desired_version == 1 and twin.reported_version == 0
    assert twins.desire("vending-1", {"setpoint_c": 4.0}, 2) is None
