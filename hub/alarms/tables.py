"""Tables of the alarm engine: ``alarm`` (one row per alarm, its current state) and
``alarm_history`` (one row per action: raised, repeated, acknowledged, ended, cleared).

Migration 0006 creates exactly these (a test compares the two). A partial unique index
keeps at most one open (not cleared) alarm per device and type, on SQLite and PostgreSQL
alike, so two replicas raising the same alarm end up with one row. ``device_path`` is a
copy of the device's path when the alarm was raised: operators' scopes filter on it.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    text,
)
from sqlmodel import Field, SQLModel

from hub.db.tables import big_id, column, table_of
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

ALARM_TABLES: Final = frozenset({"alarm", "alarm_history"})
OPEN_ONLY: Final = "state <> 'cleared'"


class AlarmRow(SQLModel, table=True):
    __tablename__ = "alarm"
    __table_args__ = (
        CheckConstraint("state IN ('active', 'acknowledged', 'cleared')", name="ck_alarm_state"),
        CheckConstraint(
            "severity IN ('critical', 'major', 'minor', 'warning')", name="ck_alarm_severity"
        ),
        Index(
            "uq_alarm_open",
            "device_id",
            "type",
            unique=True,
            sqlite_where=text(OPEN_ONLY),
            postgresql_where=text(OPEN_ONLY),
        ),
        Index("ix_alarm_state_severity", "state", "severity"),
        Index(
            "ix_alarm_device_path",
            "device_path",
            postgresql_ops={"device_path": "varchar_pattern_ops"},
        ),
        Index("ix_alarm_device_id", "device_id", "id"),
    )

    id: int | None = big_id()
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    device_kind: str = Field(max_length=16)
    device_path: str = Field(max_length=255)
    type: str = Field(max_length=32)
    severity: str = Field(max_length=16)
    state: str = Field(max_length=16)
    raised_ms: int = column(BigInteger)
    last_ms: int = column(BigInteger)
    occurrences: int
    condition_active: bool
    condition_ended_ms: int | None = column(BigInteger, nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_ms: int | None = column(BigInteger, nullable=True)
    cleared_ms: int | None = column(BigInteger, nullable=True)
    cleared_by: str | None = Field(default=None, max_length=64)
    latching: bool
    stock_unsellable: bool
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_ms: int = column(BigInteger)


class AlarmHistoryRow(SQLModel, table=True):
    """What happened to an alarm, in order. ``actor`` is an operator for acknowledgements
    and releases, None for what the hub did."""

    __tablename__ = "alarm_history"
    __table_args__ = (Index("ix_alarm_history_alarm", "alarm_id", "id"),)

    id: int | None = big_id()
    alarm_id: int = column(BigInteger, ForeignKey("alarm.id", ondelete="CASCADE"))
    ts_ms: int = column(BigInteger)
    action: str = Field(max_length=32)
    actor: str | None = Field(default=None, max_length=64)
    state: str = Field(max_length=16)
    occurrences: int
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


ALARM = table_of(AlarmRow)
ALARM_HISTORY = table_of(AlarmHistoryRow)
