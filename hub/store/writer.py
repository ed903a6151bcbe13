"""The batch writer: one ingest batch, one transaction, Core bulk statements only.

Duplicates (a redelivered message) are skipped by ``INSERT ... ON CONFLICT DO NOTHING``
on each table's natural key. Events and presence changes use ``RETURNING`` (executed by
SQLAlchemy's insertmanyvalues in a few multi-row statements), so the result names exactly
the events that are new. Telemetry takes each driver's fastest path: the Core statement,
compiled once, run by the driver's ``executemany`` on SQLite; COPY through a staging
table on PostgreSQL (see :mod:`hub.store.measure` for the comparison). ``write`` is
synchronous: call it in a worker thread, off the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Table, case
from sqlalchemy.dialects import postgresql, sqlite

from hub.store.pgcopy import copy_telemetry
from hub.store.rows import (
    DeadLetterRow,
    EventKey,
    EventRow,
    PresenceRow,
    TelemetryRow,
    TwinRow,
    WriteBatch,
    WriteResult,
)
from hub.store.schema import dead_letter, event, presence_change, telemetry, twin
from hub.store.screen import screen

TelemetryMethod = Literal["executemany", "copy"]
TELEMETRY_COLUMNS = ("device_id", "metric", "ts_ms", "value", "seq")
DialectInsert = postgresql.Insert | sqlite.Insert


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def insert_for(engine: Engine) -> Callable[[Table], DialectInsert]:
    """The dialect's INSERT construct, which has ``on_conflict_do_nothing``/``_update``."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert
    if engine.dialect.name == "sqlite":
        return sqlite.insert
    raise ValueError(f"unsupported database dialect {engine.dialect.name!r}")


def default_telemetry_method(engine: Engine) -> TelemetryMethod:
    return "copy" if engine.dialect.name == "postgresql" else "executemany"


