"""A tiny registry for integration tests: one city, two districts, a few devices of each
kind with known MQTT passwords, and residents with cards and PINs.

    fleet = create_tiny_fleet(engine, secret_key)
    fleet.lockers, fleet.vending, fleet.doors  # device ids
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from hub.db.migrate import upgrade
from hub.registry.credentials import pin_hash
from hub.registry.models import (
    Compartment,
    Device,
    DoorCredential,
    Node,
    Resident,
    VendingSlot,
)
from hub.registry.passwords import hash_password
from tests.support.nodes import add_node

DEVICE_PASSWORD = "device-password"


@dataclass
class TinyFleet:
    lockers: list[str] = field(default_factory=list)
    vending: list[str] = field(default_factory=list)
    doors: list[str] = field(default_factory=list)
    door_buildings: dict[str, str] = field(default_factory=dict)  # door id > building code
    residents: dict[str, int] = field(default_factory=dict)  # "<building>/<unit>" > id
    cards: dict[int, tuple[str, int, int]] = field(default_factory=dict)  # resident > card
    pins: dict[int, str] = field(default_factory=dict)
    districts: list[str] = field(default_factory=list)

    @property
    def all_devices(self) -> list[str]:
        return [*self.lockers, *self.vending, *self.doors]


def _node(session: Session, code: str, level: str, parent: Node | None) -> Node:
    return add_node(session, code, level, parent, name=code.title())


def create_tiny_fleet(engine: Engine, secret_key: str) -> TinyFleet:
    """Two districts, each with one community of one building: per community a v1 or v2
    locker, a vending machine and a door unit; two residents per building."""
    upgrade(engine)
    fleet = TinyFleet()
    password_hash = hash_password(DEVICE_PASSWORD, iterations=101)
    with Session(engine) as session:
        city = _node(session, "testcity", "city", None)
        for index, district_name in enumerate(("north", "south"), start=1):
            district = _node(session, f"testcity-{district_name}", "district", city)
            fleet.districts.append(district.code)
            street = _node(session, f"{district.code}-st", "subdistrict", district)
            community = _node(session, f"c{index:04d}", "community", street)
            building = _node(session, f"c{index:04d}-b01", "building", community)

            def device(
                device_id: str, kind: str, protocol: str, firmware: str, node: Node
            ) -> Device:
                row = Device(
                    id=device_id,
                    kind=kind,  # type: ignore[arg-type]
                    vendor="test",
                    model="test",
                    firmware_version=firmware,
                    protocol=protocol,  # type: ignore[arg-type]
                    name=device_id,
                    enabled=True,
                    node_id=node.id,  # type: ignore[arg-type]
                    path=node.path,
                    mqtt_password_hash=password_hash,
                )
                session.add(row)
                return row

            locker = device(
                f"locker-{index:04d}", "locker", "lockerlink", f"{index}.0.0", community
            )
            vending = device(f"vending-{index:04d}", "vending", "sparkplug_b", "2.0.0", community)
            door = device(f"door-{index:04d}", "door", "osdp", "1.0.0", building)
            session.flush()
            fleet.lockers.append(locker.id)
            fleet.vending.append(vending.id)
            fleet.doors.append(door.id)
            fleet.door_buildings[door.id] = building.code
            for number in range(1, 9):
                size = "S" if number <= 4 else "M" if number <= 6 else "L"
                session.add(Compartment(device_id=locker.id, number=number, size=size))  # type: ignore[arg-type]
            for number in range(1, 5):
                session.add(
                    VendingSlot(
                        device_id=vending.id,
                        number=number,
                        product=f"veg-{number}",
                        price=300 + number * 50,
                        capacity=10,
                    )
                )
            for unit_index, unit in enumerate(("0101", "0102"), start=1):
                resident = Resident(building_id=building.id, unit=unit, name=f"r{index}{unit}")  # type: ignore[arg-type]
                session.add(resident)
                session.flush()
                assert resident.id is not None
                fleet.residents[f"{building.code}/{unit}"] = resident.id
                card = ("H10301", 10 + index, 1000 * index + unit_index)
                fleet.cards[resident.id] = card
                session.add(
                    DoorCredential(
                        resident_id=resident.id,
                        kind="card",
                        card_format=card[0],  # type: ignore[arg-type]
                        facility_code=card[1],
                        card_number=card[2],
                    )
                )
                pin = f"{index}{unit_index}34"
                fleet.pins[resident.id] = pin
                session.add(
                    DoorCredential(
                        resident_id=resident.id,
                        kind="pin",
                        pin_hash=pin_hash(secret_key, building.id, pin),  # type: ignore[arg-type]
                    )
                )
        session.commit()
    return fleet
