"""Tables of the command service: one row per command, one per reply received."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH


class CommandState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    TIMED_OUT = "timed_out"

    @property
    def final(self) -> bool:
        return self not in (CommandState.QUEUED, CommandState.SENT, CommandState.ACKNOWLEDGED)


class CommandRecord(SQLModel, table=True):
    __tablename__ = "command"

    id: str = Field(primary_key=True, max_length=32)
    device_id: str = Field(index=True, max_length=MAX_DEVICE_ID_LENGTH)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issued_by: str = Field(max_length=128)
    instance_id: str = Field(max_length=64)
    state: str = Field(max_length=16, index=True)
    reason: str | None = Field(default=None, max_length=256)
    created_ms: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    expires_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    sent_ms: int | None = Field(default=None, sa_column=Column(BigInteger))
    acknowledged_ms: int | None = Field(default=None, sa_column=Column(BigInteger))
    completed_ms: int | None = Field(default=None, sa_column=Column(BigInteger))


class CommandReplyRecord(SQLModel, table=True):
    """Every reply a device sent, including late ones that changed nothing."""

    __tablename__ = "command_reply"
    __table_args__ = (UniqueConstraint("command_id", "status", name="uq_command_reply"),)

    id: int | None = Field(default=None, primary_key=True)
    command_id: str = Field(index=True, max_length=64)
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=256)
    received_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    late: bool = False
    instance_id: str = Field(max_length=64)
