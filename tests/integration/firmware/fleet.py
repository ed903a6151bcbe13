"""A registry for firmware tests: one city, one district, communities with buildings, and
as many lockers, vending machines and doors as a test asks for, with the simulated
devices that play them.

Lockers are vendor ``Kerong`` model ``KL-24C``, vending machines ``Fuji`` ``VM-40C``,
doors ``Acme`` ``DU-200``. Each community has ``buildings`` buildings; doors are spread
over the buildings in order, lockers and vending machines over the communities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from device_sims.device import SimDevice, SimOptions
from device_sims.door import Door
from device_sims.inventory import CompartmentSpec, DeviceSpec, SlotSpec
from device_sims.link import Ticker
from device_sims.locker import Locker
from device_sims.vending import VendingMachine
from hub.db.migrate import upgrade
from hub.registry.models import Compartment, Device, Node, VendingSlot
from hub.registry.passwords import hash_password
from mqtt_link.address import BrokerAddress
from tests.support.nodes import add_node

SIM_OPTIONS = SimOptions(speed=1000.0, behaviour=False)
MODELS = {"locker": ("Kerong", "KL-24C"), "vending": ("Fuji", "VM-40C"), "door": ("Acme", "DU-200")}
PROTOCOLS = {"locker": "lockerlink", "vending": "sparkplug_b", "door": "osdp"}


@dataclass
class FirmwareFleet:
    city: str
    communities: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    devices: dict[str, DeviceSpec] = field(default_factory=dict)
    building_of: dict[str, str] = field(default_factory=dict)  # door > building code

    def of_kind(self, kind: str) -> list[str]:
        return [d for d, spec in self.devices.items() if spec.kind == kind]


def image_query(kind: str, version: str) -> dict[str, str]:
    """The upload query of a firmware image for the fleet's model of ``kind``."""
    vendor, model = MODELS[kind]
    return {"vendor": vendor, "kind": kind, "version": version, "model": model}


def create_firmware_fleet(
    engine: Engine,
    *,
    lockers: int = 0,
    vending: int = 0,
    doors: int = 0,
    communities: int = 2,
    buildings: int = 2,
    locker_version: str = "1.8.2",
    vending_version: str = "2.4.1",
    door_version: str = "1.0.0",
) -> FirmwareFleet:
    upgrade(engine)
    fleet = FirmwareFleet(city="fwcity")
    password = hash_password("unused", iterations=101)
    with Session(engine) as session:
        city = add_node(session, "fwcity", "city", None)
        district = add_node(session, "fwcity-d1", "district", city)
        street = add_node(session, "fwcity-d1-s1", "subdistrict", district)
        places: list[Node] = []
        houses: list[Node] = []
        for c in range(1, communities + 1):
            community = add_node(session, f"fc{c:03d}", "community", street)
            places.append(community)
            fleet.communities.append(community.code)
            for b in range(1, buildings + 1):
                house = add_node(session, f"fc{c:03d}-b{b}", "building", community)
                houses.append(house)
                fleet.buildings.append(house.code)

        def add(kind: str, index: int, node: Node, version: str) -> Device:
            vendor, model = MODELS[kind]
            device = Device(
                id=f"fw-{kind}-{index:04d}",
                kind=kind,  # type: ignore[arg-type]
                vendor=vendor,
                model=model,
                firmware_version=version,
                protocol=PROTOCOLS[kind],  # type: ignore[arg-type]
                name=f"{kind} {index}",
                node_id=node.id,  # type: ignore[arg-type]
                path=node.path,
                mqtt_password_hash=password,
            )
            session.add(device)
            session.flush()
            return device

        for i in range(lockers):
            place = places[i % len(places)]
            device = add("locker", i + 1, place, locker_version)
            for n in range(1, 5):
                session.add(Compartment(device_id=device.id, number=n, size="M"))  # type: ignore[arg-type]
            fleet.devices[device.id] = DeviceSpec(
                device.id,
                "locker",
                locker_version,
                place.code,
                compartments=tuple(CompartmentSpec(n, "M") for n in range(1, 5)),
            )
        for i in range(vending):
            place = places[i % len(places)]
            device = add("vending", i + 1, place, vending_version)
            session.add(
                VendingSlot(device_id=device.id, number=1, product="milk", price=450, capacity=9)  # type: ignore[arg-type]
            )
            fleet.devices[device.id] = DeviceSpec(
                device.id,
                "vending",
                vending_version,
                place.code,
                slots=(SlotSpec(1, "milk", 450, 9),),
            )
        for i in range(doors):
            house = houses[i % len(houses)]
            device = add("door", i + 1, house, door_version)
            fleet.devices[device.id] = DeviceSpec(
                device.id, "door", door_version, house.code, (house.code,)
            )
            fleet.building_of[device.id] = house.code
        session.commit()
    return fleet


def make_sims(
    fleet: FirmwareFleet,
    broker_url: str,
    ids: Sequence[str],
    options: SimOptions = SIM_OPTIONS,
    ticker: Ticker | None = None,
) -> list[SimDevice]:
    broker = BrokerAddress.parse(broker_url)
    kinds: dict[str, type[SimDevice]] = {"locker": Locker, "vending": VendingMachine, "door": Door}
    return [
        kinds[fleet.devices[d].kind](fleet.devices[d], broker, options=options, ticker=ticker)
        for d in ids
    ]
