"""Firmware campaigns: create (or preview), follow, pause, resume and cancel them.

A campaign covers devices inside the creating operator's scope; operators see the
campaigns at or below their scope. The campaign driver (hub.firmware.driver) does the
work; these routes only read and change the campaign's rows, so they answer at once on
any replica. Every change is audited and written to the campaign's history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.auth import Operator
from hub.api.deps import ContextDep, OperatorDep, RuntimeDep
from hub.api.firmware_parts import FirmwareDep, FirmwareParts
from hub.api.schemas.campaigns import (
    CampaignCreate,
    CampaignDetail,
    CampaignDeviceDetail,
    CampaignDevicePage,
    CampaignDevicePublic,
    CampaignPreview,
    CampaignPublic,
    HistoryPublic,
    PlaceProgress,
    WavePreview,
    WaveProgress,
)
from hub.api.schemas.common import errors
from hub.api.timeparams import unprocessable
from hub.firmware.campaign_store import CampaignRow, CampaignStore
from hub.firmware.creation import CampaignRefused, CampaignRequest, Prepared, prepare
from hub.firmware.evidence import place_paths
from hub.firmware.tables import DEVICE_STATES
from hub.registry.queries import in_scope

router = APIRouter(prefix="/api/v1/campaigns", tags=["operators"])

CampaignId = Annotated[int, Path(ge=1, le=2**62)]
DeviceId = Annotated[str, Path(max_length=64)]


@dataclass(frozen=True, slots=True)
class Action:
    """A change of a campaign's state, served at POST /{campaign_id}/<its name>."""

    from_states: tuple[str, ...]
    to_state: str
    doc: str | None  # the route's description


ACTIONS = {
    "pause": Action(("running",), "paused", "Start no more devices (those updating carry on)."),
    "resume": Action(("paused",), "running", None),
    "cancel": Action(
        ("running", "paused"),
        "cancelled",
        "End the campaign: pending devices are not updated; doors stop receiving; lockers\n"
        "and vending machines already updating finish (their outcome is still recorded).",
    ),
}


def _request(body: CampaignCreate) -> CampaignRequest:
    return CampaignRequest(
        name=body.name,
        image=body.image,
        models=body.models,
        version_min=body.version_min,
        version_max=body.version_max,
        places=body.places,
        rules=body.rules(),
    )


def _prepare(
    engine: Engine, firmware: FirmwareParts, body: CampaignCreate, operator: Operator
) -> Prepared:
    try:
        return prepare(engine, firmware.images, _request(body), operator.scope_path)
    except CampaignRefused as exc:
        raise unprocessable(exc.field, exc.message, "body") from exc


def _visible(store: CampaignStore, campaign_id: int, operator: Operator) -> CampaignRow:
    row = store.get(campaign_id)
    if row is None or not in_scope(operator.scope_path, row.scope_path):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id} in your scope")
    return row


def _public(firmware: FirmwareParts, store: CampaignStore, row: CampaignRow) -> CampaignPublic:
    image = firmware.images.get(row.image_sha256)
    version = image.version if image is not None else "?"
    return CampaignPublic.of(row, version, store.counts(row.id))


async def _audit(
    context: ContextDep,
    operator: Operator,
    action: str,
    result: str,
    code: int,
    detail: str,
    place: str,
) -> None:
    draft = AuditDraft(
        ts_ms=wall_ms(),
        actor=operator.actor,
        role="operator",
        action=action,
        result=result,
        http_status=code,
        token_id=operator.token_id,
        device_path=place,  # the campaign's scope, so its operators see the entry
        detail=detail[:256],
    )
    await run_in_threadpool(context.audit.append, draft)


@router.post("/preview", responses=errors(401, 403))
def preview_campaign(
    body: CampaignCreate, operator: OperatorDep, firmware: FirmwareDep, runtime: RuntimeDep
) -> CampaignPreview:
    """The devices and waves a campaign with this body would have (nothing is created)."""
    prepared = _prepare(runtime.engine, firmware, body, operator)
    sizes: dict[int, int] = defaultdict(int)
    for planned in prepared.planned:
        sizes[planned.wave] += 1
    return CampaignPreview(
        kind=prepared.image.kind,
        version=prepared.image.version,
        devices=len(prepared.planned),
        waves=[WavePreview(wave=w, devices=n) for w, n in sorted(sizes.items())],
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(401, 403))
async def create_campaign(
    body: CampaignCreate,
    operator: OperatorDep,
    context: ContextDep,
    firmware: FirmwareDep,
    runtime: RuntimeDep,
) -> CampaignPublic:
    """Create a campaign; it starts at once with its canary wave."""
    prepared = await run_in_threadpool(_prepare, runtime.engine, firmware, body, operator)
    store = CampaignStore(runtime.engine)
    now = wall_ms()
    campaign_id = await run_in_threadpool(
        lambda: store.create(
            prepared.settings,
            prepared.planned,
            to_version=prepared.image.version,
            waves=prepared.waves,
            actor=operator.actor,
            now_ms=now,
        )
    )
    detail = f"campaign {campaign_id}: {len(prepared.planned)} {prepared.image.kind}s to"
    detail += f" {prepared.image.version} in {prepared.waves} waves"
    await _audit(context, operator, "campaign:create", "running", 201, detail, operator.scope_path)
    row = await run_in_threadpool(store.get, campaign_id)
    assert row is not None
    return await run_in_threadpool(_public, firmware, store, row)


