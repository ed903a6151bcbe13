"""Tables of the API: the audit trail and idempotency keys, as table models on the one
``SQLModel.metadata`` and their Core tables (``audit_entry``, ``api_idempotency``).

Migration 0005 creates exactly these (plus the append-only triggers on ``audit_entry``);
a test compares the migrated schema with them.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import SQLModel

from hub.db.tables import column, table_of
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

HASH_LENGTH = 64
DETAIL_LENGTH = 256
IDEMPOTENCY_KEY_LENGTH = 128
SUBJECT_LENGTH = 64
_PATTERN_OPS = {"device_path": "varchar_pattern_ops"}  # PostgreSQL: index serves LIKE 'p/%'


class AuditEntryRecord(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("hash", name="uq_audit_entry_hash"),
        Index("ix_audit_entry_device_path", "device_path", postgresql_ops=_PATTERN_OPS),
        Index("ix_audit_entry_resident", "resident_id"),
        Index("ix_audit_entry_ts", "ts_ms"),
    )

    # The chain position, assigned as last + 1 while appends are serialised: no gaps, so a
    # deleted row shows as a missing number as well as a broken link.
    seq: int = column(BigInteger, primary_key=True, autoincrement=False)
    ts_ms: int = column(BigInteger)
    actor: str = column(String(SUBJECT_LENGTH))
    role: str = column(String(16))
    resident_id: int | None = column(Integer, nullable=True)
    token_id: int | None = column(Integer, nullable=True)
    action: str = column(String(32))
    device_id: str | None = column(String(MAX_DEVICE_ID_LENGTH), nullable=True)
    device_path: str | None = column(String(255), nullable=True)
    parcel_id: str | None = column(String(64), nullable=True)
    command_id: str | None = column(String(32), nullable=True)
    result: str = column(String(32))
    http_status: int = column(Integer)
    latency_us: int | None = column(BigInteger, nullable=True)
    detail: str = column(String(DETAIL_LENGTH))
    prev_hash: str = column(String(HASH_LENGTH))
    hash: str = column(String(HASH_LENGTH))


audit_entry = table_of(AuditEntryRecord)


class ApiIdempotencyRecord(SQLModel, table=True):
    __tablename__ = "api_idempotency"
    __table_args__ = (
        PrimaryKeyConstraint("subject", "key", name="pk_api_idempotency"),
        Index("ix_api_idempotency_created", "created_ms"),
    )

    subject: str = column(String(SUBJECT_LENGTH))
    key: str = column(String(IDEMPOTENCY_KEY_LENGTH))
    fingerprint: str = column(String(HASH_LENGTH))
    state: str = column(String(16))
    status_code: int | None = column(Integer, nullable=True)
    body: str | None = column(Text, nullable=True)
    created_ms: int = column(BigInteger)
    completed_ms: int | None = column(BigInteger, nullable=True)


api_idempotency = table_of(ApiIdempotencyRecord)

API_TABLES: Final = frozenset({audit_entry.name, api_idempotency.name})
