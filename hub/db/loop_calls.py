"""The few database calls a person waits for, made with as few hand-offs as possible.

A resident's unlock reads its token, claims its idempotency key and checks the door, then
writes its audit row: three short calls to the database. How each is made matters more
than the statements themselves:

- **PostgreSQL**: handing a call to the thread pool and back costs two thread wake-ups,
  and on a machine that is otherwise idle each wake-up is slow (a halted core, cold
  caches). Measured on the bench's 2-core machine: the token lookup took 0.22 ms back to
  back but 0.80 ms with 50 ms between lookups, and in the bench's idle unlocks each call
  took about a millisecond plus 0.2-0.4 ms of hand-offs. So on PostgreSQL these calls run
  on the event loop, through an asyncio connection pool of their own (psycopg's async
  connection under SQLAlchemy's ``AsyncEngine``): the loop sends the statement and waits
  for the server's answer like any other socket. The synchronous call is run as it is,
  through ``AsyncConnection.run_sync``, so the statements are the ones the rest of the hub
  uses, autocommitted one by one (no BEGIN and COMMIT round trips). The claim and the
  check, which need nothing of each other, go at once on two sessions
  (:meth:`LoopCalls.write_and_read`).
- **SQLite**: the calls run inline on the loop, with no thread hand-off either. An indexed
  read takes about 20 us and a WAL reader never waits for a writer. A write first takes
  the write lock without blocking the loop (:func:`hub.db.write_lock.write_lock_from_loop`:
  at once when it is free, else tries again every half millisecond or so, sleeping on the
  loop), then runs: a claim or an audit row is a few hundred microseconds, and the front
  leaves checkpoints to the ingest workers (:mod:`hub.db.engine`).

Only for calls of a few indexed rows: anything that scans belongs in the thread pool
whatever the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.db.engine import connect_per_statement, is_sqlite
from hub.db.idle_ping import IDLE_PING_S, ping_when_idle
from hub.db.write_lock import write_lock_from_loop

T = TypeVar("T")
R = TypeVar("R")

# Enough for the unlocks in flight at once; more wait for a connection, as with any pool.
LOOP_POOL_SIZE = 5
LOOP_POOL_OVERFLOW = 10


def read_now(engine: Engine, read: Callable[[Connection], T]) -> T:
    # Autocommit: a single read needs no transaction, and on PostgreSQL that saves the
    # BEGIN and ROLLBACK round trips.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return read(conn)


class LoopCalls:
    """Short calls on ``engine``'s database, made from the event loop."""

    def __init__(self, engine: Engine, *, idle_ping_s: float = IDLE_PING_S) -> None:
        self._engine = engine
        self._async: AsyncEngine | None = None
        if not is_sqlite(engine):
            self._async = create_async_engine(
                engine.url,
                pool_size=LOOP_POOL_SIZE,
                max_overflow=LOOP_POOL_OVERFLOW,
                pool_use_lifo=True,
            )
            ping_when_idle(self._async.sync_engine, idle_ping_s)  # as the engine's own pool

    async def open(self, connections: int) -> None:
        """Open ``connections`` of the pool now (PostgreSQL), so that the first calls after
        a start do not each wait for a new server session (5-20 ms here)."""
        if self._async is None:
            return
        async with contextlib.AsyncExitStack() as held:  # held at once: distinct sessions
            for _ in range(connections):
                await held.enter_async_context(self._async.connect())

    async def read(self, read: Callable[[Connection], T]) -> T:
        """``read(conn)``: a read of a few indexed rows, autocommitted."""
        if self._async is None:
            return read_now(self._engine, read)
        return await self._on_loop(read)

    async def write(self, write: Callable[[Connection], T]) -> T:
        """``write(conn)``: on PostgreSQL each statement commits on its own; on SQLite
        ``conn`` holds the write lock (``begin_write`` inside does nothing) and ``write``
        commits."""
        if self._async is None:
            with connect_per_statement(self._engine) as conn:
                async with write_lock_from_loop(conn):
                    return write(conn)
        return await self._on_loop(write)

    async def write_and_read(
        self, write: Callable[[Connection], T], read: Callable[[Connection], R]
    ) -> tuple[T, R]:
        """:meth:`write` and a read that does not need its result (a claim and a check):
        on PostgreSQL at the same time on two sessions, two round trips in the time of
        one; on SQLite the read after the write on the same connection. Returns once both
        are done; raises what the write raised, else what the read raised."""
        if self._async is None:
            with connect_per_statement(self._engine) as conn:
                async with write_lock_from_loop(conn):
                    written = write(conn)
                return written, read(conn)
        wrote, got = await asyncio.gather(
            self._on_loop(write), self._on_loop(read), return_exceptions=True
        )
        if isinstance(wrote, BaseException):
            raise wrote
        if isinstance(got, BaseException):
            raise got
        return wrote, got

    async def _on_loop(self, call: Callable[[Connection], T]) -> T:
        assert self._async is not None
        async with self._async.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await autocommit.run_sync(call)

    async def dispose(self) -> None:
        """Close the pool's connections (on the loop that opened them)."""
        if self._async is not None:
            await self._async.dispose()
