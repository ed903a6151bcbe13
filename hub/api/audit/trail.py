"""Append to, read and verify the audit trail. Synchronous (callers run it in a thread),
but for :meth:`AuditTrail.append_from_loop`, the API's append at the end of an unlock.

Appends are serialised so the chain stays linear: in this process by a lock; across
processes on PostgreSQL by a transaction-level advisory lock (other replicas wait for the
holder's commit); and everywhere by the primary key on ``seq`` and the unique hash, so two
writers that read the same last row cannot both insert (the loser retries on the new last
row). On SQLite several processes are serialised by the database lock and the same retry.
There is no update or delete path here: the log is append-only for the application, and
migration 0005 adds triggers refusing both.

On PostgreSQL an append is usually one statement, one round trip: every resident's
unlock ends with one, and each round trip waits for a core the server shares with
ingest. The trail remembers the chain's end it last wrote, seals the new row after it,
and sends the advisory lock, the row and the write that must commit with it (the API's
stored answer, :class:`Companion`) together, as ``WITH lock, companion INSERT ... SELECT
... FROM lock``: the insert waits for the lock. If another writer appended meanwhile, the
primary key refuses the row and nothing of the statement is kept; the trail then appends
as it does the first time and on SQLite: in a transaction that takes the lock, reads the
end and inserts after it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import BigInteger, Connection, Engine, Insert, Update, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool

from hub.api.audit.chain import (
    GENESIS,
    AuditDraft,
    AuditRecord,
    ChainReport,
    check_chain,
    seal,
)
from hub.api.audit.tables import audit_entry
from hub.db.engine import connect_per_statement, is_sqlite
from hub.db.loop_calls import LoopCalls
from hub.db.write_lock import begin_write
from hub.registry.queries import scope_filter

ADVISORY_LOCK_KEY: Final = 0x4855_4241_5544_4954 & 0x7FFF_FFFF_FFFF_FFFF  # "HUBAUDIT"
MAX_ATTEMPTS: Final = 8
VERIFY_CHUNK: Final = 5_000


@dataclass(frozen=True, slots=True)
class Companion:
    """A write committed with the audit row or not at all: ``statement`` (an UPDATE whose
    bound parameters do not share the audit columns' names) with ``params``."""

    statement: Update
    params: Mapping[str, Any]


# Built once, so SQLAlchemy reuses their compiled form: every unlock appends a row.
_CHAIN_END = (
    select(audit_entry.c.seq, audit_entry.c.hash).order_by(audit_entry.c.seq.desc()).limit(1)
)
_APPEND = audit_entry.insert()
_CHAIN_LOCK = select(
    func.pg_advisory_xact_lock(bindparam("chain_lock_key", ADVISORY_LOCK_KEY, BigInteger))
).cte("chain_lock")
_LOCKED_APPEND = _APPEND.from_select(
    [c.name for c in audit_entry.c],
    select(*(bindparam(c.name, type_=c.type) for c in audit_entry.c)).select_from(_CHAIN_LOCK),
)


def _locked_append(companion: Companion | None) -> Insert:
    if companion is None:
        return _LOCKED_APPEND
    return _LOCKED_APPEND.add_cte(companion.statement.cte("companion"))


class AuditTrail:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._loop_lock = asyncio.Lock()  # appends from the event loop, one at a time
        self._one_statement = not is_sqlite(engine)
        self._end: tuple[int, str] | None = None  # (seq, hash) last written or read here

    def append(self, draft: AuditDraft, companion: Companion | None = None) -> AuditRecord:
        """Add ``draft`` at the end of the chain, and ``companion`` in the same transaction
        (the API stores an idempotent answer with its audit row)."""
        with self._lock:
            if self._one_statement and self._end is not None:
                try:
                    return self._append_in_one_statement(draft, companion, self._end)
                except IntegrityError:
                    self._end = None  # another writer appended: take the lock and look
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    record = self._append_once(draft, companion)
                except (IntegrityError, OperationalError):
                    # Another process appended first (or held SQLite's lock): try again.
                    if attempt == MAX_ATTEMPTS:
                        raise
                else:
                    self._end = (record.seq, record.hash)
                    return record
        raise AssertionError("unreachable")

    def find_end(self) -> None:
        """Read where the chain ends now (PostgreSQL), so that the next append is the
        single statement instead of the first append's transaction. If another writer
        appends meanwhile, that append finds out and looks again, as any other does."""
        if not self._one_statement:
            return
        with self._engine.connect() as conn:
            last = conn.execute(_CHAIN_END).first()
        with self._lock:
            self._end = (0, GENESIS) if last is None else (last.seq, last.hash)

    async def append_from_loop(
        self, calls: LoopCalls, draft: AuditDraft, companion: Companion | None = None
    ) -> AuditRecord:
        """:meth:`append`, made from the event loop (:mod:`hub.db.loop_calls`). On SQLite
        in one transaction holding the write lock; on PostgreSQL the usual single
        statement, while the first append of this trail and the retry after another
        writer's run in a thread, as :meth:`append`."""
        if not self._one_statement:
            return await calls.write(lambda conn: self._append_on(conn, draft, companion))
        async with self._loop_lock:
            end = self._end
            if end is not None:
                try:
                    return await calls.write(
                        lambda conn: self._one_statement_on(conn, draft, companion, end)
                    )
                except IntegrityError:
                    self._end = None  # another writer appended: take the lock and look
        return await run_in_threadpool(self.append, draft, companion)

    def _append_once(self, draft: AuditDraft, companion: Companion | None) -> AuditRecord:
        with self._engine.connect() as conn:
            return self._append_on(conn, draft, companion)

    def _append_on(
        self, conn: Connection, draft: AuditDraft, companion: Companion | None
    ) -> AuditRecord:
        record = self.append_within(conn, draft)
        if companion is not None:
            conn.execute(companion.statement, companion.params)
        conn.commit()
        return record

    def _append_in_one_statement(
        self, draft: AuditDraft, companion: Companion | None, end: tuple[int, str]
    ) -> AuditRecord:
        with connect_per_statement(self._engine) as conn:  # autocommit: one round trip
            return self._one_statement_on(conn, draft, companion, end)

    def _one_statement_on(
        self,
        conn: Connection,
        draft: AuditDraft,
        companion: Companion | None,
        end: tuple[int, str],
    ) -> AuditRecord:
        seq, prev_hash = end
        record = seal(draft, seq + 1, prev_hash)
        params = asdict(record)
        if companion is not None:
            params.update(companion.params)
        conn.execute(_locked_append(companion), params)
        self._end = (record.seq, record.hash)
        return record

    @staticmethod
    def append_within(conn: Connection, draft: AuditDraft) -> AuditRecord:
        """Add ``draft`` in ``conn``'s transaction, which the caller commits (a registry
        write and its audit row go in together). On SQLite the transaction must not hold
        a snapshot yet, or hold the write lock already (a registry write does)."""
        if conn.dialect.name == "sqlite":
            # Take the write lock before reading the chain's end, so two writers never
            # read the same last row (promptly: see hub.db.write_lock).
            if not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                begin_write(conn)
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        last = conn.execute(_CHAIN_END).first()
        seq, prev_hash = (1, GENESIS) if last is None else (last.seq + 1, last.hash)
        record = seal(draft, seq, prev_hash)
        conn.execute(_APPEND, asdict(record))
        return record

    def entries(
        self,
        *,
        scope_path: str | None = None,
        resident_id: int | None = None,
        device_id: str | None = None,
        action: str | None = None,
        result: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """Entries newest first; page on with ``before_seq`` = the last seq returned."""
        query = select(audit_entry)
        if scope_path is not None:
            query = query.where(scope_filter(scope_path, audit_entry.c.device_path))
        if resident_id is not None:
            query = query.where(audit_entry.c.resident_id == resident_id)
        if device_id is not None:
            query = query.where(audit_entry.c.device_id == device_id)
        if action is not None:
            query = query.where(audit_entry.c.action == action)
        if result is not None:
            query = query.where(audit_entry.c.result == result)
        if since_ms is not None:
            query = query.where(audit_entry.c.ts_ms >= since_ms)
        if until_ms is not None:
            query = query.where(audit_entry.c.ts_ms < until_ms)
        if before_seq is not None:
            query = query.where(audit_entry.c.seq < before_seq)
        query = query.order_by(audit_entry.c.seq.desc()).limit(max(1, limit))
        with self._engine.connect() as conn:
            return [AuditRecord.from_row(dict(row._mapping)) for row in conn.execute(query)]

    def verify(self) -> ChainReport:
        """Check every row, oldest first."""
        return check_chain(self._rows())

    def _rows(self) -> Iterator[dict[str, object]]:
        after = 0
        with self._engine.connect() as conn:
            while True:
                chunk = conn.execute(
                    select(audit_entry)
                    .where(audit_entry.c.seq > after)
                    .order_by(audit_entry.c.seq)
                    .limit(VERIFY_CHUNK)
                ).all()
                if not chunk:
                    return
                for row in chunk:
                    yield dict(row._mapping)
                after = chunk[-1].seq
