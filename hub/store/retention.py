"""Retention: delete raw telemetry points and dead letters older than the retention period.

Deletes go in small batches, each its own short transaction, so the ingest writer never
waits long for the table (SQLite has one writer at a time; PostgreSQL takes row locks).
The hourly loop runs the deletes in a worker thread, off the event loop. Events and
presence history are kept: they are the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, Table, delete, select, tuple_

from hub.config import Settings
from hub.store.chores import run_every
from hub.store.schema import dead_letter, telemetry

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
RETENTION_INTERVAL_S = 3600.0


def _prune(
    engine: Engine,
    table: Table,
    key: tuple[ColumnElement[object], ...],
    ts: ColumnElement[int],
    older_than_ms: int,
    batch_size: int,
) -> int:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    oldest = select(*key).where(ts < older_than_ms).limit(batch_size)
    target = key[0] if len(key) == 1 else tuple_(*key)
    statement = delete(table).where(target.in_(oldest))
    total = 0
    while True:
        with engine.begin() as conn:
            deleted = conn.execute(statement).rowcount
        total += deleted
        if deleted < batch_size:
            return total


def prune_telemetry(engine: Engine, older_than_ms: int, batch_size: int = 5000) -> int:
    """Delete telemetry messages with ``ts_ms < older_than_ms``; return how many."""
    c = telemetry.c
    return _prune(engine, telemetry, (c.device_id, c.seq), c.ts_ms, older_than_ms, batch_size)


def prune_dead_letters(engine: Engine, older_than_ms: int, batch_size: int = 5000) -> int:
    """Delete dead letters received before ``older_than_ms``; return how many."""
    c = dead_letter.c
    return _prune(engine, dead_letter, (c.id,), c.received_ms, older_than_ms, batch_size)


@dataclass(frozen=True, slots=True)
class Pruned:
    telemetry: int
    dead_letters: int


def prune_all(engine: Engine, older_than_ms: int, batch_size: int = 5000) -> Pruned:
    return Pruned(
        prune_telemetry(engine, older_than_ms, batch_size),
        prune_dead_letters(engine, older_than_ms, batch_size),
    )


async def retention_loop(
    engine: Engine,
    settings: Settings,
    clock: Callable[[], int],
    interval_s: float = RETENTION_INTERVAL_S,
    on_pruned: Callable[[Pruned], None] | None = None,
) -> None:
    """Prune now and then every ``interval_s`` (hourly) until cancelled.

    ``clock`` returns Unix milliseconds; points older than ``settings.retention_days``
    are deleted. A database error is logged and retried at the next round.
    """

    def prune(now_ms: int) -> Pruned:
        return prune_all(engine, now_ms - settings.retention_days * DAY_MS)

    def done(pruned: Pruned) -> None:
        if pruned.telemetry or pruned.dead_letters:
            log.info(
                "retention: deleted %d telemetry points and %d dead letters",
                pruned.telemetry,
                pruned.dead_letters,
            )
        if on_pruned is not None:
            on_pruned(pruned)

    await run_every(interval_s, prune, clock_ms=clock, done=done, log=log, name="retention")
