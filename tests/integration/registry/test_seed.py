"""``seed_registry``: counts, secrets, refusal to reseed, determinism, full size."""

from __future__ import annotations

import io
import itertools
import json
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.db.tables import table_of
from hub.registry.csv_io import export_devices
from hub.registry.errors import AlreadySeeded
from hub.registry.fleet_plan import FleetSize
from hub.registry.models import (
    ApiToken,
    Compartment,
    Device,
    DoorCredential,
    Node,
    Resident,
    VendingSlot,
)
from hub.registry.passwords import verify_password
from hub.registry.queries import device_compartments, device_slots
from hub.registry.seeding import seed_registry
from tests.integration.registry.conftest import SECRET_KEY, SMALL, Seeded

SECRET_OR_TIME = {"mqtt_password_hash", "pin_hash", "token_hash", "created_at", "expires_at"}


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.exec(select(func.count()).select_from(table_of(model)).where(*where)).one()[0]


def test_small_fleet_has_the_shape_of_the_city(fleet: Seeded) -> None:
    with fleet.session() as session:
        levels = Counter(session.exec(select(Node.level)).scalars())
        kinds = Counter(session.exec(select(Device.kind)).scalars())
        assert levels == {
            "city": 1,
            "district": 7,
            "subdistrict": 61,
            "community": SMALL.communities,
            "building": 2 * SMALL.communities,
        }
        assert kinds == {
            "locker": SMALL.communities,
            "vending": SMALL.communities,
            "door": 2 * SMALL.communities,
        }
        residents = _count(session, Resident)
        assert residents == fleet.report.residents == len(fleet.secrets["residents"])
        assert _count(session, DoorCredential, col(DoorCredential.kind) == "card") == residents
        assert _count(session, DoorCredential, col(DoorCredential.kind) == "pin") == residents
        assert _count(session, ApiToken, col(ApiToken.role) == "resident") == residents
        for device in session.exec(select(Device)).scalars():
            node = session.get(Node, device.node_id)
            assert node is not None and device.path == node.path
            assert node.level == ("building" if device.kind == "door" else "community")
            if device.kind == "locker":
                sizes = [c.size for c in device_compartments(session, device.id)]
                assert 24 <= len(sizes) <= 60 and set(sizes) == {"S", "M", "L"}
            elif device.kind == "vending":
                slots = device_slots(session, device.id)
                assert 20 <= len(slots) <= 40
                assert [s.number for s in slots] == list(range(1, len(slots) + 1))
                assert all(s.price > 0 and s.capacity > 0 for s in slots)


def test_secrets_file_is_private_and_matches_the_hashes(fleet: Seeded) -> None:
    path = fleet.report.secrets_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    devices = fleet.secrets["devices"]
    assert fleet.secrets["hub"]["username"] == "hub" and fleet.secrets["hub"]["password"]
    with fleet.session() as session:
        stored = {d.id: d.mqtt_password_hash for d in session.exec(select(Device)).scalars()}
    assert set(devices) == set(stored)
    ids = sorted(devices)
    for device_id, neighbour in itertools.pairwise(ids[:7]):
        entry = devices[device_id]
        assert entry["username"] == entry["client_id"] == device_id
        assert verify_password(entry["password"], stored[device_id])
        assert not verify_password(entry["password"], stored[neighbour])
    assert len({entry["password"] for entry in devices.values()}) == len(devices)
    first = fleet.secrets["residents"][0]
    assert set(first) == {"resident_id", "building", "unit", "card", "pin"}
    assert first["card"]["format"] in ("H10301", "H10306")


def test_firmware_generations_are_mixed(fleet: Seeded) -> None:
    with fleet.session() as session:
        rows = session.exec(select(Device.kind, Device.protocol, Device.firmware_version)).all()
    majors = {(kind, protocol, version.split(".")[0]) for kind, protocol, version in rows}
    assert {("locker", "lockerlink", "1"), ("locker", "lockerlink", "2")} <= majors
    assert {m for m in majors if m[0] == "vending"} == {("vending", "sparkplug_b", "2")}
    assert {m[:2] for m in majors if m[0] == "door"} == {("door", "osdp")}


def test_seeding_a_seeded_registry_is_refused_and_changes_nothing(
    fleet: Seeded, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    with pytest.raises(AlreadySeeded, match="--force"):
        seed_registry(fleet.engine, secret_key=SECRET_KEY, seed=99, secrets_path=other, size=SMALL)
    assert not other.exists()
    with fleet.session() as session:
        assert _count(session, Resident) == fleet.report.residents


def test_force_wipes_and_reseeds(seeded: Seeded, tmp_path: Path) -> None:
    smaller = FleetSize(communities=3, residents_per_building=2)
    report = seeded.reseed(tmp_path, size=smaller)
    with seeded.session() as session:
        assert _count(session, Device) == 12
        assert _count(session, Resident) == report.residents
        assert _count(session, Compartment) == report.compartments
        assert _count(session, VendingSlot) == report.slots
        assert session.exec(select(func.min(Resident.id))).one()[0] == 1


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every registry row, secrets and timestamps left out, in primary key order."""
    dump = {}
    with engine.connect() as conn:
        for model in (Node, Device, Compartment, VendingSlot, Resident, DoorCredential, ApiToken):
            target = table_of(model)
            columns = [c for c in target.columns if c.name not in SECRET_OR_TIME]
            rows = conn.execute(select(*columns).order_by(*target.primary_key.columns))
            dump[target.name] = [tuple(row) for row in rows]
    return dump


def _export(engine: Engine) -> str:
    out = io.StringIO()
    with Session(engine) as session:
        export_devices(session, out)
    return out.getvalue()


def test_same_seed_gives_the_same_registry(fleet: Seeded, tmp_path: Path) -> None:
    twin = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    upgrade(twin)
    seed_registry(twin, secret_key=SECRET_KEY, seed=7, secrets_path=tmp_path / "t.json", size=SMALL)
    assert _export(twin) == _export(fleet.engine)
    assert _dump(twin) == _dump(fleet.engine)
    twin_secrets = json.loads((tmp_path / "t.json").read_text())
    assert twin_secrets["devices"].keys() == fleet.secrets["devices"].keys()
    assert twin_secrets["devices"]["locker-0001"] != fleet.secrets["devices"]["locker-0001"]
    twin.dispose()


def test_another_seed_gives_another_fleet(fleet: Seeded, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    seed_registry(
        other, secret_key=SECRET_KEY, seed=8, secrets_path=tmp_path / "o.json", size=SMALL
    )
    assert _export(other) != _export(fleet.engine)
    other.dispose()


def test_full_size_fleet(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    report = seed_registry(engine, secret_key=SECRET_KEY, seed=1, secrets_path=tmp_path / "s.json")
    with Session(engine) as session:
        kinds = Counter(session.exec(select(Device.kind)).scalars())
        levels = Counter(session.exec(select(Node.level)).scalars())
        residents = _count(session, Resident)
    assert kinds == {"locker": 500, "vending": 500, "door": 1000}
    assert levels["community"] == 500 and levels["district"] == 7
    assert levels["building"] == 1000 and 55 <= levels["subdistrict"] <= 65
    assert 19_000 <= residents <= 21_000 and residents == report.residents
    engine.dispose()
