"""What a resident sees: themselves, their doors, the answer to an unlock."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MePublic(BaseModel):
    id: int
    name: str
    unit: str
    building: str = Field(description="building code")
    building_name: str


class DoorPublic(BaseModel):
    device_id: str
    name: str
    online: bool


class ActionPublic(BaseModel):
    """The confirmed result of an unlock or a parcel collection."""

    result: str = Field(description="confirmed")
    device_id: str
    command_id: str
    latency_ms: float
    ts_ms: int
    parcel_id: str | None = None
