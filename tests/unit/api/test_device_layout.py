"""What a device declares, read from its twin's reported state (pure)."""

from __future__ import annotations

from hub.api.device_layout import declared_compartments, declared_slots


def test_a_v2_locker_lists_its_compartments_with_sizes() -> None:
    reported = {
        "compartments": {
            "2": {"state": "empty", "size": "M"},
            "1": {"state": "occupied", "size": "S"},
            "x": {"size": "L"},  # not a number: left out
            "300": {"size": "L"},  # beyond the protocol's 128
        },
        "compartment_count": 2,
    }
    found = [(c.number, c.size, c.source) for c in declared_compartments(reported)]
    assert found == [(1, "S", "device"), (2, "M", "device")]


def test_a_v1_locker_declares_a_count_without_sizes() -> None:
    found = declared_compartments({"compartment_count": 3, "compartments": {"1": {}}})
    assert [(c.number, c.size) for c in found] == [(1, None), (2, None), (3, None)]
    assert declared_compartments({"compartment_count": True}) == []  # not a count
    assert declared_compartments({}) == []


def test_a_vending_machine_declares_slots_from_its_birth() -> None:
    reported = {"slots": {"3": {"stock": 4, "price": 450, "capacity": 8}, "1": {"stock": 2}}}
    found = [(s.number, s.product, s.price, s.capacity) for s in declared_slots(reported)]
    assert found == [(1, None, None, None), (3, None, 450, 8)]
    assert declared_slots({"slots": "none"}) == []
