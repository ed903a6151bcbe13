"""Retention deletes only old rows, a small batch per transaction, and its hourly loop runs
its deletes in a worker thread, off the event loop, until cancelled."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from hub.store import (
    DeadLetterRow,
    Pruned,
    StoreWriter,
    TelemetryRow,
    WriteBatch,
    count_by_reason,
    prune_dead_letters,
    prune_telemetry,
    retention_loop,
    telemetry_count,
    telemetry_points,
)
from hub.store.retention import DAY_MS
from tests.support.waiting import async_wait_until

CUTOFF = 1_700_000_000_000


def write_points(engine: Engine, old: int, new: int) -> None:
    rows = [TelemetryRow(f"d-{i % 4}", i, CUTOFF - 1 - i * 1000, {"temp": 1.0}) for i in range(old)]
    rows += [
        TelemetryRow(f"d-{i % 4}", old + i, CUTOFF + i * 1000, {"temp": 2.0}) for i in range(new)
    ]
    StoreWriter(engine).write(WriteBatch(telemetry=rows))


class Transactions:
    """Counts commits and the rows each DELETE removed, from the engine's own events."""

    def __init__(self) -> None:
        self.commits = 0
        self.deleted: list[int] = []
        self.threads: set[int] = set()

    def _commit(self, _conn: Any) -> None:
        self.commits += 1

    def _executed(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            self.deleted.append(cursor.rowcount)
            self.threads.add(threading.get_ident())


@pytest.fixture
def seen(engine: Engine) -> Iterator[Transactions]:
    transactions = Transactions()
    event.listen(engine, "commit", transactions._commit)
    event.listen(engine, "after_cursor_execute", transactions._executed)
    yield transactions
    event.remove(engine, "commit", transactions._commit)
    event.remove(engine, "after_cursor_execute", transactions._executed)


def test_prune_deletes_only_old_points_in_small_transactions(
    engine: Engine, seen: Transactions
) -> None:
    write_points(engine, old=23, new=9)
    seen.commits, seen.deleted = 0, []

    assert prune_telemetry(engine, CUTOFF, batch_size=5) == 23

    assert seen.deleted == [5, 5, 5, 5, 3]
    assert seen.commits == 5
    remaining = [
        p
        for device in ("d-0", "d-1", "d-2", "d-3")
        for p in telemetry_points(engine, device, "temp", 0, 2 * CUTOFF)
    ]
    assert len(remaining) == 9 and all(p.ts_ms >= CUTOFF and p.value == 2.0 for p in remaining)
    assert prune_telemetry(engine, CUTOFF, batch_size=5) == 0


def test_prune_stops_after_an_exact_multiple(engine: Engine, seen: Transactions) -> None:
    write_points(engine, old=10, new=1)
    assert prune_telemetry(engine, CUTOFF, batch_size=5) == 10
    assert seen.deleted == [5, 5, 0]
    assert telemetry_count(engine) == 1


def test_prune_dead_letters(engine: Engine) -> None:
    StoreWriter(engine).write(
        WriteBatch(
            dead_letters=[
                DeadLetterRow(CUTOFF - 1, "t", b"old", None, "old", ""),
                DeadLetterRow(CUTOFF - 2, "t", b"old", None, "old", ""),
                DeadLetterRow(CUTOFF, "t", b"new", None, "new", ""),
            ]
        )
    )
    assert prune_dead_letters(engine, CUTOFF, batch_size=1) == 2
    assert count_by_reason(engine) == {"new": 1}


def test_prune_refuses_an_empty_batch(engine: Engine) -> None:
    with pytest.raises(ValueError):
        prune_telemetry(engine, CUTOFF, batch_size=0)


async def test_retention_loop_prunes_by_the_configured_days(
    engine: Engine, settings_factory: Any, seen: Transactions
) -> None:
    settings = settings_factory(retention_days=2)
    now = CUTOFF + 2 * DAY_MS  # so the loop's cutoff is CUTOFF
    write_points(engine, old=7, new=3)
    rounds: list[Pruned] = []
    loop = asyncio.get_running_loop()
    on_loop: list[bool] = []

    def on_pruned(pruned: Pruned) -> None:
        on_loop.append(asyncio.get_running_loop() is loop)
        rounds.append(pruned)

    task = asyncio.create_task(retention_loop(engine, settings, lambda: now, 3600, on_pruned))
    try:
        await async_wait_until(lambda: rounds, what="the first retention round")
    finally:
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert rounds == [Pruned(telemetry=7, dead_letters=0)]
    assert on_loop == [True]
    assert seen.deleted and threading.get_ident() not in seen.threads  # off the loop
    assert telemetry_count(engine) == 3