class StoreWriter:
    """Writes :class:`WriteBatch` es. Thread-safe: each call uses its own connection."""

    def __init__(
        self,
        engine: Engine,
        *,
        telemetry_method: TelemetryMethod | None = None,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        method = telemetry_method or default_telemetry_method(engine)
        if method == "copy" and engine.dialect.name != "postgresql":
            raise ValueError("telemetry_method='copy' needs PostgreSQL")
        self._engine = engine
        self._telemetry_method: TelemetryMethod = method
        self._clock_ms = clock_ms
        insert = insert_for(engine)

        self._telemetry = insert(telemetry).on_conflict_do_nothing(
            index_elements=["device_id", "seq", "metric"]
        )
        compiled = self._telemetry.compile(dialect=engine.dialect)
        self._telemetry_sql = str(compiled)
        self._telemetry_positional = compiled.positional
        order = compiled.positiontup if compiled.positional else TELEMETRY_COLUMNS
        self._telemetry_values = attrgetter(*(order or ()))
        self._event = (
            insert(event)
            .on_conflict_do_nothing(index_elements=["device_id", "seq", "type"])
            .returning(event.c.device_id, event.c.seq, event.c.type)
        )
        self._presence = (
            insert(presence_change)
            .on_conflict_do_nothing(index_elements=["device_id", "ts_ms", "online"])
            .returning(presence_change.c.id)
        )
        self._dead_letter = insert(dead_letter)
        upsert = insert(twin)
        new = upsert.excluded
        newer_reported = new.reported_version >= twin.c.reported_version
        newer_desired = new.desired_version >= twin.c.desired_version
        # Versions only move forward: a late, older twin row never overwrites a newer one.
        self._twin = upsert.on_conflict_do_update(
            index_elements=["device_id"],
            set_={
                "reported": case((newer_reported, new.reported), else_=twin.c.reported),
                "reported_version": case(
                    (newer_reported, new.reported_version), else_=twin.c.reported_version
                ),
                "desired": case((newer_desired, new.desired), else_=twin.c.desired),
                "desired_version": case(
                    (newer_desired, new.desired_version), else_=twin.c.desired_version
                ),
                "updated_ms": case(
                    (new.updated_ms > twin.c.updated_ms, new.updated_ms),
                    else_=twin.c.updated_ms,
                ),
            },
        )

    @property
    def telemetry_method(self) -> TelemetryMethod:
        return self._telemetry_method

    def write(self, batch: WriteBatch) -> WriteResult:
        """Store ``batch`` in one transaction (all of it or, on error, none of it)."""
        received_ms = batch.received_ms if batch.received_ms is not None else self._clock_ms()
        rows = screen(
            batch.telemetry,
            batch.events,
            batch.presence,
            batch.dead_letters,
            batch.twins,
            received_ms,
        )
        with self._engine.begin() as conn:
            telemetry_new = self._write_telemetry(conn, rows.telemetry)
            new_events = self._write_events(conn, rows.events, received_ms)
            presence_new = self._write_presence(conn, rows.presence)
            self._write_dead_letters(conn, rows.dead_letters)
            self._write_twins(conn, rows.twins)
        return WriteResult(
            telemetry_inserted=telemetry_new,
            telemetry_duplicates=len(rows.telemetry) - telemetry_new,
            events_inserted=len(new_events),
            events_duplicates=len(rows.events) - len(new_events),
            new_event_keys=new_events,
            presence_inserted=presence_new,
            presence_duplicates=len(rows.presence) - presence_new,
            dead_letters_inserted=len(rows.dead_letters),
            twins_written=len(rows.twins),
            rejected=rows.rejected,
        )

    # ------------------------------------------------------------ per table
    def _write_telemetry(self, conn: Connection, rows: Sequence[TelemetryRow]) -> int:
        if not rows:
            return 0
        if self._telemetry_method == "copy":
            return copy_telemetry(conn, rows)
        # The driver's own executemany, bypassing SQLAlchemy's per-row parameter processing
        # (a third of the time on SQLite); both drivers then report the summed row count.
        values = map(self._telemetry_values, rows)
        if self._telemetry_positional:
            params: list[Any] = list(values)
        else:
            params = [dict(zip(TELEMETRY_COLUMNS, v, strict=True)) for v in values]
        return conn.exec_driver_sql(self._telemetry_sql, params).rowcount

    def _write_events(
        self, conn: Connection, rows: Sequence[EventRow], received_ms: int
    ) -> tuple[EventKey, ...]:
        if not rows:
            return ()
        params = [
            {"device_id": r.device_id, "seq": r.seq, "ts_ms": r.ts_ms, "type": r.type,
             "data": r.data, "received_ms": received_ms}
            for r in rows
        ]  # fmt: skip
        result = conn.execute(self._event, params)
        return tuple((device_id, seq, type_) for device_id, seq, type_ in result)

    def _write_presence(self, conn: Connection, rows: Sequence[PresenceRow]) -> int:
        if not rows:
            return 0
        params = [
            {"device_id": r.device_id, "online": r.online, "reason": r.reason, "ts_ms": r.ts_ms,
             "recorded_by": r.recorded_by}
            for r in rows
        ]  # fmt: skip
        return len(conn.execute(self._presence, params).all())

    def _write_dead_letters(self, conn: Connection, rows: Sequence[DeadLetterRow]) -> None:
        if rows:
            conn.execute(
                self._dead_letter,
                [
                    {"received_ms": r.received_ms, "topic": r.topic, "payload": r.payload,
                     "device_id": r.device_id, "reason": r.reason, "detail": r.detail}
                    for r in rows
                ],
            )  # fmt: skip

    def _write_twins(self, conn: Connection, rows: Sequence[TwinRow]) -> None:
        if rows:
            conn.execute(
                self._twin,
                [
                    {"device_id": r.device_id, "reported": r.reported,
                     "reported_version": r.reported_version, "desired": r.desired,
                     "desired_version": r.desired_version, "updated_ms": r.updated_ms}
                    for r in rows
                ],
            )  # fmt: skip
