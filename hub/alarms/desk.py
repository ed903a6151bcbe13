"""The alarms as the front process serves them: operators acknowledge, the API counts and
filters, and ``hub_alarms_active`` is recounted from the table.

The rules themselves run in the ingest workers (:class:`~hub.alarms.engine.AlarmEngine`,
one per partition of the fleet); the desk only reads the table and writes
acknowledgements, so the count it exports is the whole replica's, whichever worker
raised what.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.alarms import repository
from hub.alarms.engine import live_event
from hub.alarms.gauge import ActiveAlarmsGauge
from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.listing import (
    active_alarm_device_ids,
    active_alarms_by_severity,
    get_alarm,
)
from hub.domain.db_lane import DbLane
from hub.event_wait import set_within
from hub.live import LiveSink
from hub.metrics import HubMetrics

log = logging.getLogger(__name__)

GAUGE_INTERVAL_S = 5.0


class AlarmDesk:
    def __init__(
        self,
        *,
        engine: Engine,
        live: LiveSink,
        metrics: HubMetrics,
        clock_ms: Callable[[], int] = wall_ms,
        gauge_interval_s: float = GAUGE_INTERVAL_S,
    ) -> None:
        self._engine = engine
        self._live = live
        self._clock_ms = clock_ms
        self._gauge_interval_s = gauge_interval_s
        self._lane = DbLane("alarm-desk")
        self._gauge = ActiveAlarmsGauge(engine, metrics, self._lane)
        self._changed = asyncio.Event()

    async def acknowledge(self, alarm_id: int, scope_path: str, actor: str) -> Alarm | None:
        """Acknowledge an alarm within the scope (None: no such alarm there)."""
        now = self._clock_ms()

        def work() -> tuple[Alarm, Change | None] | None:
            if get_alarm(self._engine, alarm_id, scope_path) is None:
                return None
            return repository.acknowledge(self._engine, alarm_id, actor, now)

        result = await self._lane.run(work)
        if result is None:
            return None
        alarm, change = result
        if change is not None:
            self._live.publish(live_event(change))
            await self.refresh_gauge()
        return alarm

    def active_device_ids(self, scope_path: str) -> set[str]:
        """Devices in scope with an open alarm (the API's ``has_alarm`` filter)."""
        return active_alarm_device_ids(self._engine, scope_path)

    def active_by_severity(self, scope_path: str) -> dict[str, int]:
        """Open alarms in scope by severity (the API's fleet summary)."""
        return active_alarms_by_severity(self._engine, scope_path)

    async def refresh_gauge(self) -> None:
        await self._gauge.refresh()

    def changed(self) -> None:
        """A worker changed an alarm: recount soon."""
        self._changed.set()

    async def run(self) -> None:
        """Recount the gauge after changes and every ``gauge_interval_s``, until cancelled."""
        try:
            while True:
                self._changed.clear()
                try:
                    await self.refresh_gauge()
                except Exception:  # the loop's edge: a database hiccup must not stop it
                    log.exception("alarm gauge refresh failed")
                await set_within(self._changed, self._gauge_interval_s)
        finally:
            self._lane.close()
