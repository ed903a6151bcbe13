"""Chart ranges and how precisely each metric is worth showing.

A range picks its bucket so a chart gets between 60 and 170 points whatever the span:
1 h in minutes, 24 h in 10 minutes, 7 d in hours, 30 d in 6 hours. Values are rounded to
what the sensor means: a cabinet's temperature to 0.1 °C, a battery to whole percent,
counts to whole items (their means to 0.1), on/off readings to a share of 0.01.
"""

from __future__ import annotations

from typing import Final

from hub.api.schemas.series import RangeName, SeriesPoint
from hub.store.rows import Bucket

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 60 * MINUTE_MS
RANGES: Final[dict[RangeName, tuple[int, int]]] = {
    "1h": (HOUR_MS, MINUTE_MS),
    "24h": (24 * HOUR_MS, 10 * MINUTE_MS),
    "7d": (7 * 24 * HOUR_MS, HOUR_MS),
    "30d": (30 * 24 * HOUR_MS, 6 * HOUR_MS),
}
"""Range > (span, bucket width)."""

ON_OFF: Final = frozenset({"on_mains", "compressor_on", "door_open"})


def precision(metric: str) -> tuple[str, int, int]:
    """(unit, decimals of min/max, decimals of the mean) for a metric name."""
    if metric in ON_OFF:
        return "on", 2, 2
    if metric.endswith("_c"):
        return "°C", 1, 1
    if metric.endswith("_pct"):
        return "%", 0, 0
    if metric.endswith(("_count", "_stock")):
        return "count", 0, 1
    return "", 2, 2


def rounded(bucket: Bucket, metric: str) -> SeriesPoint:
    _, places, mean_places = precision(metric)
    return SeriesPoint(
        start_ms=bucket.start_ms,
        min=round(bucket.min, places),
        max=round(bucket.max, places),
        mean=round(bucket.mean, mean_places),
        count=bucket.count,
    )
