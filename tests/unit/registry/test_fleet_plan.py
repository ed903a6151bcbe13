"""The demo fleet's plan: shape, determinism, uniqueness, without a database."""

from __future__ import annotations

from collections import Counter

import pytest

from hub.registry.fleet_plan import FleetSize, plan_fleet
from hub.registry.vocabulary import PROTOCOL_FOR_KIND, is_code, is_device_id

SIZE = FleetSize(communities=60, residents_per_building=10)


def test_hierarchy_is_wuxi_with_its_seven_districts() -> None:
    plan = plan_fleet(3, SIZE)
    by_level = Counter(node.level for node in plan.nodes)
    assert by_level["city"] == 1 and by_level["district"] == 7
    assert by_level["subdistrict"] == 61
    assert by_level["community"] == 60 and by_level["building"] == 120
    districts = [node.code for node in plan.nodes if node.level == "district"]
    assert districts == [
        "wuxi-liangxi",
        "wuxi-xinwu",
        "wuxi-binhu",
        "wuxi-huishan",
        "wuxi-xishan",
        "wuxi-jiangyin",
        "wuxi-yixing",
    ]
    codes = [node.code for node in plan.nodes]
    assert len(set(codes)) == len(codes) and all(is_code(code) for code in codes)
    seen: set[str] = set()
    for node in plan.nodes:  # parents come first
        assert node.parent_code is None or node.parent_code in seen
        seen.add(node.code)


def test_every_subdistrict_has_a_community_once_there_are_enough() -> None:
    plan = plan_fleet(3, SIZE)
    homes = {node.parent_code for node in plan.nodes if node.level == "community"}
    assert len(homes) == 60
    full = plan_fleet(3, FleetSize())
    homes = {node.parent_code for node in full.nodes if node.level == "community"}
    assert len(homes) == 61


def test_devices_per_community_and_building() -> None:
    plan = plan_fleet(5, SIZE)
    kinds = Counter(device.kind for device in plan.devices)
    assert kinds == {"locker": 60, "vending": 60, "door": 120}
    levels = {node.code: node.level for node in plan.nodes}
    for device in plan.devices:
        assert is_device_id(device.id)
        assert device.protocol == PROTOCOL_FOR_KIND[device.kind]
        assert levels[device.node_code] == ("building" if device.kind == "door" else "community")
    per_community = Counter(
        node.parent_code for node in plan.nodes if node.level == "building"
    ).values()
    assert set(per_community) <= {1, 2, 3} and sum(per_community) == 120


def test_lockers_and_vending_machines_are_realistic() -> None:
    plan = plan_fleet(5, SIZE)
    lockers = [d for d in plan.devices if d.kind == "locker"]
    assert {d.firmware_version[0] for d in lockers} == {"1", "2"}
    for locker in lockers:
        sizes = Counter(locker.compartments)
        assert 24 <= len(locker.compartments) <= 60
        assert sizes["S"] > sizes["M"] > sizes["L"] >= 1
    for machine in (d for d in plan.devices if d.kind == "vending"):
        assert 20 <= len(machine.slots) <= 40
        assert machine.firmware_version.startswith("2.")
        assert all(10 <= slot.price <= 2000 and slot.price % 10 == 0 for slot in machine.slots)


def test_residents_have_units_and_unique_cards() -> None:
    plan = plan_fleet(9, SIZE)
    per_building = Counter(r.building_code for r in plan.residents)
    assert len(per_building) == 120
    assert all(8 <= n <= 12 for n in per_building.values())
    homes = [(r.building_code, r.unit) for r in plan.residents]
    assert len(set(homes)) == len(homes)
    assert all(r.unit.isdigit() and int(r.unit[-2:]) in range(1, 5) for r in plan.residents)
    cards = [(r.card_format, r.facility_code, r.card_number) for r in plan.residents]
    assert len(set(cards)) == len(cards)
    formats = Counter(r.card_format for r in plan.residents)
    assert formats["H10301"] > formats["H10306"] > 0
    for card_format, facility, number in cards:
        assert 0 < number <= 0xFFFF
        assert facility <= (0xFF if card_format == "H10301" else 0xFFFF)


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    assert plan_fleet(11, SIZE) == plan_fleet(11, SIZE)
    assert plan_fleet(11, SIZE) != plan_fleet(12, SIZE)


@pytest.mark.parametrize(
    "kwargs",
    [{"communities": 0}, {"communities": 4001}, {"residents_per_building": 0}],
)
def test_sizes_are_bounded(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        FleetSize(**kwargs)
