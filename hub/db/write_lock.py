"""SQLite's write lock, taken promptly by the front's short writes.

SQLite has one writer at a time. Ingest workers write in batches; the front writes a few
small rows a resident is waiting for (an idempotency claim, an audit row). SQLite's own
busy handler backs off 1, 2, 5, 10, 15, 20, 25 ms and more between tries, so a short
write arriving while the workers commit back to back could sleep past gap after gap:
measured, a claim waited up to 130 ms and an audit row 440 ms while two workers drained a
backlog. :func:`begin_write` takes the lock with ``BEGIN IMMEDIATE`` and tries again every
half millisecond instead, so it takes the first free moment between two ingest
transactions (the workers keep the default handler, so the front wins the race).
PostgreSQL has row locks: nothing to do there.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

POLL_S = 0.0005
TIMEOUT_S = 30.0
BUSY_TIMEOUT_MS = 30_000  # what hub.db.engine sets on every SQLite connection


def begin_write(conn: Connection, timeout_s: float = TIMEOUT_S) -> None:
    """Start ``conn``'s transaction holding the write lock (SQLite); on other databases
    nothing, the first write takes what it needs."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_s
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
