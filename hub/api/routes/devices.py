"""GET /api/v1/devices and /api/v1/devices/{device_id}: lists and detail, in scope only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ContextDep, OperatorDep, SessionDep
from hub.api.device_layout import device_layout
from hub.api.device_queries import DeviceQuery, area_path, device_in_scope, page_devices
from hub.api.schemas.common import DeviceIdPath, errors
from hub.api.schemas.devices import (
    CompartmentPublic,
    DeviceDetailPublic,
    DevicePage,
    DevicePublic,
    PresenceChangePublic,
    PresencePublic,
    SlotPublic,
    TwinPublic,
)
from hub.presence import PresenceTracker
from hub.registry.models import Device
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH, DeviceKind, Level
from hub.store.reads import list_metrics, load_twin, presence_history
from hub.store.rows import PresenceChange, TwinRow

router = APIRouter(prefix="/api/v1/devices", tags=["operators"])

MAX_PAGE = 500
HISTORY_LENGTH = 20
Code = Annotated[str | None, Query(max_length=48, description="a code of that level")]
DeviceId = DeviceIdPath


def not_found(device_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no device {device_id!r} in your scope")


def public_device(device: Device, presence: PresenceTracker) -> DevicePublic:
    """A device as listed: registry fields with its presence."""
    state = presence.get(device.id)
    return DevicePublic(
        id=device.id,
        kind=device.kind,
        name=device.name,
        vendor=device.vendor,
        model=device.model,
        firmware_version=device.firmware_version,
        protocol=device.protocol,
        enabled=device.enabled,
        path=device.path,
        online=state is not None and state.online,
        last_seen_ms=state.last_seen_ms if state is not None and state.last_seen_ms else None,
    )


@router.get("", responses=errors(401, 403))
def list_devices(
    operator: OperatorDep,
    context: ContextDep,
    session: SessionDep,
    kind: DeviceKind | None = None,
    district: Code = None,
    subdistrict: Code = None,
    community: Code = None,
    online: bool | None = None,
    has_alarm: Annotated[
        bool | None, Query(description="with an active alarm (none until alarms exist)")
    ] = None,
    q: Annotated[str | None, Query(max_length=64, description="id or name contains")] = None,
    cursor: Annotated[
        str | None, Query(max_length=MAX_DEVICE_ID_LENGTH, description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> DevicePage:
    """Devices within the caller's scope, ordered by id, a page at a time."""
    areas: list[str] = []
    named: tuple[tuple[str | None, Level], ...] = (
        (district, "district"),
        (subdistrict, "subdistrict"),
        (community, "community"),
    )
    for code, level in named:
        if code is None:
            continue
        path = area_path(session, code, level)
        if path is None:
            return DevicePage(items=[], next_cursor=None)
        areas.append(path)
    alarm_ids = None
    if has_alarm is not None:
        alarm_ids = context.alarms.active_device_ids(operator.scope_path)
    query = DeviceQuery(
        scope_path=operator.scope_path,
        kind=kind,
        area_paths=tuple(areas),
        text=q,
        online=online,
        alarm_ids=alarm_ids,
        alarm_wanted=bool(has_alarm),
    )
    presence = context.runtime.presence
    devices, next_cursor = page_devices(session, query, presence, cursor, limit)
    return DevicePage(items=[public_device(d, presence) for d in devices], next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the database says about a device (read in a worker thread)."""

    device: Device
    history: list[PresenceChange]
    metrics: list[str]
    compartments: list[CompartmentPublic]
    slots: list[SlotPublic]
    twin: TwinRow | None


def _load(engine: Engine, device_id: str, scope_path: str) -> _Stored | None:
    with Session(engine) as session:
        device = device_in_scope(session, device_id, scope_path)
        if device is None:
            return None
        layout = device_layout(session, engine, device)
        return _Stored(
            device=device,
            history=presence_history(engine, device.id, HISTORY_LENGTH),
            metrics=list_metrics(engine, device.id),
            compartments=layout.compartments,
            slots=layout.slots,
            twin=load_twin(engine, device.id),
        )


@router.get("/{device_id}", responses=errors(401, 403, 404))
async def get_device(
    device_id: DeviceId, operator: OperatorDep, context: ContextDep
) -> DeviceDetailPublic:
    """One device with its twin, presence and recent presence history."""
    runtime = context.runtime
    stored = await run_in_threadpool(_load, runtime.engine, device_id, operator.scope_path)
    if stored is None:
        raise not_found(device_id)
    # Presence changes on this loop: read it here, not in a worker thread. The twin is
    # the one the device's ingest worker last stored.
    base = public_device(stored.device, runtime.presence)
    state = runtime.presence.get(device_id)
    twin = stored.twin
    return DeviceDetailPublic(
        **base.model_dump(),
        created_at=stored.device.created_at,
        presence=PresencePublic(
            online=base.online,
            since_ms=state.since_ms if state is not None and state.since_ms else None,
            reason=state.reason if state is not None else "never_seen",
            last_seen_ms=base.last_seen_ms,
        ),
        presence_history=[
            PresenceChangePublic(
                online=c.online, reason=c.reason, ts_ms=c.ts_ms, recorded_by=c.recorded_by
            )
            for c in stored.history
        ],
        twin=TwinPublic(
            reported=dict(twin.reported) if twin is not None else {},
            reported_version=twin.reported_version if twin is not None else 0,
            desired=dict(twin.desired) if twin is not None else {},
            desired_version=twin.desired_version if twin is not None else 0,
            updated_ms=twin.updated_ms if twin is not None and twin.updated_ms else None,
        ),
        metrics=stored.metrics,
        compartments=stored.compartments,
        slots=stored.slots,
    )
