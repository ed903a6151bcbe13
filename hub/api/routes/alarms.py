"""Alarms of the caller's scope: GET /api/v1/alarms (filtered, newest first, paginated),
GET /api/v1/alarms/{id} (with its history) and POST /api/v1/alarms/{id}/ack.

Acknowledging records who saw the alarm and when; it is idempotent (a second call
answers the alarm unchanged). A cold-chain alarm whose temperature is back to normal
still holds the machine's stock as unsellable: acknowledging it then also clears it and
releases the stock. Alarms outside the caller's scope answer 404, like missing ones.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import AfterValidator, BaseModel, Field

from hub.alarms.lifecycle import Alarm
from hub.alarms.listing import AlarmFilter, alarm_history, get_alarm, list_alarms
from hub.alarms.vocabulary import OPEN_STATES, AlarmState, AlarmType, Severity
from hub.api.deps import ContextDep, OperatorDep
from hub.api.schemas.common import DeviceIdQuery, RowAnswer, errors
from hub.registry.vocabulary import DeviceKind

router = APIRouter(prefix="/api/v1/alarms", tags=["operators"])

MAX_PAGE = 500
MAX_ALARM_ID = 2**63 - 1
AlarmId = Annotated[int, Path(ge=1, le=MAX_ALARM_ID, description="alarm id")]
StateFilter = Literal["active", "acknowledged", "cleared", "open"]


class AlarmPublic(RowAnswer):
    id: int
    device_id: str
    kind: DeviceKind
    path: str = Field(
        description="the device's place: where it is while the alarm is open (an open alarm"
        " moves with its device), where it was when the alarm cleared"
    )
    type: AlarmType
    severity: Severity
    state: AlarmState
    raised_ms: int
    last_ms: int = Field(description="the latest occurrence")
    occurrences: int
    condition_active: bool = Field(description="false once the condition has ended")
    condition_ended_ms: int | None
    acknowledged_by: str | None
    acknowledged_ms: int | None
    cleared_ms: int | None
    cleared_by: str | None = Field(
        description="the operator who released a latching alarm; null: its condition ended"
    )
    stock_unsellable: bool = Field(
        description="cold chain: the stock of details.unsellable_slots must not be sold"
    )
    details: dict[str, Any]


class AlarmPage(BaseModel):
    items: list[AlarmPublic]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: done")


class AlarmHistoryPublic(RowAnswer):
    ts_ms: int
    action: str
    actor: str | None
    state: AlarmState
    occurrences: int
    details: dict[str, Any]


class AlarmDetailPublic(AlarmPublic):
    history: list[AlarmHistoryPublic]


def public(alarm: Alarm) -> AlarmPublic:
    return AlarmPublic.model_validate(alarm)


def not_found(alarm_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no alarm {alarm_id} in your scope")


def _cursor_in_range(cursor: str | None) -> str | None:
    """A cursor is an alarm id: 64-bit, as SQLite and PostgreSQL store it."""
    if cursor is not None and not 1 <= int(cursor) <= MAX_ALARM_ID:
        raise ValueError(f"cursor must be a next_cursor, from 1 to {MAX_ALARM_ID}")
    return cursor


@router.get("", responses=errors(401, 403))
def alarms(
    operator: OperatorDep,
    context: ContextDep,
    state: Annotated[StateFilter | None, Query(description="open: active or acknowledged")] = None,
    severity: Severity | None = None,
    kind: DeviceKind | None = None,
    type: AlarmType | None = None,
    device: DeviceIdQuery = None,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,19}$", description="next_cursor"),
        AfterValidator(_cursor_in_range),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AlarmPage:
    """Alarms of devices within the caller's scope, newest first, a page at a time."""
    states = OPEN_STATES if state == "open" else (AlarmState(state),) if state else ()
    where = AlarmFilter(
        states=states,
        severity=severity.value if severity else None,
        kind=kind,
        type=type.value if type else None,
        device_id=device,
    )
    before = int(cursor) if cursor is not None else None
    page, next_id = list_alarms(context.runtime.engine, operator.scope_path, where, before, limit)
    return AlarmPage(
        items=[public(alarm) for alarm in page],
        next_cursor=None if next_id is None else str(next_id),
    )


@router.get("/{alarm_id}", responses=errors(401, 403, 404))
def alarm_detail(
    operator: OperatorDep, context: ContextDep, alarm_id: AlarmId
) -> AlarmDetailPublic:
    """One alarm with everything that happened to it."""
    engine = context.runtime.engine
    alarm = get_alarm(engine, alarm_id, operator.scope_path)
    if alarm is None:
        raise not_found(alarm_id)
    history = [AlarmHistoryPublic.model_validate(h) for h in alarm_history(engine, alarm_id)]
    return AlarmDetailPublic(**public(alarm).model_dump(), history=history)


@router.post("/{alarm_id}/ack", responses=errors(401, 403, 404, 503))
async def acknowledge(operator: OperatorDep, context: ContextDep, alarm_id: AlarmId) -> AlarmPublic:
    """Acknowledge an alarm (idempotent); an ended cold-chain alarm is also cleared and
    its stock released."""
    engine = context.runtime.alarms
    if engine is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the alarm engine is not running")
    alarm = await engine.acknowledge(alarm_id, operator.scope_path, operator.actor)
    if alarm is None:
        raise not_found(alarm_id)
    return public(alarm)
