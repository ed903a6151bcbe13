"""The calls a person waits for (a token, a claim, an audit row) are made from the event
loop itself, with no thread hand-off: on PostgreSQL over an asyncio connection, each
statement committed on its own; on SQLite inline, a write holding the write lock. On
both, the statements are the hub's ordinary synchronous ones."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from hub.db.engine import make_engine
from hub.db.loop_calls import LoopCalls
from hub.db.write_lock import begin_write

WAIT_S = 10.0  # a bound for the test's own waits, never reached when all is well


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE visit (n INTEGER PRIMARY KEY, thread BIGINT)"))
    yield engine
    engine.dispose()


@pytest.fixture
async def calls(engine: Engine) -> AsyncIterator[LoopCalls]:
    made = LoopCalls(engine)
    yield made
    await made.dispose()


@contextlib.asynccontextmanager
async def _calls_on(url: str, idle_ping_s: float = 1.0) -> AsyncIterator[tuple[Engine, LoopCalls]]:
    """An engine of its own and its loop calls, both closed afterwards."""
    engine = make_engine(url)
    calls = LoopCalls(engine, idle_ping_s=idle_ping_s)
    try:
        yield engine, calls
    finally:
        await calls.dispose()
        engine.dispose()


def _record_visit(n: int) -> Callable[[Connection], int]:
    def write(conn: Connection) -> int:
        begin_write(conn)  # held already: nothing to do
        conn.execute(
            text("INSERT INTO visit (n, thread) VALUES (:n, :thread)"),
            {"n": n, "thread": threading.get_ident()},
        )
        conn.commit()  # a no-op where each statement commits on its own
        return threading.get_ident()

    return write


def _visits(conn: Connection) -> list[int]:
    return [int(n) for n in conn.execute(text("SELECT n FROM visit ORDER BY n")).scalars()]


async def test_calls_run_on_the_loops_own_thread_and_writes_are_committed(
    engine: Engine, calls: LoopCalls
) -> None:
    loop_thread = threading.get_ident()
    writer = await calls.write(_record_visit(1))
    reader = await calls.read(lambda conn: threading.get_ident())
    assert writer == reader == loop_thread
    with engine.connect() as other:  # committed: another connection sees it
        assert _visits(other) == [1]


async def test_a_failed_write_leaves_nothing_and_the_next_call_goes_on(
    engine: Engine, calls: LoopCalls
) -> None:
    await calls.write(_record_visit(1))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await calls.write(_record_visit(1))
    await calls.write(_record_visit(2))
    assert await calls.read(_visits) == [1, 2]


async def test_an_idle_loop_connection_whose_session_died_is_replaced_before_use(
    postgres_url: str,
) -> None:
    async with _calls_on(postgres_url, idle_ping_s=0.0) as (engine, calls):
        pid_of = "SELECT pg_backend_pid()"
        dead = await calls.read(lambda conn: int(conn.execute(text(pid_of)).scalar_one()))
        with engine.connect() as admin:
            ended = admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead})
            assert ended.scalar()
        alive = await calls.read(lambda conn: int(conn.execute(text(pid_of)).scalar_one()))
        assert alive != dead


async def test_opened_sessions_are_there_before_the_first_call(postgres_url: str) -> None:
    sessions = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    async with _calls_on(postgres_url) as (engine, calls):
        # Autocommit: within a transaction pg_stat_activity would not change.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as observer:
            assert observer.execute(sessions).scalar_one() == 0
            await calls.open(2)
            assert observer.execute(sessions).scalar_one() == 2
            # The calls that follow take a session already open; none is added.
            await asyncio.gather(
                *(calls.read(lambda conn: conn.execute(text("SELECT 1"))) for _ in range(2))
            )
            assert observer.execute(sessions).scalar_one() == 2


async def test_opening_sessions_on_sqlite_does_nothing(sqlite_url: str) -> None:
    async with _calls_on(sqlite_url) as (_engine, calls):
        await calls.open(2)
        assert await calls.read(lambda conn: conn.execute(text("SELECT 1")).scalar_one()) == 1


async def test_a_write_and_a_read_go_to_postgresql_at_once(postgres_url: str) -> None:
    # The write waits for a lock that the test holds; the read runs meanwhile, on another
    # session. One after the other, the read would wait for the write.
    read_ran = asyncio.Event()

    def blocked_write(conn: Connection) -> int:
        conn.execute(text("SELECT pg_advisory_lock(7)"))
        conn.execute(text("SELECT pg_advisory_unlock(7)"))
        return _record_visit(1)(conn)

    def read(conn: Connection) -> int:
        read_ran.set()
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())

    async with _calls_on(postgres_url) as (engine, calls):
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE visit (n INTEGER PRIMARY KEY, thread BIGINT)"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
            holder.execute(text("SELECT pg_advisory_lock(7)"))
            both = asyncio.create_task(calls.write_and_read(blocked_write, read))
            await asyncio.wait_for(read_ran.wait(), WAIT_S)
            assert not both.done()
            holder.execute(text("SELECT pg_advisory_unlock(7)"))
            wrote, reader_pid = await asyncio.wait_for(both, WAIT_S)
        assert wrote == threading.get_ident()
        assert reader_pid > 0
        assert await calls.read(_visits) == [1]


async def test_a_write_and_a_read_raise_what_failed_once_both_are_done(
    engine: Engine, calls: LoopCalls
) -> None:
    def failing_read(conn: Connection) -> int:
        raise LookupError("the check failed")

    with pytest.raises(LookupError):
        await calls.write_and_read(_record_visit(1), failing_read)
    assert await calls.read(_visits) == [1]  # the write was done, and committed
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await calls.write_and_read(_record_visit(1), _visits)
    wrote, visits = await calls.write_and_read(_record_visit(2), _visits)
    assert wrote == threading.get_ident()
    assert visits in ([1], [1, 2])  # on PostgreSQL the read may come first
