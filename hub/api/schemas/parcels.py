"""A resident's parcels."""

from __future__ import annotations

from pydantic import Field

from hub.api.schemas.common import RowAnswer


class ParcelPublic(RowAnswer):
    id: int
    device_id: str = Field(description="the locker")
    compartment: int
    tracking: str
    state: str = Field(description="waiting, collected or returned")
    pickup_code: str = Field(description="six digits for the locker's keypad (yours only)")
    deposited_ms: int
    collected_ms: int | None
