"""GET /api/v1/places and /api/v1/places/{code}: the operator's part of the city, one
place at a time, with its figures, the figures of each place one level down, and the
devices installed there. A place outside the caller's scope is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.api.deps import ContextDep, OperatorDep
from hub.api.places.activity import UNLOCK_METHODS, DeviceActivity, activity
from hub.api.places.figures import Figures, roll_up
from hub.api.places.tree import (
    Place,
    PlacedDevice,
    children,
    devices_below,
    place_in_scope,
    scope_root,
    trail,
)
from hub.api.schemas.common import errors
from hub.api.schemas.places import (
    ChildPlace,
    DeviceHere,
    KindFigures,
    PlaceFigures,
    PlaceRef,
    PlaceView,
    SalesFigures,
)
from hub.city_clock import CityClock
from hub.presence import PresenceTracker
from hub.registry.paths import child_on_way

router = APIRouter(prefix="/api/v1/places", tags=["operators"])

Code = Annotated[str, Path(max_length=48, description="a place's code, e.g. wuxi-binhu")]
SELF = "."


def _ref(place: Place) -> PlaceRef:
    return PlaceRef(code=place.code, name=place.name, level=place.level, path=place.path)


def _public(figures: Figures) -> PlaceFigures:
    return PlaceFigures(
        devices={k: KindFigures(total=t, online=o) for k, (t, o) in figures.by_kind().items()},
        online_share=figures.online_share,
        alarms_by_severity=dict(figures.alarms),
        unlocks_today={method: figures.unlocks[method] for method in UNLOCK_METHODS},
        parcels_waiting=figures.parcels_waiting,
        sales_today=SalesFigures(vends=figures.vends, value_fen=figures.sales_fen),
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    place: Place
    trail: list[Place]
    children: list[Place]
    devices: list[PlacedDevice]
    node_id: int
    activity: dict[str, DeviceActivity]


def _load(
    engine: Engine, code: str | None, scope_path: str, day: tuple[int, int]
) -> _Stored | None:
    with Session(engine) as session:
        node = (
            scope_root(session, scope_path)
            if code is None
            else place_in_scope(session, code, scope_path)
        )
        if node is None or node.id is None:
            return None
        return _Stored(
            place=Place.of(node),
            trail=trail(session, node, scope_path),
            children=[Place.of(child) for child in children(session, node)],
            devices=devices_below(session, node),
            node_id=node.id,
            activity=activity(engine, node.path, *day),
        )


def _view(
    stored: _Stored, presence: PresenceTracker, clock: CityClock, day_start: int
) -> PlaceView:
    place = stored.place
    whole = roll_up(stored.devices, presence.is_online, stored.activity, lambda d: SELF)
    by_child = roll_up(
        stored.devices,
        presence.is_online,
        stored.activity,
        lambda d: child_on_way(place.path, d.path),
    )
    here = []
    for device in stored.devices:
        if device.node_id != stored.node_id:
            continue
        state = presence.get(device.id)
        done = stored.activity.get(device.id)
        here.append(
            DeviceHere(
                id=device.id,
                kind=device.kind,
                name=device.name,
                enabled=device.enabled,
                online=presence.is_online(device.id),
                last_seen_ms=state.last_seen_ms
                if state is not None and state.last_seen_ms
                else None,
                open_alarms=sum(done.alarms.values()) if done else 0,
                parcels_waiting=done.parcels_waiting if done else 0,
            )
        )
    return PlaceView(
        place=_ref(place),
        trail=[_ref(p) for p in stored.trail],
        timezone=clock.timezone,
        today_start_ms=day_start,
        figures=_public(whole.get(SELF, Figures())),
        children=[
            ChildPlace(place=_ref(child), figures=_public(by_child.get(child.code, Figures())))
            for child in stored.children
        ],
        devices=here,
    )


async def _answer(code: str | None, operator: OperatorDep, context: ContextDep) -> PlaceView:
    runtime = context.runtime
    clock = CityClock(runtime.settings.timezone)
    day = clock.today(wall_ms())
    stored = await run_in_threadpool(_load, runtime.engine, code, operator.scope_path, day)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no place {code!r} in your scope")
    # Presence changes on this loop: read it here, not in a worker thread.
    return _view(stored, runtime.presence, clock, day[0])


@router.get("", responses=errors(401, 403, 404))
async def my_place(operator: OperatorDep, context: ContextDep) -> PlaceView:
    """The caller's scope (the place their token names), as ``/places/{code}`` shows it."""
    return await _answer(None, operator, context)


@router.get("/{code}", responses=errors(401, 403, 404))
async def get_place(code: Code, operator: OperatorDep, context: ContextDep) -> PlaceView:
    """A place within the caller's scope: its figures (devices online by kind, open alarms
    by severity, today's unlocks, parcels waiting, today's sales), the same for each place
    one level down, and the devices installed at the place itself."""
    return await _answer(code, operator, context)
