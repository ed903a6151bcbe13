"""Reading the device list from a registry that ``hub seed`` filled (SQLite and
PostgreSQL), with the credentials and PINs from the secrets file it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from device_sims.cli import main
from device_sims.inventory import load_registry, load_secrets
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.registry.fleet_plan import FleetSize
from hub.registry.seeding import seed_registry
from tests.support.broker import PrivateMosquitto


def test_registry_and_secrets_make_the_inventory(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    secrets_path = tmp_path / "secrets.json"
    seed_registry(
        engine,
        secret_key="test-secret-key-0123456789",
        seed=11,
        secrets_path=secrets_path,
        size=FleetSize(communities=3),
    )
    engine.dispose()
    inventory = load_registry(database_url)
    kinds = [d.kind for d in inventory.devices]
    assert kinds.count("locker") == kinds.count("vending") == 3
    assert kinds.count("door") >= 3
    by_building = inventory.residents_by_building()
    for door in inventory.of_kind("door"):
        assert door.buildings == (door.site,) and by_building[door.site]
    for locker in inventory.of_kind("locker"):
        assert locker.compartments and locker.buildings
        assert all(b.startswith(locker.site) for b in locker.buildings)
    assert all(m.slots for m in inventory.of_kind("vending"))
    assert any(r.card is not None for r in inventory.residents)

    merged = inventory.with_secrets(load_secrets(secrets_path)).select(3, 3, 3)
    assert all(d.credentials().password for d in merged.devices)
    assert all(d.credentials().username == d.device_id for d in merged.devices)
    cards = {r.card for r in inventory.residents}
    assert {r.card for r in merged.residents} <= cards  # the file and the registry agree
    assert all(r.pin for r in merged.residents if r.card is not None)


@pytest.mark.broker
def test_bench_runs_the_seeded_fleet(
    sqlite_url: str,
    tmp_path: Path,
    private_mosquitto: PrivateMosquitto,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    secrets_path = tmp_path / "secrets.json"
    report = seed_registry(
        engine,
        secret_key="test-secret-key-0123456789",
        seed=5,
        secrets_path=secrets_path,
        size=FleetSize(communities=2),
    )
    engine.dispose()
    argv = ["bench", "--database-url", sqlite_url, "--secrets", str(secrets_path)]
    argv += ["--mqtt-url", private_mosquitto.url, "--messages", "5", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["devices"] == sum(report.devices.values())  # every registered device
    assert result["published"] == 5 * result["devices"]
