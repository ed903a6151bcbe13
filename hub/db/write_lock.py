"""SQLite's write lock, taken promptly by the front's short writes.

SQLite has one writer at a time. Ingest workers write in batches; the front writes a few
small rows a resident is waiting for (an idempotency claim, an audit row). SQLite's own
busy handler backs off 1, 2, 5, 10, 15, 20, 25 ms and more between tries, so a short
write arriving while the workers commit back to back could sleep past gap after gap:
measured, a claim waited up to 130 ms and an audit row 440 ms while two workers drained a
backlog. :func:`begin_write` takes the lock with ``BEGIN IMMEDIATE`` and tries again every
half millisecond instead.

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

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

POLL_S = 0.0005
TIMEOUT_S = 30.0
BUSY_TIMEOUT_MS = 30_000  # what hub.db.engine sets on every SQLite connection
TURN_SUFFIX = "-turn"
TURN_POLL_S = 0.0002
TURN_WAIT_S = 0.1  # a worker's longest wait for the front (a bound, not a typical wait)


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
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_s
        with _front_waiting(conn.engine.url.database):
            while True:
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                time.sleep(POLL_S)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


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
