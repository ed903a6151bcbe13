"""A locker as its compartments: state, size and the parcel in each."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ParcelInCompartment(BaseModel):
    id: int
    tracking: str
    building: str = Field(description="the recipient's building code, as the courier entered it")
    unit: str
    resident_id: int | None
    resolution: str | None = Field(description="why no resident was found, if none was")
    deposited_ms: int
    age_s: int = Field(description="seconds waiting so far")


class CompartmentView(BaseModel):
    number: int
    size: str | None = Field(description="S, M or L (registry, else the locker's report)")
    state: str = Field(description="empty, occupied, open, fault, or unknown (never reported)")
    door: str | None = Field(description="open or closed, as last reported")
    parcels: list[ParcelInCompartment] = Field(description="parcels waiting in it, oldest first")


class LockerView(BaseModel):
    device_id: str
    online: bool
    reported_ms: int | None = Field(description="when the twin last changed")
    counts: dict[str, int] = Field(description="compartments by state")
    compartments: list[CompartmentView]
    parcels_waiting: int
    oldest_waiting_ms: int | None
