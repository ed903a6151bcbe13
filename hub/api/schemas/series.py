"""Telemetry sized for a chart: a range, bucketed on the server, rounded to the sensor."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

RangeName = Literal["1h", "24h", "7d", "30d"]


class SeriesPoint(BaseModel):
    start_ms: int
    min: float
    max: float
    mean: float
    count: int


class SeriesPublic(BaseModel):
    device_id: str
    metric: str
    range: RangeName
    since_ms: int
    until_ms: int
    bucket_ms: int = Field(description="width of each bucket")
    unit: str = Field(description="°C, %, count, on (0..1 share of readings), or empty")
    decimals: int = Field(description="places the values are rounded to")
    points: list[SeriesPoint] = Field(description="oldest first; empty buckets left out")
