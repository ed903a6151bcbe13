"""What the simulators simulate: devices, their layout, and the residents who use them.

Where it comes from (one rule each, kept simple):

- **devices**: the registry database when a URL is given (``--database-url``, default
  ``HUB_DATABASE_URL``), read with SQLAlchemy Core from ``device``, ``compartment``,
  ``vending_slot`` and ``node``; otherwise a synthetic fleet (:func:`synthetic_inventory`)
  whose ids follow the registry's naming rules.
- **credentials**: the secrets file written by ``hub seed`` (``--secrets``); a device
  without an entry connects without credentials (an anonymous broker).
- **residents**: the secrets file when it lists them (it alone knows the PINs); else the
  registry's ``resident`` and ``door_credential`` tables (cards only); else synthetic.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from device_sims.link import Identity
from firmware_protocols.base import DeviceKind

PROTOCOL_OF: Mapping[DeviceKind, str] = {
    "locker": "lockerlink",
    "vending": "sparkplug_b",
    "door": "osdp",
}
PRODUCTS: tuple[tuple[str, int], ...] = (
    ("water", 200),
    ("cola", 350),
    ("milk", 450),
    ("yoghurt", 600),
    ("tomatoes", 800),
    ("cucumbers", 650),
    ("lettuce", 550),
    ("eggs", 1200),
    ("bread", 900),
    ("apples", 1000),
)


class InventoryError(Exception):
    """The secrets file or the registry could not be read."""


@dataclass(frozen=True, slots=True)
class Card:
    format: str  # "H10301" (Wiegand 26) or "H10306" (Wiegand 34)
    facility: int
    number: int


@dataclass(frozen=True, slots=True)
class Resident:
    resident_id: str
    building: str  # building node code
    unit: str
    card: Card | None = None
    pin: str | None = None


@dataclass(frozen=True, slots=True)
class CompartmentSpec:
    number: int
    size: str


@dataclass(frozen=True, slots=True)
class SlotSpec:
    number: int
    product: str
    price: int  # fen
    capacity: int


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One device. ``buildings`` are the building codes it serves: a locker's are its
    community's buildings, a door's is its own building."""

    device_id: str
    kind: DeviceKind
    firmware_version: str
    site: str
    buildings: tuple[str, ...] = ()
    compartments: tuple[CompartmentSpec, ...] = ()
    slots: tuple[SlotSpec, ...] = ()
    identity: Identity | None = None

    @property
    def protocol(self) -> str:
        return PROTOCOL_OF[self.kind]

    def credentials(self) -> Identity:
        return self.identity if self.identity is not None else Identity(self.device_id)


@dataclass(frozen=True, slots=True)
class Inventory:
    devices: tuple[DeviceSpec, ...]
    residents: tuple[Resident, ...]

    def of_kind(self, kind: DeviceKind) -> tuple[DeviceSpec, ...]:
        return tuple(d for d in self.devices if d.kind == kind)

    def select(self, lockers: int | None, vending: int | None, doors: int | None) -> Inventory:
        """The first ``n`` devices of each kind, by id (None: all of that kind)."""
        counts: dict[DeviceKind, int | None] = {
            "locker": lockers,
            "vending": vending,
            "door": doors,
        }
        chosen: list[DeviceSpec] = []
        for kind, wanted in counts.items():
            available = sorted(self.of_kind(kind), key=lambda d: d.device_id)
            count = len(available) if wanted is None else wanted
            if count > len(available):
                raise InventoryError(f"asked for {count} {kind} devices, found {len(available)}")
            chosen.extend(available[:count])
        return Inventory(tuple(chosen), self.residents)

    def with_secrets(self, secrets: Secrets) -> Inventory:
        devices = tuple(
            replace(d, identity=secrets.devices.get(d.device_id, d.identity)) for d in self.devices
        )
        residents = secrets.residents or self.residents
        return Inventory(devices, residents)

    def residents_by_building(self) -> dict[str, tuple[Resident, ...]]:
        grouped: dict[str, list[Resident]] = defaultdict(list)
        for resident in self.residents:
            grouped[resident.building].append(resident)
        return {building: tuple(people) for building, people in grouped.items()}


