"""Telemetry history (raw points or time buckets) and device events."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.api.schemas.common import RowAnswer

BucketName = Literal["raw", "minute", "hour", "day"]


class PointPublic(BaseModel):
    ts_ms: int
    value: float


class BucketPublic(BaseModel):
    start_ms: int
    min: float
    max: float
    mean: float
    count: int


class TelemetryPublic(BaseModel):
    device_id: str
    metric: str
    since_ms: int
    until_ms: int
    bucket: BucketName
    points: list[PointPublic] = Field(description="raw points, oldest first (bucket=raw)")
    buckets: list[BucketPublic] = Field(description="aggregates, oldest first (other buckets)")
    truncated: bool = Field(description="more data matched than the limit allowed")


class EventPublic(RowAnswer):
    id: int
    device_id: str
    seq: int
    ts_ms: int
    type: str
    data: dict[str, Any]
    received_ms: int


class EventPage(BaseModel):
    items: list[EventPublic] = Field(description="newest first")
    next_cursor: int | None
