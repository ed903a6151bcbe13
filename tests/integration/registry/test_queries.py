"""Scope resolution and filtering, device and resident lookups."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from hub.errors import UnknownScope
from hub.registry.models import Device, Node, Resident
from hub.registry.queries import (
    find_residents,
    get_device,
    in_scope,
    load_devices,
    resident_door_ids,
    resolve_scope,
    scope_filter,
)
from tests.integration.registry.conftest import SMALL, Seeded


def test_resolve_scope_finds_city_to_community(fleet: Seeded) -> None:
    levels = {
        "wuxi": "city",
        "wuxi-liangxi": "district",
        "wuxi-liangxi-chongan": "subdistrict",
        "c0001": "community",
    }
    with fleet.session() as session:
        for code, level in levels.items():
            node = resolve_scope(session, code)
            assert (node.code, node.level) == (code, level)
            assert node.path.split("/")[-1] == code
        community = resolve_scope(session, "c0001")
    assert community.path == "wuxi/wuxi-liangxi/wuxi-liangxi-chongan/c0001"


def test_unknown_or_unscoped_codes_raise(fleet: Seeded) -> None:
    with fleet.session() as session:
        for code in ("nowhere", "c0001-b01", "WUXI", "wuxi/%", "", "c000%"):
            with pytest.raises(UnknownScope) as raised:
                resolve_scope(session, code)
            assert raised.value.code == code
            assert repr(code) in str(raised.value)


def test_scope_filter_selects_exactly_the_subtree(fleet: Seeded) -> None:
    with fleet.session() as session:
        every = load_devices(session)
        assert len(every) == 4 * SMALL.communities
        for code in ("wuxi", "wuxi-liangxi", "wuxi-binhu", "c0002"):
            scope = resolve_scope(session, code)
            inside = load_devices(session, scope_path=scope.path)
            expected = [d.id for d in every if in_scope(scope.path, d.path)]
            assert [d.id for d in inside] == expected
            assert all(f"/{code}" in d.path or d.path.startswith(code) for d in inside)
        community = resolve_scope(session, "c0002")
        kinds = sorted(d.kind for d in load_devices(session, scope_path=community.path))
        buildings = session.exec(select(Node).where(col(Node.parent_id) == community.id)).all()
        assert kinds == ["door"] * len(buildings) + ["locker", "vending"]


def test_scope_filter_does_not_match_a_sibling_sharing_a_prefix(seeded: Seeded) -> None:
    with seeded.session() as session:
        city = resolve_scope(session, "wuxi")
        session.add(
            Node(
                code="wuxi-liang",
                name="Trap",
                level="district",
                parent_id=city.id,
                path="wuxi/wuxi-liang",
            )
        )
        session.commit()
        assert load_devices(session, scope_path="wuxi/wuxi-liang") == []
        assert load_devices(session, scope_path="wuxi/wuxi-liangxi")
        nodes = session.exec(select(Node.code).where(scope_filter("wuxi/wuxi-liang", Node.path)))
        assert list(nodes) == [("wuxi-liang",)]
    assert not in_scope("wuxi/wuxi-liang", "wuxi/wuxi-liangxi/x")
    assert in_scope("wuxi/wuxi-liangxi", "wuxi/wuxi-liangxi/x")


def test_scope_filter_refuses_a_path_with_wildcards() -> None:
    with pytest.raises(ValueError):
        scope_filter("wuxi/%")


def test_load_devices_by_kind_and_get_device(fleet: Seeded) -> None:
    with fleet.session() as session:
        doors = load_devices(session, kind="door")
        assert [d.id for d in doors] == [
            f"door-{n:04d}" for n in range(1, 2 * SMALL.communities + 1)
        ]
        locker = get_device(session, "locker-0003")
        assert locker is not None and locker.kind == "locker"
        assert get_device(session, "locker-9999") is None


def test_resident_door_ids_are_their_buildings_enabled_doors(seeded: Seeded) -> None:
    with seeded.session() as session:
        resident = session.exec(select(Resident).order_by(Resident.id)).scalars().first()
        assert resident is not None and resident.id is not None
        doors = (
            session.exec(select(Device).where(col(Device.node_id) == resident.building_id))
            .scalars()
            .all()
        )
        assert [d.kind for d in doors] == ["door"]
        assert resident_door_ids(session, resident.id) == [doors[0].id]
        doors[0].enabled = False
        session.add(doors[0])
        session.commit()
        assert resident_door_ids(session, resident.id) == []
        assert resident_door_ids(session, 10**6) == []


def test_find_residents_by_building_and_unit(fleet: Seeded) -> None:
    entry = fleet.secrets["residents"][3]
    with fleet.session() as session:
        found = find_residents(session, entry["building"], entry["unit"])
        assert [r.id for r in found] == [entry["resident_id"]]
        assert find_residents(session, entry["building"], "9999") == []
        assert find_residents(session, "nowhere", entry["unit"]) == []
