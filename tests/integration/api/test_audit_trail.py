"""The audit trail on SQLite and PostgreSQL: append-only, a linear chain under concurrent
appends, and ``hub audit verify`` against edited and deleted rows."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, delete, event, select, text, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from hub.api.audit.chain import AuditDraft
from hub.api.audit.tables import api_idempotency, audit_entry
from hub.api.audit.trail import AuditTrail, Companion
from hub.api.idempotency import Claimed, IdempotencyKeys, StoredAnswer, fingerprint
from hub.cli import main
from hub.db.engine import make_engine
from hub.db.loop_calls import LoopCalls
from hub.db.migrate import upgrade
from tests.conftest import TEST_SECRET_KEY
from tests.support.databases import migrated_database


@pytest.fixture(scope="module")
def pg_audit_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated PostgreSQL database for the module (creating one per test costs
    seconds); each test empties the API tables afterwards."""
    with migrated_database("postgres", tmp_path_factory.mktemp("audit")) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_audit_url")
        return url
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(audit_url: str) -> Iterator[Engine]:
    engine = make_engine(audit_url)
    yield engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # TRUNCATE fires no row triggers; re-arm the guard
            conn.execute(text("TRUNCATE audit_entry, api_idempotency"))
            conn.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only"))
    engine.dispose()


def draft(n: int) -> AuditDraft:
    return AuditDraft(
        ts_ms=1_700_000_000_000 + n,
        actor=f"resident:{n}",
        role="resident",
        action="unlock",
        result="confirmed" if n % 3 else "forbidden",
        http_status=200 if n % 3 else 403,
        resident_id=n,
        device_id="door-0001",
        device_path="testcity/testcity-north/testcity-north-st/c0001/c0001-b01",
        latency_us=1000 + n,
    )


