"""A monthly report of a place, as a table."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hub.api.schemas.places import PlaceRef

ReportName = Literal["cold-chain", "sales", "parcels", "door-incidents"]
GroupName = Literal["device", "building", "community", "district"]


class ReportPublic(BaseModel):
    report: ReportName
    month: str = Field(description="YYYY-MM, in the city's time zone")
    place: PlaceRef
    group: GroupName = Field(description="one row per device (or building), community or district")
    timezone: str
    since_ms: int
    until_ms: int
    generated_ms: int
    columns: list[str]
    rows: list[dict[str, str | int | float | None]] = Field(
        description="money in fen, durations in minutes or hours as the column says"
    )
