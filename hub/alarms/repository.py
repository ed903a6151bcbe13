"""Alarm persistence: apply a signal or an acknowledgement to the stored alarm, in one
transaction with its history row.

The stored row is the truth: each call reads the device's open alarm (``FOR UPDATE`` on
PostgreSQL; on SQLite the transaction takes the write lock before it reads), lets
:mod:`hub.alarms.lifecycle` decide, and writes the result. If another replica inserted
the open alarm first, the unique index refuses the second insert and the call is retried
once, now as a repeat.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.alarms import lifecycle
from hub.alarms.lifecycle import Alarm, Change, RaiseAs
from hub.alarms.tables import ALARM, ALARM_HISTORY
from hub.alarms.vocabulary import AlarmState, AlarmType, Fire, Severity, Signal


def alarm_from_row(row: Row[Any]) -> Alarm:
    return Alarm(
        id=row.id,
        device_id=row.device_id,
        kind=row.device_kind,
        path=row.device_path,
        type=AlarmType(row.type),
        severity=Severity(row.severity),
        state=AlarmState(row.state),
        raised_ms=row.raised_ms,
        last_ms=row.last_ms,
        occurrences=row.occurrences,
        condition_active=row.condition_active,
        condition_ended_ms=row.condition_ended_ms,
        acknowledged_by=row.acknowledged_by,
        acknowledged_ms=row.acknowledged_ms,
        cleared_ms=row.cleared_ms,
        cleared_by=row.cleared_by,
        latching=row.latching,
        stock_unsellable=row.stock_unsellable,
        details=dict(row.details or {}),
        updated_ms=row.updated_ms,
    )


def _values(alarm: Alarm) -> dict[str, Any]:
    return {
        "device_id": alarm.device_id,
        "device_kind": alarm.kind,
        "device_path": alarm.path,
        "type": alarm.type.value,
        "severity": alarm.severity.value,
        "state": alarm.state.value,
        "raised_ms": alarm.raised_ms,
        "last_ms": alarm.last_ms,
        "occurrences": alarm.occurrences,
        "condition_active": alarm.condition_active,
        "condition_ended_ms": alarm.condition_ended_ms,
        "acknowledged_by": alarm.acknowledged_by,
        "acknowledged_ms": alarm.acknowledged_ms,
        "cleared_ms": alarm.cleared_ms,
        "cleared_by": alarm.cleared_by,
        "latching": alarm.latching,
        "stock_unsellable": alarm.stock_unsellable,
        "details": dict(alarm.details),
        "updated_ms": alarm.updated_ms,
    }


def _locking(conn: Connection, statement: Any) -> Any:
    return statement.with_for_update() if conn.dialect.name == "postgresql" else statement


def _open_alarm(conn: Connection, device_id: str, alarm_type: AlarmType) -> Alarm | None:
    statement = select(ALARM).where(
        ALARM.c.device_id == device_id,
        ALARM.c.type == alarm_type.value,
        ALARM.c.state != AlarmState.CLEARED.value,
    )
    row = conn.execute(_locking(conn, statement)).first()
    return None if row is None else alarm_from_row(row)


def _store(conn: Connection, change: Change, details: Mapping[str, Any]) -> Change:
    alarm = change.alarm
    if alarm.id is None:
        statement = insert(ALARM).values(_values(alarm)).returning(ALARM.c.id)
        alarm_id = int(conn.execute(statement).scalar_one())
        alarm = dataclasses.replace(alarm, id=alarm_id)
    else:
        conn.execute(update(ALARM).where(ALARM.c.id == alarm.id).values(_values(alarm)))
    conn.execute(
        insert(ALARM_HISTORY).values(
            alarm_id=alarm.id,
            ts_ms=alarm.updated_ms,
            action=change.action.value,
            actor=change.actor,
            state=alarm.state.value,
            occurrences=alarm.occurrences,
            details=dict(details),
        )
    )
    return Change(alarm, change.action, change.actor)


@contextlib.contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes; on SQLite it takes the write lock before it reads
    (``BEGIN IMMEDIATE``), so two writers cannot both read the same open alarm."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()


def apply_signal(engine: Engine, signal: Signal, how: RaiseAs | None) -> Change | None:
    """Apply a rule's signal; the stored change, or None if it changed nothing. A
    ``Fire`` needs ``how`` (kind, path, severity) in case it raises a new alarm."""
    for attempt in (1, 2):
        try:
            with _writing(engine) as conn:
                current = _open_alarm(conn, signal.device_id, signal.type)
                if isinstance(signal, Fire):
                    if how is None:
                        raise ValueError("a Fire needs RaiseAs")
                    change = lifecycle.fire(current, signal, how)
                    details: Mapping[str, Any] = signal.details
                else:
                    change = None if current is None else lifecycle.clear(current, signal)
                    details = {}
                return None if change is None else _store(conn, change, details)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def acknowledge(
    engine: Engine, alarm_id: int, actor: str, now_ms: int
) -> tuple[Alarm, Change | None]:
    """Acknowledge alarm ``alarm_id`` (the caller checked it exists and is in scope):
    the alarm as it is afterwards, and the change (None if there was nothing to do)."""
    with _writing(engine) as conn:
        statement = select(ALARM).where(ALARM.c.id == alarm_id)
        row = conn.execute(_locking(conn, statement)).first()
        if row is None:
            raise LookupError(alarm_id)
        current = alarm_from_row(row)
        change = lifecycle.acknowledge(current, actor, now_ms)
        if change is None:
            return current, None
        stored = _store(conn, change, {})
        return stored.alarm, stored