def verify(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str]:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET_KEY)
    code = main(["audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def without_guard(engine: Engine) -> None:
    """What someone with DDL rights would do first: disable the append-only triggers."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))


def test_the_database_refuses_updates_and_deletes(engine: Engine) -> None:
    AuditTrail(engine).append(draft(1))
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(update(audit_entry).values(result="forbidden"))
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(delete(audit_entry))
    assert AuditTrail(engine).verify().rows == 1


def test_concurrent_appends_keep_one_linear_chain(engine: Engine) -> None:
    # Two trails on one database stand for two replicas: their in-process locks do not
    # see each other, so only the database keeps the chain linear.
    trails = [AuditTrail(engine), AuditTrail(engine)]
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(15):
                trails[worker % 2].append(draft(worker * 100 + i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = trails[0].verify()
    assert report.ok and report.rows == 90
    with engine.connect() as conn:
        seqs = list(conn.scalars(select(audit_entry.c.seq).order_by(audit_entry.c.seq)))
    assert seqs == list(range(1, 91))


def test_a_trail_behind_the_chain_end_appends_after_the_rows_it_did_not_write(
    engine: Engine,
) -> None:
    # On PostgreSQL a trail seals its row after the end it last wrote; another replica
    # (a second trail) or a registry write (append_within) moved the end meanwhile.
    front, other = AuditTrail(engine), AuditTrail(engine)
    front.append(draft(1))
    other.append(draft(2))
    with engine.connect() as conn:
        AuditTrail.append_within(conn, draft(3))
        conn.commit()
    assert front.append(draft(4)).seq == 4
    assert front.verify().ok and front.verify().rows == 4


def test_an_answer_is_stored_with_its_audit_row(engine: Engine) -> None:
    keys, trail = IdempotencyKeys(engine), AuditTrail(engine)
    request = fingerprint("POST /api/v1/doors/door-0001/unlock")
    assert isinstance(keys.claim("resident:1", "k1", request, 1), Claimed)
    answer = keys.completion("resident:1", "k1", 200, {"result": "confirmed"}, 2)
    trail.append(draft(1), answer)
    assert keys.claim("resident:1", "k1", request, 3) == StoredAnswer(200, {"result": "confirmed"})
    assert trail.verify().rows == 1


def test_no_audit_row_without_its_companion_write(engine: Engine) -> None:
    # The companion cannot be written (a NOT NULL column set to NULL): neither is the row.
    keys, trail = IdempotencyKeys(engine), AuditTrail(engine)
    keys.claim("resident:1", "k1", fingerprint("POST /x"), 1)
    failing = Companion(
        update(api_idempotency)
        .where(api_idempotency.c.key == bindparam("b_key"))
        .values(fingerprint=None),
        {"b_key": "k1"},
    )
    with pytest.raises(IntegrityError):
        trail.append(draft(1), failing)
    assert trail.verify().rows == 0
    assert trail.append(draft(2)).seq == 1


def test_entries_are_scoped_and_paged(engine: Engine) -> None:
    trail = AuditTrail(engine)
    for n in range(1, 6):
        trail.append(draft(n))
    trail.append(
        AuditDraft(
            ts_ms=1, actor="x", role="resident", action="unlock", result="forbidden",
            http_status=403, device_path="testcity/testcity-south/s/c0002/c0002-b01",
        )
    )  # fmt: skip
    north = trail.entries(scope_path="testcity/testcity-north", limit=3)
    assert [e.seq for e in north] == [5, 4, 3]
    assert [e.seq for e in trail.entries(scope_path="testcity/testcity-north", before_seq=3)] == [
        2,
        1,
    ]
    assert [e.seq for e in trail.entries(scope_path="testcity/testcity-south")] == [6]
    assert [e.seq for e in trail.entries(scope_path="testcity", result="forbidden")] == [6, 3]


def test_verify_passes_a_clean_log(
    audit_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    trail = AuditTrail(engine)
    for n in range(1, 8):
        trail.append(draft(n))
    code, output = verify(audit_url, monkeypatch, capsys)
    assert code == 0
    assert "7 rows verified" in output
    assert trail.verify().head_hash in output


def test_verify_fails_on_a_changed_row(
    audit_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    trail = AuditTrail(engine)
    for n in range(1, 8):
        trail.append(draft(n))
    without_guard(engine)
    with engine.begin() as conn:
        conn.execute(update(audit_entry).where(audit_entry.c.seq == 3).values(result="confirmed"))
    code, output = verify(audit_url, monkeypatch, capsys)
    assert code == 1
    assert "broken at row 3" in output and "2 rows before it verified" in output


def test_verify_fails_on_a_deleted_row(
    audit_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    trail = AuditTrail(engine)
    for n in range(1, 8):
        trail.append(draft(n))
    without_guard(engine)
    with engine.begin() as conn:
        conn.execute(delete(audit_entry).where(audit_entry.c.seq == 5))
    code, output = verify(audit_url, monkeypatch, capsys)
    assert code == 1
    assert "broken at row 6" in output and "5..5 missing" in output


async def test_appends_from_the_loop_keep_one_linear_chain_beside_another_writer(
    engine: Engine,
) -> None:
    # The API appends from the event loop (on PostgreSQL on the loop itself); another
    # replica, here a second trail appending in a thread, moves the chain's end between.
    calls = LoopCalls(engine)
    front, other = AuditTrail(engine), AuditTrail(engine)
    try:
        first = await asyncio.gather(*(front.append_from_loop(calls, draft(i)) for i in range(5)))
        other.append(draft(10))
        later = await asyncio.gather(
            *(front.append_from_loop(calls, draft(i)) for i in range(20, 25))
        )
    finally:
        await calls.dispose()
    assert sorted(r.seq for r in first) == [1, 2, 3, 4, 5]
    assert sorted(r.seq for r in later) == [7, 8, 9, 10, 11]
    report = front.verify()
    assert report.ok and report.rows == 11


def test_a_trail_that_found_the_chain_end_appends_in_one_statement(engine: Engine) -> None:
    # What the front does before it listens: its first unlock's audit row is then the one
    # statement of every other (PostgreSQL), after the rows others wrote.
    AuditTrail(engine).append(draft(1))
    AuditTrail(engine).append(draft(2))
    trail = AuditTrail(engine)
    trail.find_end()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert trail.append(draft(3)).seq == 3
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if engine.dialect.name == "postgresql":
        assert len(statements) == 1
    assert trail.verify().ok and trail.verify().rows == 3


def test_a_found_end_that_another_writer_moved_on_is_looked_up_again(engine: Engine) -> None:
    trail = AuditTrail(engine)
    trail.find_end()  # an empty chain
    AuditTrail(engine).append(draft(1))  # another replica appends first
    assert trail.append(draft(2)).seq == 2
    assert trail.verify().ok
