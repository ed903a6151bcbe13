"""Audit trail entries as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditEntryPublic(BaseModel):
    seq: int
    ts_ms: int
    actor: str = Field(description="resident:<id> or operator-token:<id>")
    role: str
    resident_id: int | None
    action: str = Field(description="unlock, collect or command:<name>")
    device_id: str | None
    parcel_id: str | None
    command_id: str | None
    result: str
    http_status: int
    latency_ms: float | None
    detail: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryPublic] = Field(description="newest first")
    next_cursor: int | None
