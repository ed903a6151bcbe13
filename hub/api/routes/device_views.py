"""Each kind of device as it is, for operators (404 outside the scope, and for a device
of another kind):

- ``GET /devices/{id}/compartments``: a locker's compartments with their parcels;
- ``GET /devices/{id}/cabinet``: a vending machine's slots, temperature in its band and
  today's sales; ``/vends``: its recent vends;
- ``GET /devices/{id}/door``: a door unit's state and incidents; ``/access``: who came in;
- ``GET /devices/{id}/series``: one metric over 1 h, 24 h, 7 d or 30 d, bucketed here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.alarms.listing import unsellable_slots
from hub.api.deps import ContextDep, OperatorDep
from hub.api.device_queries import device_in_scope
from hub.api.schemas.common import IdCursor, MetricQuery, errors
from hub.api.schemas.doors import AccessPage, DoorIncident, DoorView
from hub.api.schemas.lockers import LockerView
from hub.api.schemas.places import SalesFigures
from hub.api.schemas.series import RangeName, SeriesPublic
from hub.api.schemas.vending import CabinetView, VendPage, VendView
from hub.api.timeparams import parse_instant
from hub.api.views import door as door_views
from hub.api.views import locker as locker_views
from hub.api.views import series as series_views
from hub.api.views import vending as vending_views
from hub.api.views.reported import Report, flag, reading
from hub.city_clock import CityClock
from hub.domain.models import VENDING_SALE
from hub.registry.models import Device
from hub.registry.queries import device_compartments, device_slots
from hub.registry.vocabulary import DeviceKind
from hub.store.reads import events, load_twin, telemetry_series
from hub.store.rows import TwinRow

router = APIRouter(prefix="/api/v1/devices", tags=["operators"])

DeviceId = Annotated[str, Path(max_length=64, description="device id, e.g. locker-0001")]
KIND_NAMES: dict[DeviceKind, str] = {
    "locker": "parcel locker",
    "vending": "vending machine",
    "door": "door unit",
}
DEFAULT_HELD_OPEN_S = 30


def device_of_kind(
    engine: Engine, device_id: str, scope_path: str, kind: DeviceKind | None
) -> Device:
    with Session(engine) as session:
        device = device_in_scope(session, device_id, scope_path)
    what = "device" if kind is None else KIND_NAMES[kind]
    if device is None or (kind is not None and device.kind != kind):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} {device_id!r} in your scope")
    return device


# ------------------------------------------------------------------ lockers
@router.get("/{device_id}/compartments", responses=errors(401, 403, 404))
async def locker_compartments(
    device_id: DeviceId, operator: OperatorDep, context: ContextDep
) -> LockerView:
    """A locker's compartments (state, door, size) with the parcels waiting in each and
    their age; pickup codes are never shown."""
    runtime = context.runtime

    def load() -> tuple[list[tuple[int, str]], list[locker_views.WaitingParcel], TwinRow | None]:
        device_of_kind(runtime.engine, device_id, operator.scope_path, "locker")
        with Session(runtime.engine) as session:
            registered = [(c.number, str(c.size)) for c in device_compartments(session, device_id)]
        parcels = locker_views.waiting_parcels(runtime.engine, device_id)
        return registered, parcels, load_twin(runtime.engine, device_id)

    registered, parcels, twin = await run_in_threadpool(load)
    report = Report.of(twin)
    views = locker_views.compartments(registered, report.reported, parcels, wall_ms())
    return LockerView(
        device_id=device_id,
        online=runtime.presence.is_online(device_id),
        reported_ms=report.updated_ms,
        counts=locker_views.state_counts(views),
        compartments=views,
        parcels_waiting=len(parcels),
        oldest_waiting_ms=parcels[0].deposited_ms if parcels else None,
    )


# ------------------------------------------------------------------ vending
def _sales(engine: Engine, device_id: str, since_ms: int, until_ms: int) -> SalesFigures:
    statement = select(func.count(), func.coalesce(func.sum(VENDING_SALE.c.price), 0)).where(
        VENDING_SALE.c.device_id == device_id,
        VENDING_SALE.c.ts_ms >= since_ms,
        VENDING_SALE.c.ts_ms < until_ms,
    )
    with engine.connect() as conn:
        vends, value = conn.execute(statement).one()
    return SalesFigures(vends=int(vends), value_fen=int(value))


@router.get("/{device_id}/cabinet", responses=errors(401, 403, 404))
async def vending_cabinet(
    device_id: DeviceId, operator: OperatorDep, context: ContextDep
) -> CabinetView:
    """A vending machine's cabinet temperature against its setpoint and cold-chain band,
    its slots (stock, price in fen, capacity) and today's sales (the city's day)."""
    runtime = context.runtime
    day = CityClock(runtime.settings.timezone).today(wall_ms())

    def load() -> tuple[Device, list[Any], list[int], SalesFigures, TwinRow | None]:
        device = device_of_kind(runtime.engine, device_id, operator.scope_path, "vending")
        with Session(runtime.engine) as session:
            registered = device_slots(session, device_id)
        held = unsellable_slots(runtime.engine, device_id)
        sales = _sales(runtime.engine, device_id, *day)
        return device, registered, held, sales, load_twin(runtime.engine, device_id)

    device, registered, held, sales, twin = await run_in_threadpool(load)
    rules = context.rules.for_path(device.path)
    report = Report.of(twin)
    reported = report.reported
    temperature = reading(reported, "temperature_c")
    band = (rules.cold_chain.min_temp_c, rules.cold_chain.max_temp_c)
    fault = reported.get("fault_code")
    return CabinetView(
        device_id=device_id,
        online=runtime.presence.is_online(device_id),
        reported_ms=report.updated_ms,
        temperature_c=temperature,
        setpoint_c=reading(reported, "setpoint_c"),
        band_min_c=band[0],
        band_max_c=band[1],
        in_band=None if temperature is None else band[0] <= temperature <= band[1],
        door_open=flag(reported, "door_open"),
        compressor_on=flag(reported, "compressor_on"),
        fault_code=fault if isinstance(fault, str) and fault else None,
        slots=vending_views.slots(registered, reported, rules.low_stock.below_fraction, held),
        sales_today=sales,
        low_stock_fraction=rules.low_stock.below_fraction,
    )


@router.get("/{device_id}/vends", responses=errors(401, 403, 404))
def vending_vends(
    device_id: DeviceId,
    operator: OperatorDep,
    context: ContextDep,
    cursor: IdCursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> VendPage:
    """A vending machine's vends as it reported them, newest first."""
    engine = context.runtime.engine
    device_of_kind(engine, device_id, operator.scope_path, "vending")
    with Session(engine) as session:
        products = {slot.number: slot.product for slot in device_slots(session, device_id)}
    statement = select(VENDING_SALE).where(VENDING_SALE.c.device_id == device_id)
    if cursor is not None:
        statement = statement.where(VENDING_SALE.c.id < cursor)
    statement = statement.order_by(VENDING_SALE.c.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = list(conn.execute(statement))
    page = rows[:limit]
    return VendPage(
        items=[
            VendView(
                id=row.id,
                slot=row.slot,
                product=products.get(row.slot),
                price_fen=row.price,
                ts_ms=row.ts_ms,
                vend_id=row.vend_id,
            )
            for row in page
        ],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


# ------------------------------------------------------------------ doors
@router.get("/{device_id}/door", responses=errors(401, 403, 404))
async def door_state(device_id: DeviceId, operator: OperatorDep, context: ContextDep) -> DoorView:
    """A door unit's state (door, tamper, power), its held-open limit and its latest
    incidents: forced and held open, their end, tamper and power reports."""
    runtime = context.runtime

    def load() -> tuple[list[DoorIncident], TwinRow | None]:
        device_of_kind(runtime.engine, device_id, operator.scope_path, "door")
        found = events(runtime.engine, device_id, types=door_views.INCIDENT_TYPES, limit=50)
        incidents = [
            DoorIncident(id=e.id, ts_ms=e.ts_ms, type=e.type, data=dict(e.data)) for e in found
        ]
        return incidents, load_twin(runtime.engine, device_id)

    incidents, twin = await run_in_threadpool(load)
    report = Report.of(twin)
    door = report.reported.get("door")
    limit = report.desired.get("held_open_limit_s")
    return DoorView(
        device_id=device_id,
        online=runtime.presence.is_online(device_id),
        reported_ms=report.updated_ms,
        door=door if isinstance(door, str) else None,
        tamper=flag(report.reported, "tamper"),
        power_ok=flag(report.reported, "power_ok"),
        held_open_limit_s=limit if isinstance(limit, int) else DEFAULT_HELD_OPEN_S,
        incidents=incidents,
    )


@router.get("/{device_id}/access", responses=errors(401, 403, 404))
def door_access_log(
    device_id: DeviceId,
    operator: OperatorDep,
    context: ContextDep,
    before_ms: Annotated[
        int | None, Query(ge=0, le=2**62, description="next_before_ms of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AccessPage:
    """Who came in, newest first: card and PIN decisions of the hub, app unlocks of
    residents and operator unlocks, granted or denied with the reason."""
    engine = context.runtime.engine
    device_of_kind(engine, device_id, operator.scope_path, "door")
    found = door_views.access_entries(engine, device_id, before_ms, limit + 1)
    page = found[:limit]
    return AccessPage(items=page, next_before_ms=page[-1].ts_ms if len(found) > limit else None)


# ------------------------------------------------------------------ charts
@router.get("/{device_id}/series", responses=errors(401, 403, 404))
def device_series(
    device_id: DeviceId,
    operator: OperatorDep,
    context: ContextDep,
    metric: MetricQuery,
    chosen: Annotated[RangeName, Query(alias="range", description="1h, 24h, 7d or 30d")] = "24h",
    until: Annotated[
        str | None, Query(max_length=64, description="end (ISO 8601 or Unix ms); default now")
    ] = None,
) -> SeriesPublic:
    """One metric over a range (1h, 24h, 7d, 30d), in min/max/mean buckets sized for a
    chart (1 min, 10 min, 1 h, 6 h) and rounded to what the sensor means."""
    engine = context.runtime.engine
    device_of_kind(engine, device_id, operator.scope_path, None)
    span, width = series_views.RANGES[chosen]
    end = parse_instant(until, "until") if until is not None else wall_ms()
    start = max(0, end - span)
    buckets = telemetry_series(engine, device_id, metric, start, end, width, limit=1000)
    unit, decimals, _ = series_views.precision(metric)
    return SeriesPublic(
        device_id=device_id,
        metric=metric,
        range=chosen,
        since_ms=start,
        until_ms=end,
        bucket_ms=width,
        unit=unit,
        decimals=decimals,
        points=[series_views.rounded(bucket, metric) for bucket in buckets],
    )
