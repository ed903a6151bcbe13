"""The registry's change feed: every write records what changed, in its own transaction.

Whatever writes devices, residents or credentials (the API, ``hub devices import``,
``hub seed``) does it in a *registry write*:

    with Session(engine) as session:
        begin_registry_write(session)          # first, before reading what to change
        ...add, change or disable rows...
        record_changes(session.connection(), [ChangeDraft("device", device.id, "updated")],
                       actor="operator-token:3")
        session.commit()

A change row's id is the registry's *revision*. Running hubs read the changes after the
revision they last applied (:func:`changes_since`) and bring their in-memory views up to
date (:mod:`hub.registry_sync`). For that, ids must appear in commit order: a reader that
saw revision 11 must never later find a committed 10. :func:`begin_registry_write`
serialises registry writes so they do: on PostgreSQL with a transaction-level advisory
lock (released at commit, after the change rows are in), on SQLite by taking the write
lock at once (``BEGIN IMMEDIATE``), which SQLite holds until commit anyway.

Entities: ``device`` (its row, compartments or slots; id = device id), ``resident``
(id = resident id), ``credential`` (id = credential id), ``registry`` (the whole registry
was replaced, as by ``hub seed``: readers reload everything).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from sqlalchemy import Connection, Engine, delete, func, insert, select, text
from sqlmodel import Session

from hub.db.tables import table_of
from hub.db.write_lock import begin_write
from hub.registry.models import RegistryChange

ChangeEntity = Literal["device", "resident", "credential", "registry"]
ChangeAction = Literal[
    "created", "updated", "enabled", "disabled", "revoked", "deleted", "reloaded"
]

ADVISORY_LOCK_KEY: Final = 0x4855_4252_4547_4953 & 0x7FFF_FFFF_FFFF_FFFF  # "HUBREGIS"
TABLE = table_of(RegistryChange)


@dataclass(frozen=True, slots=True)
class ChangeDraft:
    """A change about to be recorded."""

    entity: ChangeEntity
    entity_id: str
    action: ChangeAction
    building_id: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """A recorded change; ``revision`` orders them."""

    revision: int
    entity: str
    entity_id: str
    action: str
    building_id: int | None
    actor: str
    ts_ms: int


def lock_registry_writes(conn: Connection) -> None:
    """Serialise registry writes until ``conn``'s transaction ends (see the module doc).
    Call before the transaction reads or writes anything."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        begin_write(conn)  # the write lock at once (promptly: see hub.db.write_lock)


def begin_registry_write(session: Session) -> None:
    """Start ``session``'s transaction as a registry write."""
    lock_registry_writes(session.connection())


def record_changes(
    conn: Connection, drafts: Iterable[ChangeDraft], *, actor: str, ts_ms: int
) -> None:
    """Add change rows in ``conn``'s transaction (nothing for no drafts)."""
    rows = [
        {
            "entity": d.entity,
            "entity_id": d.entity_id,
            "action": d.action,
            "building_id": d.building_id,
            "actor": actor[:64],
            "ts_ms": ts_ms,
        }
        for d in drafts
    ]
    if rows:
        conn.execute(insert(TABLE), rows)


def latest_revision(bind: Engine | Connection) -> int:
    """The newest revision, 0 for a registry that never changed."""
    query = select(func.coalesce(func.max(TABLE.c.id), 0))
    if isinstance(bind, Connection):
        return int(bind.execute(query).scalar_one())
    with bind.connect() as conn:
        return int(conn.execute(query).scalar_one())


def changes_since(engine: Engine, revision: int, limit: int = 1000) -> list[Change]:
    """Changes after ``revision``, oldest first, at most ``limit``."""
    query = select(TABLE).where(TABLE.c.id > revision).order_by(TABLE.c.id).limit(limit)
    with engine.connect() as conn:
        return [
            Change(
                row.id,
                row.entity,
                row.entity_id,
                row.action,
                row.building_id,
                row.actor,
                row.ts_ms,
            )
            for row in conn.execute(query)
        ]


def prune_changes(engine: Engine, older_than_ms: int) -> int:
    """Delete changes recorded before ``older_than_ms``, always keeping the newest (a
    running hub that applied it still finds its revision). Returns how many."""
    with engine.begin() as conn:
        newest = latest_revision(conn)
        result = conn.execute(
            delete(TABLE).where(TABLE.c.ts_ms < older_than_ms, TABLE.c.id < newest)
        )
        return int(result.rowcount)


def summary(changes: Sequence[Change]) -> str:
    """A short description for logs: ``3 changes (2 device, 1 credential)``."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.entity] = counts.get(change.entity, 0) + 1
    parts = ", ".join(f"{n} {entity}" for entity, n in sorted(counts.items()))
    noun = "change" if len(changes) == 1 else "changes"
    return f"{len(changes)} {noun} ({parts})"
