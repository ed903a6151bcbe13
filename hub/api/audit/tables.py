"""Tables of the API (SQLAlchemy Core): the audit trail and idempotency keys.

Migration 0005 creates exactly these (plus the append-only triggers on ``audit_entry``);
a test compares the migrated schema with them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

HASH_LENGTH = 64
DETAIL_LENGTH = 256
IDEMPOTENCY_KEY_LENGTH = 128
SUBJECT_LENGTH = 64
_PATTERN_OPS = {"device_path": "varchar_pattern_ops"}  # PostgreSQL: index serves LIKE 'p/%'

metadata = MetaData()

audit_entry = Table(
    "audit_entry",
    metadata,
    # The chain position, assigned as last + 1 while appends are serialised: no gaps, so a
    # deleted row shows as a missing number as well as a broken link.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("actor", String(SUBJECT_LENGTH), nullable=False),
    Column("role", String(16), nullable=False),
    Column("resident_id", Integer, nullable=True),
    Column("token_id", Integer, nullable=True),
    Column("action", String(32), nullable=False),
    Column("device_id", String(MAX_DEVICE_ID_LENGTH), nullable=True),
    Column("device_path", String(255), nullable=True),
    Column("parcel_id", String(64), nullable=True),
    Column("command_id", String(32), nullable=True),
    Column("result", String(32), nullable=False),
    Column("http_status", Integer, nullable=False),
    Column("latency_us", BigInteger, nullable=True),
    Column("detail", String(DETAIL_LENGTH), nullable=False),
    Column("prev_hash", String(HASH_LENGTH), nullable=False),
    Column("hash", String(HASH_LENGTH), nullable=False),
    UniqueConstraint("hash", name="uq_audit_entry_hash"),
    Index("ix_audit_entry_device_path", "device_path", postgresql_ops=_PATTERN_OPS),
    Index("ix_audit_entry_resident", "resident_id"),
    Index("ix_audit_entry_ts", "ts_ms"),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("subject", String(SUBJECT_LENGTH), nullable=False),
    Column("key", String(IDEMPOTENCY_KEY_LENGTH), nullable=False),
    Column("fingerprint", String(HASH_LENGTH), nullable=False),
    Column("state", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("body", Text, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("completed_ms", BigInteger, nullable=True),
    PrimaryKeyConstraint("subject", "key", name="pk_api_idempotency"),
    Index("ix_api_idempotency_created", "created_ms"),
)

API_TABLES = frozenset(metadata.tables)
