"""The demo fleet's structure as plain data, from a seed: the same seed, the same plan.

Everything here is deterministic (``random.Random(seed)``) and free of secrets; passwords,
PINs and tokens are drawn from the OS CSPRNG when the plan is written (``seeding``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from hub.registry import fleet_data as data
from hub.registry.fleet_data import DeviceModel
from hub.registry.vocabulary import (
    PROTOCOL_FOR_KIND,
    CardFormat,
    CompartmentSize,
    DeviceKind,
    Level,
)

MAX_COMMUNITIES = 4_000  # device and building numbers stay within four digits


@dataclass(frozen=True, slots=True)
class FleetSize:
    communities: int = 500
    buildings_per_community: int = 2  # on average; every community has 1 to 3
    residents_per_building: int = 20  # on average, +-20 %

    def __post_init__(self) -> None:
        if not 1 <= self.communities <= MAX_COMMUNITIES:
            raise ValueError(f"communities must be between 1 and {MAX_COMMUNITIES}")
        if not 1 <= self.buildings_per_community <= 4:
            raise ValueError("buildings per community must be between 1 and 4")
        if not 1 <= self.residents_per_building <= 200:
            raise ValueError("residents per building must be between 1 and 200")


@dataclass(frozen=True, slots=True)
class NodeSpec:
    code: str
    name: str
    level: Level
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class SlotSpec:
    product: str
    price: int
    capacity: int


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    id: str
    kind: DeviceKind
    vendor: str
    model: str
    firmware_version: str
    node_code: str
    name: str
    compartments: tuple[CompartmentSize, ...] = ()
    slots: tuple[SlotSpec, ...] = ()

    @property
    def protocol(self) -> str:
        return PROTOCOL_FOR_KIND[self.kind]


@dataclass(frozen=True, slots=True)
class ResidentSpec:
    building_code: str
    unit: str
    name: str
    card_format: CardFormat
    facility_code: int
    card_number: int


@dataclass(frozen=True, slots=True)
class FleetPlan:
    nodes: tuple[NodeSpec, ...]  # parents before children
    devices: tuple[DeviceSpec, ...]
    residents: tuple[ResidentSpec, ...]


def plan_fleet(seed: int, size: FleetSize | None = None) -> FleetPlan:
    """The whole fleet for ``seed``: hierarchy, devices with compartments and slots,
    residents with one card each."""
    size = size or FleetSize()
    rng = random.Random(seed)
    nodes: list[NodeSpec] = [NodeSpec(data.CITY_CODE, data.CITY_NAME, "city", None)]
    subdistricts: list[tuple[str, float]] = []
    for suffix, name, streets in data.DISTRICTS:
        district = f"{data.CITY_CODE}-{suffix}"
        nodes.append(NodeSpec(district, f"{name} District", "district", data.CITY_CODE))
        for street in streets:
            code = f"{district}-{street.lower()}"
            nodes.append(NodeSpec(code, f"{street} Subdistrict", "subdistrict", district))
            subdistricts.append((code, data.DISTRICT_WEIGHTS[suffix]))

    homes = _assign_communities(rng, subdistricts, size.communities)
    building_counts = _building_counts(rng, size.communities, size.buildings_per_community)
    devices: list[DeviceSpec] = []
    doors: list[DeviceSpec] = []
    residents: list[ResidentSpec] = []
    used_cards: set[tuple[str, int, int]] = set()
    community_names: set[str] = set()
    for index, (subdistrict, buildings) in enumerate(zip(homes, building_counts, strict=True)):
        number = index + 1
        code = f"c{number:04d}"
        name = _community_name(rng, community_names)
        nodes.append(NodeSpec(code, name, "community", subdistrict))
        devices.append(_locker(rng, number, code, name))
        devices.append(_vending(rng, number, code, name))
        facilities: dict[CardFormat, int] = {
            "H10301": rng.randint(1, 255),
            "H10306": rng.randint(256, 65_535),
        }
        for building_number in sorted(rng.sample(range(1, 31), buildings)):
            building = f"{code}-b{building_number:02d}"
            nodes.append(NodeSpec(building, f"Building {building_number}", "building", code))
            door_number = len(doors) + 1
            model = _pick_model(rng, data.DOOR_MODELS)
            entrance = f"{name} Building {building_number} entrance"
            doors.append(_device(rng, model, "door", door_number, building, entrance))
            residents.extend(
                _residents(rng, building, size.residents_per_building, facilities, used_cards)
            )
    return FleetPlan(tuple(nodes), tuple(devices + doors), tuple(residents))


def _assign_communities(
    rng: random.Random, subdistricts: Sequence[tuple[str, float]], count: int
) -> list[str]:
    """Subdistrict of each community, grouped in subdistrict order; every subdistrict gets
    one before any gets a second, the rest follow the district weights."""
    order = {code: i for i, (code, _) in enumerate(subdistricts)}
    codes = [code for code, _ in subdistricts]
    homes = codes[:count] if count <= len(codes) else list(codes)
    if count > len(codes):
        weights = [weight for _, weight in subdistricts]
        homes += rng.choices(codes, weights=weights, k=count - len(codes))
    return sorted(homes, key=order.__getitem__)


def _building_counts(rng: random.Random, communities: int, average: int) -> list[int]:
    """1 to ``average + 1`` buildings per community, summing to exactly ``average`` each."""
    counts = [average] * communities
    for _ in range(communities // 2):
        give, take = rng.randrange(communities), rng.randrange(communities)
        if give != take and counts[give] > 1 and counts[take] <= average:
            counts[give] -= 1
            counts[take] += 1
    return counts


def _community_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        name = f"{rng.choice(data.COMMUNITY_PREFIXES)} {rng.choice(data.COMMUNITY_SUFFIXES)}"
        if name not in used:
            used.add(name)
            return name
    base = f"{rng.choice(data.COMMUNITY_PREFIXES)} {rng.choice(data.COMMUNITY_SUFFIXES)}"
    phase = 2
    while f"{base} Phase {phase}" in used:
        phase += 1
    used.add(f"{base} Phase {phase}")
    return f"{base} Phase {phase}"


def _pick_model(rng: random.Random, models: Sequence[DeviceModel]) -> DeviceModel:
    return rng.choices(models, weights=[m.weight for m in models], k=1)[0]


def _device(
    rng: random.Random,
    model: DeviceModel,
    kind: DeviceKind,
    number: int,
    node_code: str,
    name: str,
    *,
    compartments: tuple[CompartmentSize, ...] = (),
    slots: tuple[SlotSpec, ...] = (),
) -> DeviceSpec:
    """Device ``number`` of ``kind``, of ``model`` with one of its firmware versions (drawn
    here: after the device's own parts, so a seed gives the same fleet)."""
    return DeviceSpec(
        id=f"{kind}-{number:04d}",
        kind=kind,
        vendor=model.vendor,
        model=model.model,
        firmware_version=rng.choice(model.firmware_versions),
        node_code=node_code,
        name=name,
        compartments=compartments,
        slots=slots,
    )


def _locker(rng: random.Random, number: int, community: str, name: str) -> DeviceSpec:
    model = _pick_model(rng, data.LOCKER_MODELS)
    count = rng.randint(24, 60)
    large = max(1, round(count * 0.15))
    medium = round(count * 0.35)
    small = count - large - medium
    plan: tuple[tuple[CompartmentSize, int], ...] = (("L", large), ("M", medium), ("S", small))
    sizes = [size for size, n in plan for _ in range(n)]
    rng.shuffle(sizes)
    return _device(
        rng, model, "locker", number, community, f"{name} parcel locker", compartments=tuple(sizes)
    )


def _vending(rng: random.Random, number: int, community: str, name: str) -> DeviceSpec:
    model = _pick_model(rng, data.VENDING_MODELS)
    slots = []
    for _ in range(rng.randint(20, 40)):
        product, base = rng.choice(data.VEGETABLES)
        price = max(10, round(base * rng.uniform(0.85, 1.2) / 10) * 10)
        slots.append(SlotSpec(product, price, rng.choice((6, 8, 10, 12))))
    return _device(
        rng, model, "vending", number, community, f"{name} fresh produce", slots=tuple(slots)
    )


def _residents(
    rng: random.Random,
    building: str,
    average: int,
    facilities: dict[CardFormat, int],
    used_cards: set[tuple[str, int, int]],
) -> list[ResidentSpec]:
    spread = average // 5
    floors, per_floor = rng.randint(6, 33), rng.randint(2, 4)
    units = [
        f"{floor}{door:02d}" for floor in range(1, floors + 1) for door in range(1, per_floor + 1)
    ]
    count = min(len(units), rng.randint(max(1, average - spread), average + spread))
    chosen = sorted(rng.sample(units, count), key=lambda u: (len(u), u))
    residents = []
    for unit in chosen:
        card_format: CardFormat = "H10301" if rng.random() < 0.6 else "H10306"
        facility = facilities[card_format]
        card_number = rng.randint(1, 65_535)
        while (card_format, facility, card_number) in used_cards:
            card_number = rng.randint(1, 65_535)
        used_cards.add((card_format, facility, card_number))
        name = f"{rng.choice(data.SURNAMES)} {rng.choice(data.GIVEN_NAMES)}"
        residents.append(ResidentSpec(building, unit, name, card_format, facility, card_number))
    return residents
