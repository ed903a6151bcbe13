"""On SQLite a resident's short write (an idempotency claim, an audit row) goes before
the ingest workers' next batch: while the front waits for the write lock it holds a lock
on ``<database>-turn``, and a worker asks that file before each batch's transaction. Real
files, two engines standing for the front and a worker."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from hub.db.engine import make_engine
from hub.db.write_lock import (
    begin_write,
    let_front_write_first,
    turn_path,
    write_lock_from_loop,
)

WAIT_S = 10.0  # a bound for the test's own waits, never reached when all is well


def _front_is_waiting(database: Path) -> bool:
    path = turn_path(str(database))
    assert path is not None
    if not os.path.exists(path):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.001)


@pytest.fixture
def engines(tmp_path: Path) -> tuple[Path, Engine, Engine]:
    database = tmp_path / "hub.db"
    worker = make_engine(f"sqlite:///{database}")
    front = make_engine(f"sqlite:///{database}")
    with worker.begin() as conn:
        conn.execute(text("CREATE TABLE written (id INTEGER PRIMARY KEY, who TEXT)"))
    return database, worker, front


def test_the_fronts_write_goes_before_the_workers_next_batch(
    engines: tuple[Path, Engine, Engine],
) -> None:
    database, worker, front = engines
    done = threading.Event()

    def resident_claim() -> None:
        with front.connect() as conn:
            begin_write(conn)
            conn.execute(text("INSERT INTO written (who) VALUES ('front')"))
            done.wait(WAIT_S)
            conn.commit()

    with worker.connect() as batch:
        batch.exec_driver_sql("BEGIN IMMEDIATE")  # a batch in progress holds the lock
        claim = threading.Thread(target=resident_claim)
        claim.start()
        try:
            _until(lambda: _front_is_waiting(database), "the front says it waits")
            batch.execute(text("INSERT INTO written (who) VALUES ('batch 1')"))
            batch.commit()  # the batch ends: the front's poll may now take the lock

            waited = let_front_write_first(worker, max_wait_s=WAIT_S)
            assert waited < WAIT_S
            # The worker went on only once the front held the write lock: its next batch
            # cannot have it (without the turn, the worker wins this race nearly always).
            batch.exec_driver_sql("PRAGMA busy_timeout=0")
            with pytest.raises(OperationalError, match="locked"):
                batch.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            done.set()
            claim.join()
        batch.exec_driver_sql("BEGIN IMMEDIATE")
        batch.execute(text("INSERT INTO written (who) VALUES ('batch 2')"))
        batch.commit()
    with worker.connect() as conn:
        order = conn.execute(text("SELECT who FROM written ORDER BY id")).scalars().all()
    assert order == ["batch 1", "front", "batch 2"]


def test_a_worker_waits_for_the_front_at_most_its_bound(
    engines: tuple[Path, Engine, Engine],
) -> None:
    database, worker, _front = engines
    path = turn_path(str(database))
    assert path is not None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a front that says it waits and never goes on
        waited = let_front_write_first(worker, max_wait_s=0.05)
    finally:
        os.close(fd)
    assert waited >= 0.05
    assert let_front_write_first(worker, max_wait_s=WAIT_S) < WAIT_S  # nobody waits now


def test_nothing_to_tell_for_a_database_in_memory() -> None:
    engine = make_engine("sqlite://")
    assert turn_path(engine.url.database) is None
    assert let_front_write_first(engine) == 0.0
    with engine.connect() as conn:
        begin_write(conn)  # the lock alone, no file
        conn.rollback()


async def test_a_write_from_the_loop_waits_its_turn_without_blocking_the_loop(
    engines: tuple[Path, Engine, Engine],
) -> None:
    # The front's unlock writes run on its event loop: while a batch holds the lock, the
    # loop goes on serving (here a ticking task) and the front says it waits.
    database, worker, front = engines
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def until(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"never happened: {what}")
            await asyncio.sleep(0.001)

    async def resident_claim() -> None:
        with front.connect() as conn:
            async with write_lock_from_loop(conn):
                begin_write(conn)  # held already: nothing to do
                conn.execute(text("INSERT INTO written (who) VALUES ('front')"))
                conn.commit()

    with worker.connect() as batch:
        batch.exec_driver_sql("BEGIN IMMEDIATE")  # a batch in progress holds the lock
        ticking = asyncio.create_task(ticker())
        claim = asyncio.create_task(resident_claim())
        try:
            await until(lambda: _front_is_waiting(database), "the front says it waits")
            before = ticks
            await until(lambda: ticks > before + 100, "the loop goes on meanwhile")
            assert not claim.done()
            batch.execute(text("INSERT INTO written (who) VALUES ('batch 1')"))
            batch.commit()
            await asyncio.wait_for(claim, WAIT_S)
        finally:
            ticking.cancel()
            claim.cancel()
    assert not _front_is_waiting(database)
    with worker.connect() as conn:
        order = conn.execute(text("SELECT who FROM written ORDER BY id")).scalars().all()
    assert order == ["batch 1", "front"]
