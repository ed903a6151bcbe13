"""Short indexed reads that the API may run on the event loop.

Handing a read to the thread pool costs more than the read itself when the database is a
local SQLite file: about 0.5 ms for the hop (more while ingest workers hold the GIL of
their own processes' cores) against about 20 us for an indexed lookup. In WAL mode a
SQLite reader does not wait for writers, so on SQLite :func:`quick_read` runs the read
inline. On PostgreSQL a read is a network round trip, so it goes to the thread pool as any
other database call, on an autocommit connection.

Only for reads of a few indexed rows (a token, a door's path): anything that scans or
writes belongs in the thread pool whatever the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from hub.db.engine import is_sqlite

T = TypeVar("T")


def read_now(engine: Engine, read: Callable[[Connection], T]) -> T:
    # Autocommit: a single read needs no transaction, and on PostgreSQL that saves the
    # BEGIN and ROLLBACK round trips (a checkout-and-read went from about 380 to 240 us).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return read(conn)


async def quick_read(engine: Engine, read: Callable[[Connection], T]) -> T:
    """``read(conn)`` on a connection of ``engine``: inline on SQLite, in a thread else."""
    if is_sqlite(engine):
        return read_now(engine, read)
    return await run_in_threadpool(read_now, engine, read)
