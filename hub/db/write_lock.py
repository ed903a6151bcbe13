"""SQLite's write lock, taken promptly by the front's short writes.

SQLite has one writer at a time. Ingest workers write in batches; the front writes a few
small rows a resident is waiting for (an idempotency claim, an audit row). SQLite's own
busy handler backs off 1, 2, 5, 10, 15, 20, 25 ms and more between tries, so a short
write arriving while the workers commit back to back could sleep past gap after gap:
measured, a claim waited up to 130 ms and an audit row 440 ms while two workers drained a
backlog. :func:`begin_write` takes the lock with ``BEGIN IMMEDIATE`` and tries again every
half millisecond instead. A caller on the event loop uses :func:`write_lock_from_loop`,
which tries the same way but sleeps on the loop between tries (and takes the write lock
at once when it is free, which is nearly always when the hub is quiet).

Polling alone still loses races: a worker that commits starts its next batch's
transaction within microseconds, so the gap a poll must hit is tiny, and with two workers
there is nearly always one at the door (claims of 24-43 ms under load). So the front
also says it is waiting: while it tries, it holds an exclusive ``flock`` on a file beside
the database (``<database>-turn``), and a worker calls :func:`let_front_write_first`
before each batch's transaction, which waits while that lock is held. The front then
gets the write lock when the transaction in progress commits, at the latest; it lets go
of the file as soon as it holds the write lock, so workers wait only for that. A worker
waits at most :data:`TURN_WAIT_S`, whatever happens on the other side.

PostgreSQL has row locks: nothing to do there.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

POLL_S = 0.0005
TIMEOUT_S = 30.0
BUSY_TIMEOUT_MS = 30_000  # what hub.db.engine sets on every SQLite connection
TURN_SUFFIX = "-turn"
TURN_POLL_S = 0.0002
TURN_WAIT_S = 0.1  # a worker's longest wait for the front (a bound, not a typical wait)
_HELD = "hub_write_lock_held"  # in Connection.info while write_lock_from_loop holds it


def turn_path(database: str | None) -> str | None:
    """The file whose lock says the front is waiting to write; None for a database in
    memory (one process: nobody to tell)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return database + TURN_SUFFIX


@contextlib.contextmanager
def _front_waiting(database: str | None) -> Iterator[None]:
    path = turn_path(database)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # workers hold it shared for microseconds only
        yield
    finally:
        os.close(fd)  # closing lets go of the lock


def begin_write(conn: Connection, timeout_s: float = TIMEOUT_S) -> None:
    """Start ``conn``'s transaction holding the write lock (SQLite); on other databases
    nothing, the first write takes what it needs."""
    if conn.dialect.name != "sqlite" or _held(conn):
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_s
        with _front_waiting(conn.engine.url.database):
            while not _try_begin(conn, last_try=time.monotonic() > deadline):
                time.sleep(POLL_S)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _held(conn: Connection) -> bool:
    """``conn`` is inside :func:`write_lock_from_loop`, in the transaction it began."""
    dbapi_connection: Any = conn.connection.dbapi_connection
    return bool(conn.info.get(_HELD)) and bool(dbapi_connection.in_transaction)


def _try_begin(conn: Connection, *, last_try: bool) -> bool:
    """``BEGIN IMMEDIATE``: True if ``conn`` now holds the write lock, False if another
    writer does (the ``OperationalError`` itself on the ``last_try``)."""
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if "locked" not in str(exc) or last_try:
            raise
        return False
    return True


class _Turn:
    """The front's claim on ``<database>-turn`` for a caller on the loop: taken when free
    (another of the front's writes may hold it already; the workers wait for it anyway),
    never waited for."""

    def __init__(self, database: str | None) -> None:
        path = turn_path(database)
        self._fd = None if path is None else os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._held = self._fd is None

    def try_take(self) -> None:
        if self._held or self._fd is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._held = True
        except BlockingIOError:
            pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing lets go of the lock


@contextlib.asynccontextmanager
async def write_lock_from_loop(
    conn: Connection, timeout_s: float = TIMEOUT_S
) -> AsyncIterator[None]:
    """Hold SQLite's write lock on ``conn`` for the body (which commits or rolls back),
    taken without blocking the event loop: ``BEGIN IMMEDIATE`` at once, and while another
    writer holds it, again every :data:`POLL_S` or so, sleeping on the loop, with the
    front's turn taken (workers wait before their next batch). :func:`begin_write` inside
    the body does nothing. On other databases nothing is taken."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        if not _try_begin(conn, last_try=False):
            turn = _Turn(conn.engine.url.database)
            try:
                deadline = time.monotonic() + timeout_s
                while True:
                    turn.try_take()
                    await asyncio.sleep(POLL_S)
                    if _try_begin(conn, last_try=time.monotonic() > deadline):
                        break
            finally:
                turn.close()
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.info[_HELD] = True
    try:
        yield
    finally:
        conn.info.pop(_HELD, None)


def let_front_write_first(engine: Engine, max_wait_s: float = TURN_WAIT_S) -> float:
    """Before an ingest batch's transaction: wait while the front waits to write (SQLite;
    at most ``max_wait_s``); the seconds waited. Must not be called inside a transaction
    that holds the write lock: the front would wait for it while it waits for the front."""
    if engine.dialect.name != "sqlite":
        return 0.0
    path = turn_path(engine.url.database)
    if path is None:
        return 0.0
    started = time.monotonic()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break  # nobody waiting (closing the file lets go of it)
            except BlockingIOError:
                if time.monotonic() - started >= max_wait_s:
                    break
                time.sleep(TURN_POLL_S)
    finally:
        os.close(fd)
    return time.monotonic() - started
