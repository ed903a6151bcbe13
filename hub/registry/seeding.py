"""``hub seed``: write a planned fleet into an empty registry in one transaction.

The structure comes from :func:`plan_fleet` (deterministic per seed). Secrets (device
MQTT passwords and their salts, PINs, resident app tokens, the hub's password) come from
the OS CSPRNG, so knowing the seed reveals none of them; they are written once to the
secrets file and stored only as hashes. Rows go in through :mod:`bulk` (``COPY`` on
PostgreSQL, a driver-level ``executemany`` on SQLite); generated ids are read back by
natural key. 2000 devices and 20,000 residents take a few seconds on either.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from hub.db.tables import table_of
from hub.errors import RegistryError
from hub.registry import secrets_file
from hub.registry.bulk import bulk_insert
from hub.registry.change_feed import ChangeDraft, lock_registry_writes, record_changes
from hub.registry.credentials import pin_hash
from hub.registry.errors import AlreadySeeded
from hub.registry.fleet_plan import FleetPlan, FleetSize, plan_fleet
from hub.registry.models import (
    CONTENT_TABLES,
    ApiToken,
    Compartment,
    Device,
    DoorCredential,
    Node,
    Resident,
    VendingSlot,
)
from hub.registry.passwords import generate_password, hash_password
from hub.registry.timestamps import utc_now
from hub.registry.tokens import hash_token, new_token
from hub.registry.vocabulary import LEVELS

APP_TOKEN_TTL = timedelta(days=365)
HUB_USERNAME = "hub"


@dataclass(frozen=True, slots=True)
class SeedReport:
    nodes: Mapping[str, int]
    devices: Mapping[str, int]
    compartments: int
    slots: int
    residents: int
    credentials: int
    tokens: int
    elapsed_s: float
    secrets_path: Path

    def summary(self) -> str:
        levels = ", ".join(f"{n} {level}" for level, n in self.nodes.items())
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.devices.items())
        return (
            f"seeded {levels}; {sum(self.devices.values())} devices ({kinds}), "
            f"{self.compartments} compartments, {self.slots} vending slots, "
            f"{self.residents} residents, {self.credentials} door credentials, "
            f"{self.tokens} app tokens in {self.elapsed_s:.2f} s; "
            f"secrets written to {self.secrets_path}"
        )


def seed_registry(
    engine: Engine,
    *,
    secret_key: str,
    seed: int,
    secrets_path: Path,
    size: FleetSize | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> SeedReport:
    """Plan and write the demo fleet. Refuses a registry that already holds nodes or
    devices (AlreadySeeded) unless ``force``, which wipes the registry tables first."""
    started = time.perf_counter()
    plan = plan_fleet(seed, size)
    now = now or utc_now()
    with engine.begin() as conn:
        lock_registry_writes(conn)
        devices, nodes = (
            conn.execute(select(func.count()).select_from(table_of(model))).scalar_one()
            for model in (Device, Node)
        )
        if devices or nodes:
            if not force:
                raise AlreadySeeded(devices, nodes)
            wipe_registry(conn)
        document = _write(conn, plan, secret_key, now)
        record_changes(
            conn,
            [ChangeDraft("registry", "*", "reloaded")],
            actor="hub seed",
            ts_ms=int(now.timestamp() * 1000),
        )
        staged = secrets_file.stage(secrets_path, document)
    try:
        secrets_file.publish(staged, secrets_path)
    except OSError:
        secrets_file.discard(staged)
        raise
    return SeedReport(
        nodes=dict(Counter(node.level for node in plan.nodes)),
        devices=dict(Counter(device.kind for device in plan.devices)),
        compartments=sum(len(d.compartments) for d in plan.devices),
        slots=sum(len(d.slots) for d in plan.devices),
        residents=len(plan.residents),
        credentials=2 * len(plan.residents),
        tokens=len(plan.residents),
        elapsed_s=time.perf_counter() - started,
        secrets_path=secrets_path,
    )


def wipe_registry(conn: Connection) -> None:
    """Delete every registry row (children first) and restart PostgreSQL's id sequences.
    The change feed stays: its ids are revisions running hubs have applied."""
    try:
        for name in reversed(CONTENT_TABLES):
            conn.execute(delete(SQLModel.metadata.tables[name]))
    except IntegrityError as exc:
        raise RegistryError(
            "cannot wipe the registry: other data still refers to its devices or residents"
        ) from exc
    if conn.dialect.name == "postgresql":
        for name in CONTENT_TABLES:
            if name != "device":
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"), {"t": name}
                )


def _insert_many(conn: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = list(rows[0])
        bulk_insert(conn, table_of(model), columns, [[row[c] for c in columns] for row in rows])


def _write(conn: Connection, plan: FleetPlan, secret_key: str, now: datetime) -> dict[str, Any]:
    """Insert the plan; return the secrets document."""
    ids, paths = _write_nodes(conn, plan)
    passwords = _write_devices(conn, plan, ids, paths, now)
    residents = _write_residents(conn, plan, ids, secret_key, now)
    return {
        "devices": {
            device_id: secrets_file.device_entry(device_id, password)
            for device_id, password in passwords.items()
        },
        "hub": {"username": HUB_USERNAME, "password": generate_password()},
        "residents": residents,
    }


def _write_nodes(conn: Connection, plan: FleetPlan) -> tuple[dict[str, int], dict[str, str]]:
    """Insert the hierarchy level by level (parents first); return ids and paths by code."""
    node = table_of(Node)
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    for level in LEVELS:
        rows = []
        for spec in plan.nodes:
            if spec.level != level:
                continue
            parent = spec.parent_code
            paths[spec.code] = spec.code if parent is None else f"{paths[parent]}/{spec.code}"
            rows.append(
                {
                    "code": spec.code,
                    "name": spec.name,
                    "level": level,
                    "parent_id": None if parent is None else ids[parent],
                    "path": paths[spec.code],
                }
            )
        _insert_many(conn, Node, rows)
        found = conn.execute(select(node.c.code, node.c.id).where(node.c.level == level))
        ids.update({code: node_id for code, node_id in found})
    return ids, paths


def _write_devices(
    conn: Connection,
    plan: FleetPlan,
    ids: Mapping[str, int],
    paths: Mapping[str, str],
    now: datetime,
) -> dict[str, str]:
    """Insert devices, compartments and slots; return each device's new MQTT password."""
    passwords = {device.id: generate_password() for device in plan.devices}
    devices = [
        {
            "id": d.id,
            "kind": d.kind,
            "vendor": d.vendor,
            "model": d.model,
            "firmware_version": d.firmware_version,
            "protocol": d.protocol,
            "node_id": ids[d.node_code],
            "path": paths[d.node_code],
            "name": d.name,
            "mqtt_password_hash": hash_password(passwords[d.id]),
            "enabled": True,
            "created_at": now,
        }
        for d in plan.devices
    ]
    compartments = [
        {"device_id": d.id, "number": number, "size": size}
        for d in plan.devices
        for number, size in enumerate(d.compartments, start=1)
    ]
    slots = [
        {
            "device_id": d.id,
            "number": number,
            "product": slot.product,
            "price": slot.price,
            "capacity": slot.capacity,
        }
        for d in plan.devices
        for number, slot in enumerate(d.slots, start=1)
    ]
    _insert_many(conn, Device, devices)
    _insert_many(conn, Compartment, compartments)
    _insert_many(conn, VendingSlot, slots)
    return passwords


