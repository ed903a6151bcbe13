"""A device's compartments or slots: the registry's, else what the device declares.

An operator may list a locker's compartments (with sizes) or a vending machine's slots
(with products and prices) in the registry. Where the registry lists none (a device
imported from CSV, or added without them), the hub goes by what the device itself
reports, as kept in its stored twin: a locker's ``compartments`` (v2 telemetry, with
sizes) or ``compartment_count`` (its status; v1 telemetry counts too), a vending
machine's ``slots`` (its birth and data). Command checks (``open_compartment``) and the
device detail read both through :func:`device_layout`. Blocking: run it in a thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from firmware_protocols.lockerlink.messages import MAX_COMPARTMENTS
from firmware_protocols.sparkplug_b.vending_model import MAX_SLOT
from hub.api.schemas.devices import CompartmentPublic, SlotPublic
from hub.api.views.reported import whole_number
from hub.registry.models import Device
from hub.registry.queries import device_compartments, device_slots
from hub.registry.vocabulary import COMPARTMENT_SIZES
from hub.store.reads import reported_state
from hub.twin import part_number


@dataclass(frozen=True, slots=True)
class Layout:
    compartments: list[CompartmentPublic]
    slots: list[SlotPublic]


def _number(key: object, highest: int) -> int | None:
    number = part_number(key)
    return number if number is not None and 1 <= number <= highest else None


def declared_compartments(reported: Mapping[str, Any]) -> list[CompartmentPublic]:
    """A locker's compartments as its twin reports them, by number."""
    found: dict[int, CompartmentPublic] = {}
    listed = reported.get("compartments")
    if isinstance(listed, Mapping):
        for key, state in listed.items():
            number = _number(key, MAX_COMPARTMENTS)
            if number is None:
                continue
            size = state.get("size") if isinstance(state, Mapping) else None
            known = size if size in COMPARTMENT_SIZES else None
            found[number] = CompartmentPublic(number=number, size=known, source="device")
    count = whole_number(reported.get("compartment_count"))
    if count is not None:
        for number in range(1, min(count, MAX_COMPARTMENTS) + 1):
            found.setdefault(number, CompartmentPublic(number=number, size=None, source="device"))
    return [found[n] for n in sorted(found)]


def declared_slots(reported: Mapping[str, Any]) -> list[SlotPublic]:
    """A vending machine's slots as its twin reports them, by number."""
    listed = reported.get("slots")
    if not isinstance(listed, Mapping):
        return []
    slots = []
    for key, state in listed.items():
        number = _number(key, MAX_SLOT)
        if number is None:
            continue
        values = state if isinstance(state, Mapping) else {}
        slots.append(
            SlotPublic(
                number=number,
                product=None,
                price=whole_number(values.get("price")),
                capacity=whole_number(values.get("capacity")),
                source="device",
            )
        )
    return sorted(slots, key=lambda slot: slot.number)


def device_layout(session: Session, engine: Engine, device: Device) -> Layout:
    """The device's compartments and slots (see the module doc)."""
    compartments = [
        CompartmentPublic(number=c.number, size=c.size, source="registry")
        for c in device_compartments(session, device.id)
    ]
    slots = [
        SlotPublic(
            number=s.number,
            product=s.product,
            price=s.price,
            capacity=s.capacity,
            source="registry",
        )
        for s in device_slots(session, device.id)
    ]
    declares = (device.kind == "locker" and not compartments) or (
        device.kind == "vending" and not slots
    )
    if declares:
        reported = reported_state(engine, device.id) or {}
        if device.kind == "locker":
            compartments = declared_compartments(reported)
        else:
            slots = declared_slots(reported)
    return Layout(compartments, slots)
