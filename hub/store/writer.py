"""The batch writer: one ingest batch, one transaction, Core bulk statements only.

Duplicates (a redelivered message) are skipped by ``INSERT ... ON CONFLICT DO NOTHING``
on each table's natural key. Events and presence changes use ``RETURNING`` (executed by
SQLAlchemy's insertmanyvalues in a few multi-row statements), so the result names exactly
the events that are new. Telemetry is one row per message, its readings as JSON (made
once, by the screen), and takes each driver's fastest path: the Core statement, compiled
once, run by the driver's ``executemany`` on SQLite; COPY through a staging table on
PostgreSQL (``tests/support/store_rates.py`` compares the two). The metric names a device
reports are indexed in ``telemetry_metric`` (only pairs the writer has not seen yet go to
the database). ``write`` is synchronous: call it in a worker thread, off the event loop.

Records derived from the batch's new events (a parcel from a deposit, a sale from a vend,
an access decision from a card read) are written by ``within``, in the same transaction:
they are committed, and the messages acknowledged, together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    TableClause,
    Text,
    TypeDecorator,
    case,
    cast,
)
from sqlalchemy import column as column_clause
from sqlalchemy import table as table_clause
from sqlalchemy.dialects import postgresql, sqlite

from firmware_protocols.clock import wall_ms
from hub.db.write_lock import let_front_write_first
from hub.long_lived import no_collection_within
from hub.store.event_sql import EVENT_ROWS_PER_STATEMENT, EventInsertSql
from hub.store.rows import (
    DeadLetterRow,
    EventKey,
    PresenceRow,
    TelemetryRow,
    TwinSnapshot,
    WriteBatch,
    WriteResult,
)
from hub.store.schema import (
    DEVICE_ID_LENGTH,
    METRIC_LENGTH,
    dead_letter,
    presence_change,
    telemetry,
    telemetry_metric,
    twin,
)
from hub.store.screen import EventParams, TelemetryParams, int64_ok, screen, text_ok

TelemetryMethod = Literal["executemany", "copy"]
InTransaction = Callable[[Connection, tuple[EventKey, ...]], None]
"""Writes more in the batch's transaction, given the keys of the events that were new."""
KNOWN_METRIC_NAMES = 200_000  # (device, metric) pairs remembered as already indexed
TELEMETRY_COLUMNS = ("device_id", "seq", "ts_ms", "metrics")
DialectInsert = postgresql.Insert | sqlite.Insert