@router.get("", responses=errors(401, 403))
def list_campaigns(
    operator: OperatorDep,
    runtime: RuntimeDep,
    firmware: FirmwareDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CampaignPublic]:
    """Campaigns at or below your scope, newest first."""
    store = CampaignStore(runtime.engine)
    return [_public(firmware, store, row) for row in store.recent(operator.scope_path, limit)]


@router.get("/{campaign_id}", responses=errors(401, 403, 404))
def get_campaign(
    campaign_id: CampaignId, operator: OperatorDep, runtime: RuntimeDep, firmware: FirmwareDep
) -> CampaignDetail:
    """A campaign with its devices counted by state, by wave and by community."""
    store = CampaignStore(runtime.engine)
    row = _visible(store, campaign_id, operator)
    public = _public(firmware, store, row)
    waves: dict[int, dict[str, int]] = defaultdict(dict)
    for (wave, state), n in store.counts_by_wave(campaign_id).items():
        waves[wave][state] = n
    places: dict[str, dict[str, int]] = defaultdict(dict)
    for (place, state), n in store.counts_by_place(campaign_id).items():
        places[place.rsplit("/", 1)[-1]][state] = n
    return CampaignDetail(
        **public.model_dump(),
        by_wave=[WaveProgress(wave=w, counts=c) for w, c in sorted(waves.items())],
        by_place=[PlaceProgress(place=p, counts=c) for p, c in sorted(places.items())],
    )


@router.get("/{campaign_id}/devices", responses=errors(401, 403, 404))
def campaign_devices(
    campaign_id: CampaignId,
    operator: OperatorDep,
    runtime: RuntimeDep,
    state: Annotated[list[str] | None, Query(max_length=len(DEVICE_STATES))] = None,
    place: Annotated[str | None, Query(max_length=48)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CampaignDevicePage:
    """The campaign's devices by id: ``state`` (repeatable) and ``place`` (a community or
    building code) filter; page on with ``cursor`` = the previous ``next_cursor``."""
    store = CampaignStore(runtime.engine)
    _visible(store, campaign_id, operator)
    unknown = sorted(set(state or ()) - set(DEVICE_STATES))
    if unknown:
        raise unprocessable("state", f"unknown states {unknown}; use {', '.join(DEVICE_STATES)}")
    place_path = None
    if place is not None:
        place_path = place_paths(runtime.engine, [place]).get(place)
        if place_path is None:
            raise unprocessable("place", f"no place {place!r}")
    rows = store.devices(campaign_id, states=state, place=place_path, after=cursor, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return CampaignDevicePage(
        items=[CampaignDevicePublic.model_validate(r) for r in rows],
        next_cursor=rows[-1].device_id if more and rows else None,
    )


@router.get("/{campaign_id}/devices/{device_id}", responses=errors(401, 403, 404))
def campaign_device(
    campaign_id: CampaignId, device_id: DeviceId, operator: OperatorDep, runtime: RuntimeDep
) -> CampaignDeviceDetail:
    """One device's state in the campaign and its history, newest first."""
    store = CampaignStore(runtime.engine)
    _visible(store, campaign_id, operator)
    rows = store.devices(campaign_id, device_id=device_id)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{device_id} is not in the campaign")
    history = store.history(campaign_id, device_id)
    return CampaignDeviceDetail(
        **CampaignDevicePublic.model_validate(rows[0]).model_dump(),
        history=[HistoryPublic.model_validate(h) for h in history],
    )


@router.get("/{campaign_id}/history", responses=errors(401, 403, 404))
def campaign_history(
    campaign_id: CampaignId,
    operator: OperatorDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[HistoryPublic]:
    """What happened, newest first: waves, every device's steps, pauses, the end."""
    store = CampaignStore(runtime.engine)
    _visible(store, campaign_id, operator)
    return [HistoryPublic.model_validate(h) for h in store.history(campaign_id, limit=limit)]


async def _act(
    action: str,
    campaign_id: int,
    operator: Operator,
    context: ContextDep,
    runtime: RuntimeDep,
    firmware: FirmwareParts,
) -> CampaignPublic:
    store = CampaignStore(runtime.engine)
    row = await run_in_threadpool(_visible, store, campaign_id, operator)
    step = ACTIONS[action]
    now = wall_ms()
    changed = await run_in_threadpool(
        lambda: store.change_state(
            campaign_id,
            step.from_states,
            step.to_state,
            actor=operator.actor,
            reason=f"{action} by {operator.actor}",
            now_ms=now,
        )
    )
    if not changed:
        await _audit(
            context,
            operator,
            f"campaign:{action}",
            "conflict",
            409,
            str(campaign_id),
            row.scope_path,
        )
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"campaign {campaign_id} is {row.state}: cannot {action}"
        )
    await _audit(
        context,
        operator,
        f"campaign:{action}",
        step.to_state,
        200,
        str(campaign_id),
        row.scope_path,
    )
    fresh = await run_in_threadpool(store.get, campaign_id)
    assert fresh is not None
    return await run_in_threadpool(_public, firmware, store, fresh)


def _action_route(action: str) -> None:
    """Serve ``action`` as ``{action}_campaign`` at POST /{campaign_id}/{action}."""

    async def act(
        campaign_id: CampaignId,
        operator: OperatorDep,
        context: ContextDep,
        runtime: RuntimeDep,
        firmware: FirmwareDep,
    ) -> CampaignPublic:
        return await _act(action, campaign_id, operator, context, runtime, firmware)

    act.__name__ = act.__qualname__ = f"{action}_campaign"
    act.__doc__ = ACTIONS[action].doc
    router.post(f"/{{campaign_id}}/{action}", responses=errors(401, 403, 404, 409))(act)


for _action in ACTIONS:
    _action_route(_action)
