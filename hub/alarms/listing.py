"""Stored alarms, read: lists for operators (scoped, filtered, in keyset pages), one alarm
with its history, and the aggregates the API, the metrics and the engine need. Alarms are
written by :mod:`hub.alarms.repository`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from hub.alarms.lifecycle import Alarm
from hub.alarms.repository import alarm_from_row
from hub.alarms.tables import ALARM, ALARM_HISTORY
from hub.alarms.vocabulary import AlarmState, AlarmType
from hub.registry.paths import district_of
from hub.registry.queries import scope_filter

CLEARED = AlarmState.CLEARED.value
ACTIVE = AlarmState.ACTIVE.value


@dataclass(frozen=True, slots=True)
class AlarmFilter:
    """``states`` empty: every state. Other fields None: no filter."""

    states: Sequence[AlarmState] = ()
    severity: str | None = None
    kind: str | None = None
    type: str | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    ts_ms: int
    action: str
    actor: str | None
    state: str
    occurrences: int
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OpenAlarm:
    """What the engine keeps of an open alarm to decide whether a clear applies."""

    id: int
    kind: str
    condition_active: bool
    last_ms: int


def list_alarms(
    engine: Engine, scope_path: str, where: AlarmFilter, before_id: int | None, limit: int
) -> tuple[list[Alarm], int | None]:
    """Alarms in scope, newest first, ``limit`` at a time; the cursor of the next page."""
    statement = select(ALARM).where(scope_filter(scope_path, ALARM.c.device_path))
    if where.states:
        statement = statement.where(ALARM.c.state.in_([s.value for s in where.states]))
    for column, value in (
        (ALARM.c.severity, where.severity),
        (ALARM.c.device_kind, where.kind),
        (ALARM.c.type, where.type),
        (ALARM.c.device_id, where.device_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if before_id is not None:
        statement = statement.where(ALARM.c.id < before_id)
    statement = statement.order_by(ALARM.c.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        alarms = [alarm_from_row(row) for row in conn.execute(statement)]
    if len(alarms) > limit:
        page = alarms[:limit]
        return page, page[-1].id
    return alarms, None


def get_alarm(engine: Engine, alarm_id: int, scope_path: str) -> Alarm | None:
    """The alarm if it exists within the scope."""
    statement = select(ALARM).where(
        ALARM.c.id == alarm_id, scope_filter(scope_path, ALARM.c.device_path)
    )
    with engine.connect() as conn:
        row = conn.execute(statement).first()
    return None if row is None else alarm_from_row(row)


def alarm_history(engine: Engine, alarm_id: int) -> list[HistoryEntry]:
    statement = (
        select(ALARM_HISTORY)
        .where(ALARM_HISTORY.c.alarm_id == alarm_id)
        .order_by(ALARM_HISTORY.c.id)
    )
    with engine.connect() as conn:
        return [
            HistoryEntry(
                row.ts_ms, row.action, row.actor, row.state, row.occurrences, dict(row.details)
            )
            for row in conn.execute(statement)
        ]


def open_alarms(engine: Engine) -> dict[tuple[str, AlarmType], OpenAlarm]:
    """Every open alarm by (device, type)."""
    statement = select(
        ALARM.c.id,
        ALARM.c.device_id,
        ALARM.c.type,
        ALARM.c.device_kind,
        ALARM.c.condition_active,
        ALARM.c.last_ms,
    ).where(ALARM.c.state != CLEARED)
    with engine.connect() as conn:
        return {
            (row.device_id, AlarmType(row.type)): OpenAlarm(
                row.id, row.device_kind, row.condition_active, row.last_ms
            )
            for row in conn.execute(statement)
        }


def open_counts(engine: Engine) -> dict[tuple[str, str, str, str], int]:
    """Open alarms by (device kind, type, severity, district): the ``hub_alarms_active``
    gauge. Grouped by path in SQL (one row per device at most per type), by district here."""
    statement = (
        select(
            ALARM.c.device_kind, ALARM.c.type, ALARM.c.severity, ALARM.c.device_path, func.count()
        )
        .where(ALARM.c.state != CLEARED)
        .group_by(ALARM.c.device_kind, ALARM.c.type, ALARM.c.severity, ALARM.c.device_path)
    )
    counts: Counter[tuple[str, str, str, str]] = Counter()
    with engine.connect() as conn:
        for kind, type_, severity, path, n in conn.execute(statement):
            counts[(kind, type_, severity, district_of(path))] += int(n)
    return dict(counts)


def active_alarm_device_ids(engine: Engine, scope_path: str) -> set[str]:
    """Devices within the scope with at least one open alarm."""
    statement = (
        select(ALARM.c.device_id)
        .where(ALARM.c.state != CLEARED, scope_filter(scope_path, ALARM.c.device_path))
        .distinct()
    )
    with engine.connect() as conn:
        return set(conn.execute(statement).scalars())


def active_alarms_by_severity(engine: Engine, scope_path: str) -> dict[str, int]:
    """Active alarms within the scope (not yet acknowledged), counted by severity: what
    the fleet summary shows as needing someone's attention."""
    statement = (
        select(ALARM.c.severity, func.count())
        .where(ALARM.c.state == ACTIVE, scope_filter(scope_path, ALARM.c.device_path))
        .group_by(ALARM.c.severity)
    )
    with engine.connect() as conn:
        return {severity: int(n) for severity, n in conn.execute(statement)}


def unsellable_slots(engine: Engine, device_id: str) -> list[int]:
    """Slots of a vending machine whose stock an open cold-chain alarm holds unsellable."""
    statement = select(ALARM.c.details).where(
        ALARM.c.device_id == device_id,
        ALARM.c.type == AlarmType.COLD_CHAIN.value,
        ALARM.c.state != CLEARED,
        ALARM.c.stock_unsellable,
    )
    with engine.connect() as conn:
        details = conn.execute(statement).scalar_one_or_none()
    slots = details.get("unsellable_slots") if isinstance(details, dict) else None
    return sorted(s for s in slots if isinstance(s, int)) if isinstance(slots, list) else []
