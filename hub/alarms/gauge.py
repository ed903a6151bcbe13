"""``hub_alarms_active``, recounted from the alarm table: the open alarms by (device
kind, type, severity, district). A label set that no longer counts anything is set to 0,
not left at its last value.

The front's :class:`~hub.alarms.desk.AlarmDesk` keeps it; an
:class:`~hub.alarms.engine.AlarmEngine` does too when asked (``keeps_gauge``).
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import Engine

from hub.alarms.listing import open_counts
from hub.domain.db_lane import DbLane
from hub.metrics import HubMetrics


class ActiveAlarmsGauge:
    def __init__(self, engine: Engine, metrics: HubMetrics, lane: DbLane) -> None:
        self._engine = engine
        self._metrics = metrics
        self._lane = lane
        self._labels: set[tuple[str, str, str, str]] = set()

    async def refresh(self) -> None:
        """Recount the open alarms (on ``lane``) and set the gauge."""
        counts = await self._lane.run(partial(open_counts, self._engine))
        gauge = self._metrics.alarms_active
        for labels in self._labels - set(counts):
            gauge.labels(*labels).set(0)
        for labels, count in counts.items():
            gauge.labels(*labels).set(count)
        self._labels |= set(counts)
