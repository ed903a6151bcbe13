"""Devices: list items, detail with twin and presence, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.registry.vocabulary import CompartmentSize, DeviceKind, ProtocolName


class DevicePublic(BaseModel):
    id: str
    kind: DeviceKind
    name: str
    vendor: str
    model: str
    firmware_version: str
    protocol: ProtocolName
    enabled: bool
    path: str = Field(description="materialised path of codes: city/district/.../community")
    online: bool
    last_seen_ms: int | None = Field(description="last message from the device, if any")


class DevicePage(BaseModel):
    items: list[DevicePublic]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null: done")


class PresencePublic(BaseModel):
    online: bool
    since_ms: int | None
    reason: str
    last_seen_ms: int | None


class PresenceChangePublic(BaseModel):
    online: bool
    reason: str
    ts_ms: int
    recorded_by: str


class TwinPublic(BaseModel):
    reported: dict[str, Any]
    reported_version: int
    desired: dict[str, Any]
    desired_version: int
    updated_ms: int | None


LayoutSource = Literal["registry", "device"]


class CompartmentPublic(BaseModel):
    number: int
    size: CompartmentSize | None = Field(description="null: the locker does not report sizes")
    source: LayoutSource = Field(
        description="registry: set by an operator; device: as the locker reports them "
        "(used while the registry lists none)"
    )


class SlotPublic(BaseModel):
    number: int
    product: str | None = Field(description="null: not in the registry")
    price: int | None = Field(description="fen (0.01 CNY)")
    capacity: int | None
    source: LayoutSource = Field(
        description="registry: set by an operator; device: as the machine reports them "
        "(used while the registry lists none)"
    )


class DeviceDetailPublic(DevicePublic):
    created_at: datetime
    presence: PresencePublic
    presence_history: list[PresenceChangePublic] = Field(description="newest first")
    twin: TwinPublic
    metrics: list[str] = Field(description="telemetry metrics with stored points")
    compartments: list[CompartmentPublic]
    slots: list[SlotPublic]