class _PgJsonText(TypeDecorator[str]):
    """JSON text bound as it is and cast to ``json`` in the SQL (PostgreSQL)."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: BindParameter[str]) -> ColumnElement[str]:
        return cast(bindvalue, JSON)


# The twin table's shape with its JSON columns bound as text: the screen has serialised
# them once already (a JSON-typed column would serialise the text again). A table clause,
# not a second definition of the table: it names the same columns of ``twin``.
_JSON_TEXT = Text().with_variant(_PgJsonText(), "postgresql")
_TWIN_AS_TEXT = table_clause(
    twin.name,
    *(column_clause(c.name, _JSON_TEXT if isinstance(c.type, JSON) else c.type) for c in twin.c),
)


def insert_for(engine: Engine) -> Callable[[TableClause], DialectInsert]:
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
            index_elements=["device_id", "seq"]
        )
        compiled = self._telemetry.compile(dialect=engine.dialect)
        self._telemetry_sql = str(compiled)
        self._telemetry_positional = compiled.positional
        order = list(compiled.positiontup or ()) if compiled.positional else []
        self._telemetry_reorder = (
            None
            if order in ([], list(TELEMETRY_COLUMNS))
            else itemgetter(*(TELEMETRY_COLUMNS.index(name) for name in order))
        )
        self._metric_name = insert(telemetry_metric).on_conflict_do_nothing(
            index_elements=["device_id", "metric"]
        )
        self._known_metrics: set[tuple[str, str]] = set()
        self._event_sql = EventInsertSql(engine.dialect.name, engine.dialect.paramstyle)
        self._presence = (
            insert(presence_change)
            .on_conflict_do_nothing(index_elements=["device_id", "ts_ms", "online"])
            .returning(presence_change.c.id)
        )
        self._dead_letter = insert(dead_letter)
        upsert = insert(_TWIN_AS_TEXT)
        new = upsert.excluded
        twin = _TWIN_AS_TEXT
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

    def write(self, batch: WriteBatch, within: InTransaction | None = None) -> WriteResult:
        """Store ``batch`` in one transaction (all of it or, on error, none of it), with
        whatever ``within`` writes for its new events."""
        received_ms = batch.received_ms if batch.received_ms is not None else self._clock_ms()
        rows = screen(
            batch.telemetry,
            batch.events,
            batch.presence,
            batch.dead_letters,
            batch.twins,
            received_ms,
        )
        names = self._new_metric_names(batch.telemetry) if rows.telemetry else []
        # A resident's claim or audit row goes first; no garbage collection (a full one
        # took up to 44 ms) while this transaction holds the write lock the front needs.
        let_front_write_first(self._engine)
        with no_collection_within(), self._engine.begin() as conn:
            telemetry_new = self._write_telemetry(conn, rows.telemetry)
            if names:
                conn.execute(self._metric_name, names)
            new_events = self._write_events(conn, rows.events, received_ms)
            presence_new = self._write_presence(conn, rows.presence)
            self._write_dead_letters(conn, rows.dead_letters)
            self._write_twins(conn, rows.twins)
            if within is not None:
                within(conn, new_events)
        self._remember_metric_names(names)
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

    # ------------------------------------------------------------ metric names
    def _new_metric_names(self, rows: Sequence[TelemetryRow]) -> list[dict[str, Any]]:
        """(device, metric) pairs this writer has not indexed yet, as insert parameters."""
        known = self._known_metrics
        fresh: dict[tuple[str, str], int] = {}
        for device_id, _seq, ts_ms, metrics in rows:
            for name in metrics:
                pair = (device_id, name)
                if pair not in known and pair not in fresh and text_ok(name, METRIC_LENGTH):
                    fresh[pair] = ts_ms
        return [
            {"device_id": device, "metric": name, "first_ts_ms": ts}
            for (device, name), ts in fresh.items()
            if text_ok(device, DEVICE_ID_LENGTH) and int64_ok(ts)
        ]

    def _remember_metric_names(self, names: Sequence[dict[str, Any]]) -> None:
        if len(self._known_metrics) + len(names) > KNOWN_METRIC_NAMES:
            self._known_metrics.clear()
        self._known_metrics.update((n["device_id"], n["metric"]) for n in names)

    # ------------------------------------------------------------ per table
    def _write_telemetry(self, conn: Connection, rows: Sequence[TelemetryParams]) -> int:
        if not rows:
            return 0
        if self._telemetry_method == "copy":
            # Imported here: psycopg is 9 MB in every process of a SQLite deployment.
            from hub.store.pgcopy import copy_telemetry

            return copy_telemetry(conn, rows)
        # The driver's own executemany with the JSON already made by the screen, bypassing
        # SQLAlchemy's per-row parameter processing; the drivers report the summed count.
        params: list[Any]
        if not self._telemetry_positional:
            params = [dict(zip(TELEMETRY_COLUMNS, row, strict=True)) for row in rows]
        elif self._telemetry_reorder is None:
            params = list(rows)
        else:
            params = list(map(self._telemetry_reorder, rows))
        return conn.exec_driver_sql(self._telemetry_sql, params).rowcount

    def _write_events(
        self, conn: Connection, rows: Sequence[EventParams], received_ms: int
    ) -> tuple[EventKey, ...]:
        new: list[EventKey] = []
        for start in range(0, len(rows), EVENT_ROWS_PER_STATEMENT):
            chunk = rows[start : start + EVENT_ROWS_PER_STATEMENT]
            sql, params = self._event_sql.statement(chunk, received_ms)
            new.extend(tuple(key) for key in conn.exec_driver_sql(sql, params))
        return tuple(new)

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

    def _write_twins(self, conn: Connection, rows: Sequence[TwinSnapshot]) -> None:
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