def _write_residents(
    conn: Connection, plan: FleetPlan, ids: Mapping[str, int], secret_key: str, now: datetime
) -> list[dict[str, Any]]:
    """Insert residents, their card and PIN, and an app token each; return the residents'
    entries of the secrets document."""
    resident_rows = [
        {"building_id": ids[r.building_code], "unit": r.unit, "name": r.name}
        for r in plan.residents
    ]
    _insert_many(conn, Resident, resident_rows)
    columns = table_of(Resident).c
    known = conn.execute(select(columns.id, columns.building_id, columns.unit))
    id_by_home = {(building_id, unit): rid for rid, building_id, unit in known}
    resident_ids = [id_by_home[row["building_id"], row["unit"]] for row in resident_rows]
    no_card = {"card_format": None, "facility_code": None, "card_number": None}
    credentials: list[dict[str, Any]] = []
    tokens: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for resident, resident_id, pin in zip(plan.residents, resident_ids, _pins(plan), strict=True):
        common = {"resident_id": resident_id, "revoked": False, "created_at": now}
        card = {
            "card_format": resident.card_format,
            "facility_code": resident.facility_code,
            "card_number": resident.card_number,
        }
        keyed = pin_hash(secret_key, ids[resident.building_code], pin)
        credentials.append({**common, **card, "kind": "card", "pin_hash": None})
        credentials.append({**common, **no_card, "kind": "pin", "pin_hash": keyed})
        tokens.append(
            {
                "token_hash": hash_token(new_token()),
                "role": "resident",
                "scope_node_id": None,
                "resident_id": resident_id,
                "label": "app",
                "created_at": now,
                "expires_at": now + APP_TOKEN_TTL,
                "revoked_at": None,
            }
        )
        entries.append(
            {
                "resident_id": resident_id,
                "building": resident.building_code,
                "unit": resident.unit,
                "card": {
                    "format": resident.card_format,
                    "facility": resident.facility_code,
                    "number": resident.card_number,
                },
                "pin": pin,
            }
        )
    _insert_many(conn, DoorCredential, credentials)
    _insert_many(conn, ApiToken, tokens)
    return entries


def _pins(plan: FleetPlan) -> list[str]:
    """A random 4 to 6 digit PIN per resident, unique within each building."""
    taken: dict[str, set[str]] = {}
    pins = []
    for resident in plan.residents:
        used = taken.setdefault(resident.building_code, set())
        while True:
            length = 4 + secrets.randbelow(3)
            pin = f"{secrets.randbelow(10**length):0{length}d}"
            if pin not in used:
                used.add(pin)
                pins.append(pin)
                break
    return pins
