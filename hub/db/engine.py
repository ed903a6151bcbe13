"""Engine factory: one place that knows SQLite and PostgreSQL differ.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so readers (the API)
never block the ingest writer. PostgreSQL URLs are normalised to the psycopg 3 driver,
and its pooled connections are pinged before use only after a second idle
(:mod:`hub.db.idle_ping`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from hub.db.idle_ping import IDLE_PING_S, ping_when_idle


def normalise_url(url: str) -> str:
    """Map ``postgres://`` and ``postgresql://`` to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def connect_per_statement(engine: Engine) -> Connection:
    """A connection whose statements commit one by one on PostgreSQL (autocommit: no BEGIN
    and COMMIT round trips around a claim and a read, each its own statement); an ordinary
    one on SQLite, whose write lock :mod:`hub.db.write_lock` takes by hand."""
    conn = engine.connect()
    if is_sqlite(engine):
        return conn
    return conn.execution_options(isolation_level="AUTOCOMMIT")


# SQLite checkpoints the write-ahead log into the database file at the first commit that
# finds the log over this many pages (4 KiB each). Rarer checkpoints: measured 27,000 >
# 44,700 rows/s for bulk telemetry inserts (each costs an fsync).
CHECKPOINT_PAGES = 10_000
# The front's own commits (a resident's idempotency claim, an audit row) leave that work
# to the ingest workers, which commit far more often: a checkpoint of a 40 MB log took
# tens of milliseconds, and the unlock whose commit happened to cross the line waited
# for it (claims of 50-75 ms while two workers drained a backlog). Past this many pages
# (a log that nobody else checkpoints: no ingest traffic for a long time) the front does.
FRONT_CHECKPOINT_PAGES = 100_000


def make_engine(url: str, *, checkpoint_pages: int = CHECKPOINT_PAGES, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the per-dialect settings the hub relies on;
    ``checkpoint_pages`` is SQLite's ``wal_autocheckpoint`` (ignored elsewhere)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # A larger page cache. 16 MB, not 64: every connection of every hub process
            # may fill its cache, and with ingest workers there are several processes (no
            # difference measured on the bench's burst; the operating system caches the
            # file besides).
            cursor.execute("PRAGMA cache_size=-16384")
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_use_lifo", True)
    idle_ping_s = kwargs.pop("idle_ping_s", IDLE_PING_S)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine, idle_ping_s)
    return engine
