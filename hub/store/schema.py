"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Migrations 0002 and 0007 (telemetry as one row per message) create exactly these; a test
compares the migrated schema with them.
``device_id`` is a plain string here, with no foreign key to the registry, so telemetry
from a device removed later stays readable and the store never waits on registry locks.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

DEVICE_ID_LENGTH = MAX_DEVICE_ID_LENGTH
METRIC_LENGTH = 128
EVENT_TYPE_LENGTH = 64
REASON_LENGTH = 64
INSTANCE_ID_LENGTH = 64

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

telemetry = Table(
    "telemetry",
    metadata,
    Column("device_id", String(DEVICE_ID_LENGTH), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    # One row per message: {"metric": value, ...}, finite numbers only.
    Column("metrics", JSON, nullable=False),
    # The message key is the primary key: a redelivered message adds no row.
    PrimaryKeyConstraint("device_id", "seq", name="pk_telemetry"),
    Index("ix_telemetry_device_ts", "device_id", "ts_ms"),
    Index("ix_telemetry_ts", "ts_ms"),
)

telemetry_metric = Table(
    "telemetry_metric",
    metadata,
    # The metric names each device has reported: the index of telemetry's JSON keys.
    Column("device_id", String(DEVICE_ID_LENGTH), nullable=False),
    Column("metric", String(METRIC_LENGTH), nullable=False),
    Column("first_ts_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("device_id", "metric", name="pk_telemetry_metric"),
)

event = Table(
    "event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID_LENGTH), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("type", String(EVENT_TYPE_LENGTH), nullable=False),
    Column("data", JSON, nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    UniqueConstraint("device_id", "seq", "type", name="uq_event_device_seq_type"),
    Index("ix_event_device_ts", "device_id", "ts_ms"),
    Index("ix_event_type_ts", "type", "ts_ms"),
)

presence_change = Table(
    "presence_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(DEVICE_ID_LENGTH), nullable=False),
    Column("online", Boolean, nullable=False),
    Column("reason", String(REASON_LENGTH), nullable=False),
    Column("ts_ms", BigInteger, nullable=False),
    Column("recorded_by", String(INSTANCE_ID_LENGTH), nullable=False),
    # Two replicas recording the same transition store it once.
    UniqueConstraint("device_id", "ts_ms", "online", name="uq_presence_change_device_ts_online"),
    Index("ix_presence_change_device_ts", "device_id", "ts_ms"),
)

dead_letter = Table(
    "dead_letter",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("received_ms", BigInteger, nullable=False),
    Column("topic", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("device_id", Text, nullable=True),
    Column("reason", String(REASON_LENGTH), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_dead_letter_received", "received_ms"),
    Index("ix_dead_letter_reason_received", "reason", "received_ms"),
)

twin = Table(
    "twin",
    metadata,
    Column("device_id", String(DEVICE_ID_LENGTH), primary_key=True),
    Column("reported", JSON, nullable=False),
    Column("reported_version", BigInteger, nullable=False),
    Column("desired", JSON, nullable=False),
    Column("desired_version", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

STORE_TABLES = frozenset(metadata.tables)