@dataclass(frozen=True, slots=True)
class Secrets:
    devices: Mapping[str, Identity]
    residents: tuple[Resident, ...]


# ------------------------------------------------------------------ secrets file
def load_secrets(path: Path) -> Secrets:
    """Read the JSON ``hub seed`` writes; raise :class:`InventoryError` naming the problem."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InventoryError(f"cannot read secrets file {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise InventoryError(f"secrets file {path}: expected a JSON object")
    try:
        devices = {
            str(device_id): Identity(
                client_id=str(entry.get("client_id") or device_id),
                username=str(entry["username"]),
                password=str(entry["password"]),
            )
            for device_id, entry in dict(document.get("devices") or {}).items()
        }
        residents = tuple(_resident(r) for r in document.get("residents") or ())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InventoryError(f"secrets file {path}: malformed entry ({exc!r})") from exc
    return Secrets(devices, residents)


def _resident(entry: Mapping[str, Any]) -> Resident:
    card_entry = entry.get("card")
    card = None
    if card_entry:
        card = Card(
            str(card_entry["format"]), int(card_entry["facility"]), int(card_entry["number"])
        )
    pin = entry.get("pin")
    return Resident(
        resident_id=str(entry["resident_id"]),
        building=str(entry["building"]),
        unit=str(entry["unit"]),
        card=card,
        pin=None if pin is None else str(pin),
    )


# ------------------------------------------------------------------ registry database
def load_registry(database_url: str) -> Inventory:
    """Every enabled device of the registry with its layout, and the residents' cards."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from hub.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            nodes = {
                int(r.id): (str(r.code), str(r.level), r.parent_id)
                for r in conn.execute(text("SELECT id, code, level, parent_id FROM node"))
            }
            devices = conn.execute(
                text(
                    "SELECT id, kind, firmware_version, node_id FROM device"
                    " WHERE enabled ORDER BY id"
                )
            ).all()
            compartments = _group(
                conn.execute(
                    text("SELECT device_id, number, size FROM compartment ORDER BY number")
                ),
                lambda r: CompartmentSpec(int(r.number), str(r.size)),
            )
            slots = _group(
                conn.execute(
                    text(
                        "SELECT device_id, number, product, price, capacity FROM vending_slot"
                        " ORDER BY number"
                    )
                ),
                lambda r: SlotSpec(int(r.number), str(r.product), int(r.price), int(r.capacity)),
            )
            cards = conn.execute(
                text(
                    "SELECT r.id, r.building_id, r.unit, c.card_format, c.facility_code,"
                    " c.card_number FROM resident r LEFT JOIN door_credential c"
                    " ON c.resident_id = r.id AND c.kind = 'card' AND NOT c.revoked"
                    " ORDER BY r.id"
                )
            ).all()
    except SQLAlchemyError as exc:
        raise InventoryError(f"cannot read the registry at {database_url}: {exc}") from exc
    finally:
        engine.dispose()
    children: dict[int, list[int]] = defaultdict(list)
    for node_id, (_code, _level, parent) in nodes.items():
        if parent is not None:
            children[int(parent)].append(node_id)
    specs = []
    for row in devices:
        node_id = int(row.node_id)
        code, level, _parent = nodes[node_id]
        if level == "building":
            buildings: tuple[str, ...] = (code,)
        else:
            buildings = tuple(
                sorted(nodes[c][0] for c in children[node_id] if nodes[c][1] == "building")
            )
        specs.append(
            DeviceSpec(
                device_id=str(row.id),
                kind=cast(DeviceKind, str(row.kind)),
                firmware_version=str(row.firmware_version),
                site=code,
                buildings=buildings,
                compartments=tuple(compartments.get(str(row.id), ())),
                slots=tuple(slots.get(str(row.id), ())),
            )
        )
    residents = tuple(
        Resident(
            resident_id=str(r.id),
            building=nodes[int(r.building_id)][0],
            unit=str(r.unit),
            card=None
            if r.card_format is None
            else Card(str(r.card_format), int(r.facility_code), int(r.card_number)),
        )
        for r in cards
    )
    return Inventory(tuple(specs), residents)


