"""GET /api/v1/audit: unlocks, compartment openings and commands, allowed or refused, as
requested through the API; GET /api/v1/audit/door-access: card and PIN decisions the hub
made for door units (the domain's access log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from firmware_protocols.clock import wall_ms
from hub.api.deps import ContextDep, OperatorDep, SessionDep
from hub.api.schemas.audit import AuditEntryPublic, AuditPage, DoorAccessPage, DoorAccessPublic
from hub.api.schemas.common import DeviceIdQuery, IdCursor, errors
from hub.api.timeparams import Instant, optional_time_range
from hub.domain.models import AccessLog
from hub.registry.models import Device
from hub.registry.queries import scope_filter

router = APIRouter(prefix="/api/v1", tags=["operators"])

MAX_PAGE = 500


@router.get("/audit", responses=errors(401, 403))
def audit_log(
    operator: OperatorDep,
    context: ContextDep,
    device_id: DeviceIdQuery = None,
    action: Annotated[
        str | None, Query(max_length=64, description="unlock, collect or command:<name>")
    ] = None,
    result: Annotated[str | None, Query(max_length=32, description="e.g. confirmed")] = None,
    resident_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: Instant = None,
    until: Instant = None,
    cursor: IdCursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AuditPage:
    """Audit entries of devices within the caller's scope, newest first: who, what,
    when, the result and how long it took."""
    start, end = optional_time_range(since, until, wall_ms())
    found = context.audit.entries(
        scope_path=operator.scope_path,
        resident_id=resident_id,
        device_id=device_id,
        action=action,
        result=result,
        since_ms=start,
        until_ms=end,
        before_seq=cursor,
        limit=limit + 1,
    )
    page = found[:limit]
    return AuditPage(
        items=[
            AuditEntryPublic(
                seq=r.seq,
                ts_ms=r.ts_ms,
                actor=r.actor,
                role=r.role,
                resident_id=r.resident_id,
                action=r.action,
                device_id=r.device_id,
                parcel_id=r.parcel_id,
                command_id=r.command_id,
                result=r.result,
                http_status=r.http_status,
                latency_ms=None if r.latency_us is None else r.latency_us / 1000,
                detail=r.detail,
                hash=r.hash,
            )
            for r in page
        ],
        next_cursor=page[-1].seq if len(found) > limit else None,
    )


@router.get("/audit/door-access", responses=errors(401, 403))
def door_access(
    operator: OperatorDep,
    session: SessionDep,
    device_id: DeviceIdQuery = None,
    result: Annotated[str | None, Query(max_length=8, description="granted or denied")] = None,
    resident_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    cursor: IdCursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> DoorAccessPage:
    """Card and PIN reads at door units within the caller's scope, newest first."""
    query = (
        select(AccessLog)
        .join(Device, col(Device.id) == col(AccessLog.device_id))
        .where(scope_filter(operator.scope_path))
    )
    if device_id is not None:
        query = query.where(col(AccessLog.device_id) == device_id)
    if result is not None:
        query = query.where(col(AccessLog.result) == result)
    if resident_id is not None:
        query = query.where(col(AccessLog.resident_id) == resident_id)
    if cursor is not None:
        query = query.where(col(AccessLog.id) < cursor)
    found = list(session.exec(query.order_by(col(AccessLog.id).desc()).limit(limit + 1)).all())
    page = found[:limit]
    return DoorAccessPage(
        items=[
            DoorAccessPublic(
                id=row.id or 0,
                device_id=row.device_id,
                ts_ms=row.ts_ms,
                credential_kind=row.credential_kind,
                card_format=row.card_format,
                facility_code=row.facility_code,
                card_number=row.card_number,
                resident_id=row.resident_id,
                result=row.result,
                reason=row.reason,
                latency_ms=max(0, row.ts_ms - row.event_ts_ms),
            )
            for row in page
        ],
        next_cursor=page[-1].id if len(found) > limit else None,
    )
