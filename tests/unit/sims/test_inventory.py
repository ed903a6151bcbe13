"""Inventories: the secrets file, the synthetic fleet, selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from device_sims.inventory import (
    Card,
    InventoryError,
    load_secrets,
    synthetic_inventory,
)
from device_sims.limits import raise_open_files
from firmware_protocols.codecs import all_codecs
from hub.registry.vocabulary import is_code, is_device_id

SECRETS = {
    "devices": {
        "locker-0001": {"username": "locker-0001", "password": "s3cret", "client_id": "locker-0001"}
    },
    "hub": {"username": "hub", "password": "x"},
    "residents": [
        {
            "resident_id": 1,
            "building": "c0001-b1",
            "unit": "1201",
            "card": {"format": "H10301", "facility": 12, "number": 4242},
            "pin": "2468",
        },
        {"resident_id": 2, "building": "c0001-b2", "unit": "0101", "card": None, "pin": None},
    ],
}


def test_secrets_file_gives_credentials_and_residents(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(SECRETS))
    secrets = load_secrets(path)
    identity = secrets.devices["locker-0001"]
    assert (identity.client_id, identity.username, identity.password) == (
        "locker-0001",
        "locker-0001",
        "s3cret",
    )
    first, second = secrets.residents
    assert first.card == Card("H10301", 12, 4242) and first.pin == "2468"
    assert first.resident_id == "1" and second.card is None and second.pin is None


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '{"devices": {"a": {"password": "p"}}}', '{"residents": [{"unit": 1}]}'],
)
def test_bad_secrets_files_are_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(text)
    with pytest.raises(InventoryError, match="secrets"):
        load_secrets(path)
    with pytest.raises(InventoryError, match="cannot read"):
        load_secrets(tmp_path / "missing.json")


def test_synthetic_fleet_is_laid_out_like_the_registry() -> None:
    inventory = synthetic_inventory(5, 5, 10, seed=3)
    assert [len(inventory.of_kind(k)) for k in ("locker", "vending", "door")] == [5, 5, 10]
    codecs = all_codecs()
    for device in inventory.devices:
        assert is_device_id(device.device_id) and is_code(device.site)
        codecs.resolve(device.protocol, device.firmware_version)  # every version decodes
    for locker in inventory.of_kind("locker"):
        assert 24 <= len(locker.compartments) <= 60 and locker.buildings
    for machine in inventory.of_kind("vending"):
        assert 20 <= len(machine.slots) <= 40
    by_building = inventory.residents_by_building()
    for door in inventory.of_kind("door"):
        assert door.buildings == (door.site,) and len(by_building[door.site]) == 20
    assert synthetic_inventory(5, 5, 10, seed=3) == inventory
    assert synthetic_inventory(5, 5, 10, seed=4) != inventory


def test_select_and_secrets_merge(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(SECRETS))
    inventory = synthetic_inventory(3, 2, 4).with_secrets(load_secrets(path))
    chosen = inventory.select(1, 0, 2)
    assert [d.device_id for d in chosen.devices] == ["locker-0001", "door-0001", "door-0002"]
    assert chosen.devices[0].credentials().password == "s3cret"
    assert chosen.devices[1].credentials().username is None  # anonymous
    assert len(chosen.residents) == 2  # the secrets file's residents win
    with pytest.raises(InventoryError, match="asked for 4 locker"):
        inventory.select(4, 0, 0)


def test_open_file_limit_is_raised_or_explained() -> None:
    limit = raise_open_files(100)
    assert limit.enough and limit.soft >= limit.needed
    huge = raise_open_files(10**9)
    assert not huge.enough and "ulimit -n" in huge.advice()
