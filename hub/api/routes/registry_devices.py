"""Operators add, change and disable devices, and set their compartments or slots.

POST /api/v1/devices, PATCH /api/v1/devices/{id}, PUT /api/v1/devices/{id}/compartments
and PUT /api/v1/devices/{id}/slots. Scoped like every operator route: a device, or a
location, outside the caller's subtree is a 404 (a 422 for a location in a body), like
one that does not exist. Each change is audited and reaches the running hubs within a
second (hub.api.registry_writes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, status
from sqlmodel import Session

from hub.api.auth import Operator
from hub.api.context import ApiContext
from hub.api.deps import ContextDep, OperatorDep
from hub.api.device_layout import Layout, device_layout
from hub.api.device_queries import device_in_scope
from hub.api.registry_writes import Done, write_registry
from hub.api.routes.devices import not_found, public_device
from hub.api.schemas.common import DeviceIdPath, errors
from hub.api.schemas.devices import CompartmentPublic, DevicePublic, SlotPublic
from hub.api.schemas.registry import (
    CompartmentIn,
    CompartmentsPut,
    DeviceCreate,
    DeviceRegisteredPublic,
    DeviceUpdate,
    SlotIn,
    SlotsPut,
)
from hub.registry.change_feed import ChangeDraft
from hub.registry.device_writes import (
    CompartmentSpec,
    DeviceEdit,
    NewDevice,
    SlotSpec,
    create_device,
    edit_device,
    replace_compartments,
    replace_slots,
)
from hub.registry.errors import InvalidChange
from hub.registry.models import Device
from hub.registry.vocabulary import PROTOCOL_FOR_KIND

router = APIRouter(prefix="/api/v1/devices", tags=["operators"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(401, 403, 409))
async def add_device(
    body: Annotated[DeviceCreate, Body()], operator: OperatorDep, context: ContextDep
) -> DeviceRegisteredPublic:
    """Register a device under a community (lockers, vending machines) or building (door
    units) of the caller's scope. The answer carries its MQTT password, shown once."""
    runtime = context.runtime
    new = NewDevice(
        id=body.id,
        kind=body.kind,
        vendor=body.vendor,
        model=body.model,
        firmware_version=body.firmware_version,
        name=body.name,
        location=body.location,
        enabled=body.enabled,
        compartments=_compartment_specs(body.compartments),
        slots=_slot_specs(body.slots),
    )

    def work(session: Session) -> Done[tuple[Device, str]]:
        if body.protocol is not None and body.protocol != PROTOCOL_FOR_KIND[body.kind]:
            wanted = PROTOCOL_FOR_KIND[body.kind]
            raise InvalidChange("protocol", f"a {body.kind} speaks {wanted}, not {body.protocol}")
        created = create_device(session, new, scope_path=operator.scope_path, codecs=runtime.codecs)
        device = created.device
        return Done(
            (device, created.mqtt_password),
            created.changes,
            "created",
            device_id=device.id,
            path=device.path,
            detail=f"{device.kind} at {device.path}",
        )

    device, password = await write_registry(
        runtime.engine, context.audit, operator, "device.create", work, http_status=201
    )
    base = public_device(device, runtime.presence)
    return DeviceRegisteredPublic(
        **base.model_dump(), created_at=device.created_at, mqtt_password=password
    )


@router.patch("/{device_id}", responses=errors(401, 403, 404))
async def change_device(
    device_id: DeviceIdPath,
    body: Annotated[DeviceUpdate, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> DevicePublic:
    """Change a device's fields, move it, or disable (``enabled: false``) or enable it."""
    runtime = context.runtime
    edit = DeviceEdit(
        vendor=body.vendor,
        model=body.model,
        firmware_version=body.firmware_version,
        name=body.name,
        location=body.location,
        enabled=body.enabled,
    )

    def work(session: Session) -> Done[Device]:
        device = _in_scope(session, device_id, operator.scope_path)
        changes = edit_device(
            session, device, edit, scope_path=operator.scope_path, codecs=runtime.codecs
        )
        action = changes[0].action if changes else "unchanged"
        fields = ", ".join(sorted(body.model_fields_set))
        return Done(device, changes, action, device.id, device.path, detail=f"set {fields}")

    device = await write_registry(runtime.engine, context.audit, operator, "device.update", work)
    return public_device(device, runtime.presence)


@router.put("/{device_id}/compartments", responses=errors(401, 403, 404))
async def set_compartments(
    device_id: DeviceIdPath,
    body: Annotated[CompartmentsPut, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> list[CompartmentPublic]:
    """A locker's compartments become exactly these; an empty list hands them back to
    what the locker reports."""
    specs = _compartment_specs(body.compartments)
    layout = await _set_layout(
        context,
        operator,
        device_id,
        "device.compartments",
        lambda session, device: replace_compartments(session, device, specs),
    )
    return layout.compartments


@router.put("/{device_id}/slots", responses=errors(401, 403, 404))
async def set_slots(
    device_id: DeviceIdPath,
    body: Annotated[SlotsPut, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> list[SlotPublic]:
    """A vending machine's slots become exactly these; an empty list hands them back to
    what the machine reports."""
    specs = _slot_specs(body.slots)
    layout = await _set_layout(
        context,
        operator,
        device_id,
        "device.slots",
        lambda session, device: replace_slots(session, device, specs),
    )
    return layout.slots


async def _set_layout(
    context: ApiContext,
    operator: Operator,
    device_id: str,
    action: str,
    replace: Callable[[Session, Device], tuple[ChangeDraft, ...]],
) -> Layout:
    engine = context.runtime.engine

    def work(session: Session) -> Done[Layout]:
        device = _in_scope(session, device_id, operator.scope_path)
        changes = replace(session, device)
        session.flush()
        layout = device_layout(session, engine, device)
        count = len(layout.compartments) + len(layout.slots)
        return Done(layout, changes, "updated", device.id, device.path, detail=f"{count} set")

    return await write_registry(engine, context.audit, operator, action, work)


def _in_scope(session: Session, device_id: str, scope_path: str) -> Device:
    device = device_in_scope(session, device_id, scope_path)
    if device is None:
        raise not_found(device_id)
    return device


def _compartment_specs(compartments: list[CompartmentIn]) -> tuple[CompartmentSpec, ...]:
    return tuple(CompartmentSpec(c.number, c.size) for c in compartments)


def _slot_specs(slots: list[SlotIn]) -> tuple[SlotSpec, ...]:
    return tuple(SlotSpec(s.number, s.product, s.price, s.capacity) for s in slots)