def _group(rows: Iterable[Any], make: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[str(row.device_id)].append(make(row))
    return grouped


# ------------------------------------------------------------------ synthetic fleet
def synthetic_inventory(
    lockers: int,
    vending: int,
    doors: int,
    *,
    seed: int = 0,
    firmware: Mapping[DeviceKind, Sequence[str]] | None = None,
    residents_per_building: int = 20,
) -> Inventory:
    """A fleet laid out like ``hub seed``'s: one locker and one vending machine per
    community, doors over the communities' buildings, residents in every building.
    ``firmware`` lists the versions to draw from per kind (default: every version the
    codecs serve)."""
    rng = random.Random(seed)
    versions = dict(firmware) if firmware is not None else _codec_versions()
    communities = max(lockers, vending, (doors + 1) // 2, 1)
    per_community = max(1, -(-doors // communities)) if doors else 2
    community_buildings = {
        c: tuple(f"c{c:04d}-b{b}" for b in range(1, per_community + 1))
        for c in range(1, communities + 1)
    }
    all_buildings = [b for bs in community_buildings.values() for b in bs]
    devices: list[DeviceSpec] = []
    for i in range(1, lockers + 1):
        devices.append(
            DeviceSpec(
                device_id=f"locker-{i:04d}",
                kind="locker",
                firmware_version=rng.choice(versions["locker"]),
                site=f"c{i:04d}",
                buildings=community_buildings[i],
                compartments=_compartments(rng),
            )
        )
    for i in range(1, vending + 1):
        devices.append(
            DeviceSpec(
                device_id=f"vending-{i:04d}",
                kind="vending",
                firmware_version=rng.choice(versions["vending"]),
                site=f"c{i:04d}",
                buildings=community_buildings[i],
                slots=_slots(rng),
            )
        )
    for i in range(1, doors + 1):
        building = all_buildings[(i - 1) % len(all_buildings)]
        devices.append(
            DeviceSpec(
                device_id=f"door-{i:04d}",
                kind="door",
                firmware_version=rng.choice(versions["door"]),
                site=building,
                buildings=(building,),
            )
        )
    residents = _residents(rng, all_buildings, residents_per_building)
    return Inventory(tuple(devices), residents)


def _codec_versions() -> dict[DeviceKind, list[str]]:
    from firmware_protocols.codecs import all_codecs

    versions: dict[DeviceKind, list[str]] = defaultdict(list)
    for definition in all_codecs().definitions:
        for version in definition.firmware_versions:
            versions[definition.kind].append(version if "." in version else f"{version}.0.0")
    return versions


def _compartments(rng: random.Random) -> tuple[CompartmentSpec, ...]:
    count = rng.randint(24, 60)
    sizes = rng.choices(("S", "M", "L"), weights=(5, 3, 2), k=count)
    return tuple(CompartmentSpec(n, size) for n, size in enumerate(sizes, start=1))


def _slots(rng: random.Random) -> tuple[SlotSpec, ...]:
    count = rng.randint(20, 40)
    picks = [rng.choice(PRODUCTS) for _ in range(count)]
    return tuple(
        SlotSpec(n, product, price, rng.choice((6, 8, 10, 12)))
        for n, (product, price) in enumerate(picks, start=1)
    )


def _residents(
    rng: random.Random, buildings: Sequence[str], per_building: int
) -> tuple[Resident, ...]:
    people = []
    card_number = 1000
    for b_index, building in enumerate(buildings):
        for r in range(per_building):
            card_number += 1
            wide = rng.random() < 0.3
            card = Card(
                "H10306" if wide else "H10301",
                (b_index % 250) + 1,
                card_number % 0xFFFF,
            )
            people.append(
                Resident(
                    resident_id=f"{building}-r{r + 1}",
                    building=building,
                    unit=f"{(r // 4) + 1}{(r % 4) + 1:02d}",
                    card=card,
                    pin=f"{rng.randint(0, 999_999):06d}",
                )
            )
    return tuple(people)
