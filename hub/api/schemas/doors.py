"""A door unit as operators see it: who came in, and what went wrong."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class AccessView(BaseModel):
    ts_ms: int
    method: Literal["card", "pin", "app", "operator"]
    result: Literal["granted", "denied"]
    reason: str = Field(
        description="card_ok, pin_ok, unknown_card, ...; for app and operator "
        "unlocks the command's outcome (confirmed, offline, timed_out, ...)"
    )
    resident_id: int | None
    card: str | None = Field(description="format, facility code and number; never a PIN")
    actor: str | None = Field(description="app and operator unlocks: who asked")
    latency_ms: float | None


class AccessPage(BaseModel):
    items: list[AccessView] = Field(description="newest first")
    next_before_ms: int | None = Field(description="pass as before_ms for older entries")


class DoorIncident(BaseModel):
    id: int
    ts_ms: int
    type: str = Field(
        description="door_forced_open, door_held_open, door_alert_cleared, "
        "local_status (tamper or power)"
    )
    data: dict[str, Any]


class DoorView(BaseModel):
    device_id: str
    online: bool
    reported_ms: int | None
    door: str | None = Field(description="open or closed")
    tamper: bool | None
    power_ok: bool | None
    held_open_limit_s: int = Field(description="the door's desired held-open limit")
    incidents: list[DoorIncident] = Field(description="newest first, the latest 50")
