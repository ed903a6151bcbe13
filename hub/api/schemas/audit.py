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


class DoorAccessPublic(BaseModel):
    """A card or PIN decision the hub made for a door unit (the domain's access log)."""

    id: int
    device_id: str
    ts_ms: int = Field(description="when the hub decided")
    credential_kind: str = Field(description="card or pin")
    card_format: str | None
    facility_code: int | None
    card_number: int | None
    resident_id: int | None
    result: str = Field(description="granted or denied")
    reason: str
    latency_ms: int = Field(description="from the unit's read to the hub's decision")


class DoorAccessPage(BaseModel):
    items: list[DoorAccessPublic] = Field(description="newest first")
    next_cursor: int | None
