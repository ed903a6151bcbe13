"""Read-side queries of the registry: hierarchy, scopes, devices, residents' doors.

A scope is a node's materialised path; everything at or below it matches
``path = p OR path LIKE p || '/%'``. Codes are restricted to ``[a-z0-9-]``
(:mod:`hub.registry.vocabulary`), so a path never holds a ``LIKE`` wildcard.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Connection, bindparam, or_, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col, select

from hub.db.tables import table_of
from hub.errors import UnknownScope
from hub.registry.models import Compartment, Device, Node, Resident, VendingSlot
from hub.registry.vocabulary import DeviceKind, Level, is_code

SCOPE_LEVELS: tuple[Level, ...] = ("city", "district", "subdistrict", "community")
"""Levels an operator's scope may name: city to community staff."""


def get_node(session: Session, code: str) -> Node | None:
    return session.exec(select(Node).where(col(Node.code) == code)).first()


def resolve_scope(session: Session, code: str) -> Node:
    """The city, district, subdistrict or community node of ``code``; else UnknownScope."""
    node = get_node(session, code) if is_code(code) else None
    if node is None or node.level not in SCOPE_LEVELS:
        raise UnknownScope(code)
    return node


def scope_filter(
    path: str, column: InstrumentedAttribute[str] | ColumnElement[str] | None = None
) -> ColumnElement[bool]:
    """SQL condition: ``column`` (default ``device.path``) is ``path`` or below it."""
    if not all(is_code(part) for part in path.split("/")):
        raise ValueError(f"{path!r} is not a path of codes")
    target = col(Device.path) if column is None else column
    return or_(target == path, target.like(path + "/%"))


def in_scope(scope_path: str, path: str) -> bool:
    """The same test as ``scope_filter``, in Python."""
    return path == scope_path or path.startswith(scope_path + "/")


def load_devices(
    session: Session, *, scope_path: str | None = None, kind: DeviceKind | None = None
) -> list[Device]:
    """Every device (optionally within a scope and of a kind), ordered by id."""
    statement = select(Device).order_by(col(Device.id))
    if scope_path is not None:
        statement = statement.where(scope_filter(scope_path))
    if kind is not None:
        statement = statement.where(col(Device.kind) == kind)
    return list(session.exec(statement).all())


def get_device(session: Session, device_id: str) -> Device | None:
    return session.get(Device, device_id)


def device_compartments(session: Session, device_id: str) -> list[Compartment]:
    statement = (
        select(Compartment)
        .where(col(Compartment.device_id) == device_id)
        .order_by(col(Compartment.number))
    )
    return list(session.exec(statement).all())


def device_slots(session: Session, device_id: str) -> list[VendingSlot]:
    statement = (
        select(VendingSlot)
        .where(col(VendingSlot.device_id) == device_id)
        .order_by(col(VendingSlot.number))
    )
    return list(session.exec(statement).all())


def get_resident(session: Session, resident_id: int) -> Resident | None:
    return session.get(Resident, resident_id)


def find_residents(session: Session, building_code: str, unit: str) -> Sequence[Resident]:
    """Residents registered in ``unit`` of the building ``building_code`` (by id)."""
    statement = (
        select(Resident)
        .join(Node, col(Node.id) == col(Resident.building_id))
        .where(col(Node.code) == building_code, col(Resident.unit) == unit)
        .order_by(col(Resident.id))
    )
    return session.exec(statement).all()


_DEVICES = table_of(Device)
_RESIDENTS = table_of(Resident)
# Built once with bound parameters, so its compiled form is reused: about 15 us a call on
# SQLite, against 120 us when rebuilt per call.
_RESIDENT_DOOR_PATH = sa_select(_DEVICES.c.path).where(
    _DEVICES.c.id == bindparam("device_id"),
    _DEVICES.c.kind == "door",
    _DEVICES.c.enabled.is_(true()),
    _DEVICES.c.node_id
    == sa_select(_RESIDENTS.c.building_id)
    .where(_RESIDENTS.c.id == bindparam("resident_id"))
    .scalar_subquery(),
)


def resident_door_path(conn: Connection, resident_id: int, device_id: str) -> str | None:
    """The path of ``device_id`` if it is an enabled door unit of the resident's building,
    else None. One indexed lookup of columns: every app unlock runs it."""
    path: str | None = conn.execute(
        _RESIDENT_DOOR_PATH, {"device_id": device_id, "resident_id": resident_id}
    ).scalar()
    return path


def resident_door_ids(session: Session, resident_id: int) -> list[str]:
    """Ids of the enabled door units of the resident's building, sorted; [] if unknown."""
    statement = (
        select(Device.id)
        .join(Resident, col(Resident.building_id) == col(Device.node_id))
        .where(
            col(Resident.id) == resident_id,
            col(Device.kind) == "door",
            col(Device.enabled).is_(True),
        )
        .order_by(col(Device.id))
    )
    return list(session.exec(statement).all())


def door_ids_in_buildings(session: Session, building_ids: Collection[int]) -> list[str]:
    """Ids of the enabled door units registered under any of ``building_ids``, sorted."""
    if not building_ids:
        return []
    statement = (
        select(Device.id)
        .where(
            col(Device.node_id).in_(sorted(building_ids)),
            col(Device.kind) == "door",
            col(Device.enabled).is_(True),
        )
        .order_by(col(Device.id))
    )
    return list(session.exec(statement).all())
