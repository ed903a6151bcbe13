"""GET /api/v1/fleet/summary: fleet health of the caller's scope at a glance."""

from __future__ import annotations

from fastapi import APIRouter

from hub.api.deps import ContextDep, OperatorDep, SessionDep
from hub.api.device_queries import count_by_kind
from hub.api.schemas.common import errors
from hub.api.schemas.fleet import FleetSummaryPublic, KindCountPublic

router = APIRouter(prefix="/api/v1/fleet", tags=["operators"])


@router.get("/summary", responses=errors(401, 403))
def fleet_summary(
    operator: OperatorDep, context: ContextDep, session: SessionDep
) -> FleetSummaryPublic:
    """Devices (total and online) by kind, active alarms by severity, and the rate of
    messages this replica commits (hub-wide: the ingest counter has no scope)."""
    counts = count_by_kind(session, operator.scope_path, context.runtime.presence)
    return FleetSummaryPublic(
        scope=operator.scope_path,
        devices={kind: KindCountPublic(total=t, online=o) for kind, (t, o) in counts.items()},
        alarms_by_severity=context.alarms.active_by_severity(operator.scope_path),
        messages_per_second=round(context.message_rate.per_second(), 3),
    )
