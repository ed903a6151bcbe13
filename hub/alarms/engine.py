"""The alarm engine of an ingest worker: rules fed by ingest, the domain and the clock;
alarms persisted and published as live events.

- ``on_committed`` (an ingest observer) evaluates the batch at once (in memory, cheap)
  and queues the resulting signals; it never waits for the database. The queue is never
  cut short: the pipeline waits on :meth:`AlarmEngine.room` after every batch, so a busy
  engine slows ingest (the broker holds the backlog) rather than losing an alarm.
- A task applies queued signals in order, in the engine's own database thread.
- The domain's conclusions (door forced or held open, access denied) are handed to
  :meth:`AlarmEngine.on_live` directly by the worker's live-event fan-out, never through
  the lossy stream the web page reads.
- :meth:`AlarmEngine.tick` evaluates the timed conditions at the engine's clock (or the
  time a test passes), the overdue parcels, the DEX audits stored since (handed over by
  :meth:`AlarmEngine.on_dex_audit`, judged once settled), and clears open alarms whose
  condition is known over; ``run`` calls it every ``tick_interval_s``. After a tick returns, every
  signal queued before it has been applied.

An engine judges only the devices ``owned`` says are its own (its worker's partition):
the timed rules, the overdue parcels and the reconciliation of open alarms all skip the
rest. ``hub_alarms_active`` is kept by the front's :class:`~hub.alarms.desk.AlarmDesk`
(recounted from the table), unless ``keeps_gauge`` asks this engine to keep it. A clear
is written only for an alarm the engine knows open (its own changes, and the table
re-read every tick); one raised elsewhere moments ago is cleared by the next tick's
reconciliation instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.alarms import repository
from hub.alarms.config import AlarmRules
from hub.alarms.dex_watch import DexWatch
from hub.alarms.evaluator import Evaluator
from hub.alarms.gauge import ActiveAlarmsGauge
from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.listing import OpenAlarm, open_alarms
from hub.alarms.sources import dex_findings, newest_audits, offline_since, waiting_parcels
from hub.alarms.vocabulary import AlarmType, Clear, Signal
from hub.domain.db_lane import DbLane
from hub.domain.dex_audits import StoredAudit
from hub.ingest.batch import CommittedBatch
from hub.ingest.directory import DeviceDirectory
from hub.live import LiveEvent, LiveSink
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.twin import TwinStore

log = logging.getLogger(__name__)

LIVE_TYPE = "alarm"
TICK_INTERVAL_S = 5.0
PARCEL_INTERVAL_MS = 60_000
DEX_RESTORE_MS = 7 * 86_400_000  # a restarted engine re-judges audits this recent
QUEUE_SIGNALS = 10_000


def live_data(alarm: Alarm, change: Change) -> dict[str, Any]:
    """The ``data`` of the live event for one change of an alarm."""
    return {
        "id": alarm.id,
        "alarm_type": alarm.type.value,
        "kind": alarm.kind,
        "severity": alarm.severity.value,
        "state": alarm.state.value,
        "action": change.action.value,
        "actor": change.actor,
        "occurrences": alarm.occurrences,
        "condition_active": alarm.condition_active,
        "stock_unsellable": alarm.stock_unsellable,
        "raised_ms": alarm.raised_ms,
        "details": dict(alarm.details),
    }


def live_event(change: Change) -> LiveEvent:
    """The live event that announces one change of an alarm."""
    alarm = change.alarm
    return LiveEvent(
        LIVE_TYPE, alarm.device_id, alarm.path, alarm.updated_ms, live_data(alarm, change)
    )


class AlarmEngine:
    def __init__(
        self,
        *,
        engine: Engine,
        rules: AlarmRules,
        directory: DeviceDirectory,
        presence: PresenceTracker,
        twins: TwinStore,
        live: LiveSink,
        metrics: HubMetrics,
        clock_ms: Callable[[], int] = wall_ms,
        tick_interval_s: float = TICK_INTERVAL_S,
        owned: Callable[[str], bool] = lambda _device_id: True,
        keeps_gauge: bool = False,
        queue_limit: int = QUEUE_SIGNALS,
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._live = live
        self._clock_ms = clock_ms
        self._tick_interval_s = tick_interval_s
        self._owned = owned
        self._keeps_gauge = keeps_gauge
        self.evaluator = Evaluator(
            rules,
            lambda d: None if (entry := directory.get(d)) is None else entry.info,
            twins.get,
            presence.is_online,
        )
        self._queue: asyncio.Queue[Signal] = asyncio.Queue()  # bounded by room()
        self._queue_limit = queue_limit
        self._room = asyncio.Event()
        self._room.set()
        self._raising: dict[tuple[str, AlarmType], int] = {}  # raises queued, by alarm
        self._lane = DbLane("alarms")
        self._gauge = ActiveAlarmsGauge(engine, metrics, self._lane)
        self._open: dict[tuple[str, AlarmType], OpenAlarm] = {}
        self._last_parcel_check_ms: int | None = None
        self.dex = DexWatch()
        self._running = False
        self._started = asyncio.Event()
        self.failed = 0
        self.changes = 0

    # ------------------------------------------------------------ inputs
    def on_committed(self, batch: CommittedBatch) -> None:
        self._offer(self.evaluator.on_batch(batch, self._clock_ms()))

    def on_live(self, event: LiveEvent) -> None:
        if event.type != LIVE_TYPE:
            self._offer(self.evaluator.on_live(event, self._clock_ms()))

    def on_dex_audit(self, audit: StoredAudit) -> None:
        """A DEX audit the domain stored (a listener of ``DexAudits``): judged by the DEX
        rule at the first tick after it settled."""
        self.dex.stored(audit)

    def _offer(self, signals: list[Signal]) -> None:
        for signal in signals:
            key = (signal.device_id, signal.type)
            if isinstance(signal, Clear):
                # Most clears are of nothing (every closed door clears forced and held):
                # skip those here, unless a raise for the same alarm is still queued.
                known = self._open.get(key)
                if (known is None or not known.condition_active) and key not in self._raising:
                    continue
            else:
                self._raising[key] = self._raising.get(key, 0) + 1
            self._queue.put_nowait(signal)
        if self._queue.qsize() >= self._queue_limit:
            self._room.clear()

    async def room(self) -> None:
        """Return once fewer than ``queue_limit`` signals wait (see the module)."""
        await self._room.wait()

    def _taken(self, signal: Signal) -> None:
        """A queued signal has been applied."""
        if not isinstance(signal, Clear):
            key = (signal.device_id, signal.type)
            left = self._raising.get(key, 0) - 1
            if left > 0:
                self._raising[key] = left
            else:
                self._raising.pop(key, None)
        self._queue.task_done()
        if self._queue.qsize() < self._queue_limit:
            self._room.set()

    # ------------------------------------------------------------ applying signals
    async def _apply(self, signal: Signal) -> None:
        how = None
        if isinstance(signal, Clear):
            known = self._open.get((signal.device_id, signal.type))
            if known is None or not known.condition_active:
                return
        else:
            how = self.evaluator.raise_as(signal.device_id, signal.type)
            if how is None:
                return
        change = await self._lane.run(partial(repository.apply_signal, self._engine, signal, how))
        if change is not None:
            self._changed(change)

    async def _apply_logged(self, signal: Signal) -> None:
        try:
            await self._apply(signal)
        except Exception:  # the loop's edge: one failed write must not stop the alarms
            self.failed += 1
            log.exception("alarm signal %s failed", signal)

    def _changed(self, change: Change) -> None:
        alarm = change.alarm
        assert alarm.id is not None
        key = (alarm.device_id, alarm.type)
        if alarm.is_open:
            self._open[key] = OpenAlarm(alarm.id, alarm.kind, alarm.condition_active, alarm.last_ms)
        else:
            self._open.pop(key, None)
        self.changes += 1
        log.info("alarm %s %s at %s", alarm.type.value, change.action.value, alarm.device_id)
        self._live.publish(live_event(change))

    async def _refresh_gauge(self) -> None:
        if self._keeps_gauge:
            await self._gauge.refresh()

    async def _drain(self) -> None:
        """Apply every queued signal (the worker's, or here when it is not running)."""
        if self._running:
            await self._queue.join()
            return
        while not self._queue.empty():
            signal = self._queue.get_nowait()
            await self._apply_logged(signal)
            self._taken(signal)

    # ------------------------------------------------------------ time
    async def tick(self, now_ms: int | None = None) -> None:
        """Evaluate timed conditions, overdue parcels and open alarms at ``now_ms``."""
        now = self._clock_ms() if now_ms is None else now_ms
        await self._drain()
        self._open = await self._load_open()
        owned = self._owned
        devices = [info for info in self._directory.devices() if owned(info.device_id)]
        signals = self.evaluator.due(now, devices)
        last = self._last_parcel_check_ms
        if last is None or now - last >= PARCEL_INTERVAL_MS or now < last:
            self._last_parcel_check_ms = now
            before = now - int(self.evaluator.shortest_parcel_limit_s() * 1000)
            waiting = await self._lane.run(partial(waiting_parcels, self._engine, before))
            mine = [parcel for parcel in waiting if owned(parcel.device_id)]
            signals += self.evaluator.on_parcels(mine, now)
        settled = self.dex.due(now, lambda d: self.evaluator.rules_for(d).dex_audit.settle_s)
        if settled:
            findings = await self._lane.run(partial(dex_findings, self._engine, settled))
            signals += self.evaluator.on_dex_audits(findings, now)
        for signal in signals:
            await self._apply_logged(signal)
        for signal in self.evaluator.reconcile(self._open, now):
            await self._apply_logged(signal)
        await self._refresh_gauge()

    async def _load_open(self) -> dict[tuple[str, AlarmType], OpenAlarm]:
        found = await self._lane.run(partial(open_alarms, self._engine))
        return {key: alarm for key, alarm in found.items() if self._owned(key[0])}

    # ------------------------------------------------------------ running
    async def start(self) -> None:
        """Load what the database knows: devices last seen going offline, open alarms."""
        since = await self._lane.run(partial(offline_since, self._engine))
        for device_id, since_ms in since.items():
            if self._directory.get(device_id) is not None and self._owned(device_id):
                self.evaluator.offline.went_offline(device_id, since_ms)
        self._open = await self._load_open()
        recent = self._clock_ms() - DEX_RESTORE_MS
        restored = await self._lane.run(partial(newest_audits, self._engine, recent))
        self.dex.restored(audit for audit in restored if self._owned(audit.device_id))
        await self._refresh_gauge()
        self._started.set()

    async def wait_started(self) -> None:
        """Until :meth:`start` has loaded the open alarms and counted them."""
        await self._started.wait()

    async def _worker(self) -> None:
        while True:
            signal = await self._queue.get()
            try:
                await self._apply_logged(signal)
            finally:
                self._taken(signal)
            if self._queue.empty():
                try:
                    await self._refresh_gauge()
                except Exception:  # the loop's edge: a database hiccup
                    log.exception("alarm gauge refresh failed")

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self._tick_interval_s)
            try:
                await self.tick()
            except Exception:  # the loop's edge: a database hiccup must not stop alarms
                log.exception("alarm tick failed")

    async def run(self) -> None:
        """Apply signals and tick until cancelled."""
        try:
            await self.start()
            self._running = True
            async with asyncio.TaskGroup() as group:
                group.create_task(self._worker(), name="alarms-worker")
                group.create_task(self._ticker(), name="alarms-tick")
        finally:
            self._running = False
            self._lane.close()
