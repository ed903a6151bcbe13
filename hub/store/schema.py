"""The store's tables, the same on SQLite and PostgreSQL: table models on the one
``SQLModel.metadata``, and their Core tables (``telemetry``, ``event``, ...) for the
writer's bulk statements and the queries.

Migrations 0002 and 0007 (telemetry as one row per message) create exactly these; a test
compares the migrated schema with them.
``device_id`` is a plain string here, with no foreign key to the registry, so telemetry
from a device removed later stays readable and the store never waits on registry locks.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import SQLModel

from hub.db.tables import big_id, column, table_of
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

DEVICE_ID_LENGTH = MAX_DEVICE_ID_LENGTH
METRIC_LENGTH = 128
EVENT_TYPE_LENGTH = 64
REASON_LENGTH = 64
INSTANCE_ID_LENGTH = 64


class TelemetryRecord(SQLModel, table=True):
    """One row per message. The message key is the primary key: a redelivered message
    adds no row."""

    __tablename__ = "telemetry"
    __table_args__ = (
        PrimaryKeyConstraint("device_id", "seq", name="pk_telemetry"),
        Index("ix_telemetry_device_ts", "device_id", "ts_ms"),
        Index("ix_telemetry_ts", "ts_ms"),
    )

    device_id: str = column(String(DEVICE_ID_LENGTH))
    seq: int = column(BigInteger)
    ts_ms: int = column(BigInteger)
    metrics: dict[str, float] = column(JSON)  # {"metric": value, ...}, finite numbers only


telemetry = table_of(TelemetryRecord)


class TelemetryMetricRecord(SQLModel, table=True):
    """The metric names each device has reported: the index of telemetry's JSON keys."""

    __tablename__ = "telemetry_metric"
    __table_args__ = (PrimaryKeyConstraint("device_id", "metric", name="pk_telemetry_metric"),)

    device_id: str = column(String(DEVICE_ID_LENGTH))
    metric: str = column(String(METRIC_LENGTH))
    first_ts_ms: int = column(BigInteger)


telemetry_metric = table_of(TelemetryMetricRecord)


class EventRecord(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", "type", name="uq_event_device_seq_type"),
        Index("ix_event_device_ts", "device_id", "ts_ms"),
        Index("ix_event_type_ts", "type", "ts_ms"),
    )

    id: int | None = big_id()
    device_id: str = column(String(DEVICE_ID_LENGTH))
    seq: int = column(BigInteger)
    ts_ms: int = column(BigInteger)
    type: str = column(String(EVENT_TYPE_LENGTH))
    data: dict[str, Any] = column(JSON)
    received_ms: int = column(BigInteger)


event = table_of(EventRecord)


class PresenceChangeRecord(SQLModel, table=True):
    """Two replicas recording the same transition store it once."""

    __tablename__ = "presence_change"
    __table_args__ = (
        UniqueConstraint(
            "device_id", "ts_ms", "online", name="uq_presence_change_device_ts_online"
        ),
        Index("ix_presence_change_device_ts", "device_id", "ts_ms"),
    )

    id: int | None = big_id()
    device_id: str = column(String(DEVICE_ID_LENGTH))
    online: bool = column(Boolean)
    reason: str = column(String(REASON_LENGTH))
    ts_ms: int = column(BigInteger)
    recorded_by: str = column(String(INSTANCE_ID_LENGTH))


presence_change = table_of(PresenceChangeRecord)


class DeadLetterRecord(SQLModel, table=True):
    __tablename__ = "dead_letter"
    __table_args__ = (
        Index("ix_dead_letter_received", "received_ms"),
        Index("ix_dead_letter_reason_received", "reason", "received_ms"),
    )

    id: int | None = big_id()
    received_ms: int = column(BigInteger)
    topic: str = column(Text)
    payload: bytes = column(LargeBinary)
    device_id: str | None = column(Text, nullable=True)
    reason: str = column(String(REASON_LENGTH))
    detail: str = column(Text)


dead_letter = table_of(DeadLetterRecord)


class TwinRecord(SQLModel, table=True):
    __tablename__ = "twin"

    device_id: str = column(String(DEVICE_ID_LENGTH), primary_key=True)
    reported: dict[str, Any] = column(JSON)
    reported_version: int = column(BigInteger)
    desired: dict[str, Any] = column(JSON)
    desired_version: int = column(BigInteger)
    updated_ms: int = column(BigInteger)


twin = table_of(TwinRecord)

STORE_TABLES: Final = frozenset(
    {"telemetry", "telemetry_metric", "event", "presence_change", "dead_letter", "twin"}
)
