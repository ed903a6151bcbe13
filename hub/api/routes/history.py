"""GET /api/v1/devices/{device_id}/telemetry and /events: a device's history, in scope.

Ranges are bounded per bucket (raw and minute: 7 days, hour: 92 days, day: 3660 days),
and so are the rows one request returns.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from firmware_protocols.clock import wall_ms
from hub.api.deps import OperatorDep, RuntimeDep, SessionDep
from hub.api.device_queries import device_in_scope
from hub.api.routes.devices import not_found
from hub.api.schemas.common import DeviceIdPath, IdCursor, MetricQuery, errors
from hub.api.schemas.history import (
    BucketName,
    BucketPublic,
    EventPage,
    EventPublic,
    PointPublic,
    TelemetryPublic,
)
from hub.api.timeparams import DAY_MS, Instant, optional_time_range, time_range
from hub.store.reads import events, telemetry_buckets, telemetry_points

router = APIRouter(prefix="/api/v1/devices", tags=["operators"])

MAX_SPAN_MS: dict[BucketName, int] = {
    "raw": 7 * DAY_MS,
    "minute": 7 * DAY_MS,
    "hour": 92 * DAY_MS,
    "day": 3660 * DAY_MS,
}
DEFAULT_SPAN_MS: dict[BucketName, int] = {
    "raw": DAY_MS,
    "minute": DAY_MS,
    "hour": 7 * DAY_MS,
    "day": 90 * DAY_MS,
}
MAX_POINTS = 10_000
MAX_EVENTS = 500
DeviceId = DeviceIdPath


@router.get("/{device_id}/telemetry", responses=errors(401, 403, 404))
def device_telemetry(
    device_id: DeviceId,
    operator: OperatorDep,
    runtime: RuntimeDep,
    session: SessionDep,
    metric: MetricQuery,
    since: Instant = None,
    until: Instant = None,
    bucket: BucketName = "raw",
    limit: Annotated[int, Query(ge=1, le=MAX_POINTS)] = 1000,
) -> TelemetryPublic:
    """Points of one metric in [since, until), oldest first, raw or as min/max/mean
    buckets (minute, hour, day; UTC). ``until`` defaults to now, ``since`` to a day (raw,
    minute), a week (hour) or 90 days (day) before ``until``."""
    if device_in_scope(session, device_id, operator.scope_path) is None:
        raise not_found(device_id)
    start, end = time_range(since, until, wall_ms(), DEFAULT_SPAN_MS[bucket], MAX_SPAN_MS[bucket])
    points: list[PointPublic] = []
    buckets: list[BucketPublic] = []
    if bucket == "raw":
        rows = telemetry_points(runtime.engine, device_id, metric, start, end, limit + 1)
        points = [PointPublic(ts_ms=p.ts_ms, value=p.value) for p in rows[:limit]]
        truncated = len(rows) > limit
    else:
        found = telemetry_buckets(runtime.engine, device_id, metric, start, end, bucket, limit + 1)
        buckets = [
            BucketPublic(start_ms=b.start_ms, min=b.min, max=b.max, mean=b.mean, count=b.count)
            for b in found[:limit]
        ]
        truncated = len(found) > limit
    return TelemetryPublic(
        device_id=device_id,
        metric=metric,
        since_ms=start,
        until_ms=end,
        bucket=bucket,
        points=points,
        buckets=buckets,
        truncated=truncated,
    )


@router.get("/{device_id}/events", responses=errors(401, 403, 404))
def device_events(
    device_id: DeviceId,
    operator: OperatorDep,
    runtime: RuntimeDep,
    session: SessionDep,
    type: Annotated[
        list[str] | None, Query(max_length=20, description="event types (repeatable)")
    ] = None,
    since: Instant = None,
    until: Instant = None,
    cursor: IdCursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
) -> EventPage:
    """A device's events, newest first."""
    if device_in_scope(session, device_id, operator.scope_path) is None:
        raise not_found(device_id)
    start, end = optional_time_range(since, until, wall_ms())
    found = events(
        runtime.engine,
        device_id,
        since_ms=start,
        until_ms=end,
        types=type,
        limit=limit + 1,
        before_id=cursor,
    )
    page = found[:limit]
    return EventPage(
        items=[EventPublic.model_validate(e) for e in page],
        next_cursor=page[-1].id if len(found) > limit else None,
    )
