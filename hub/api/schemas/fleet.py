"""The fleet summary of an operator's scope."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.registry.vocabulary import DeviceKind


class KindCountPublic(BaseModel):
    total: int
    online: int


class FleetSummaryPublic(BaseModel):
    scope: str = Field(description="the caller's scope path")
    devices: dict[DeviceKind, KindCountPublic]
    alarms_by_severity: dict[str, int] = Field(description="active alarms in the scope")
    messages_per_second: float = Field(
        description="messages this hub replica committed per second, over about a minute"
    )
