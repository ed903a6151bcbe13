"""The domain logic of an ingest worker, fed by its batches.

What the domain records (access decisions, parcels, sales, DEX audits) is written in the
ingest batch's own transaction by :class:`~hub.domain.records.DomainRecords`, the
pipeline's recorder, and acted on once the batch is committed. :class:`DomainServices`
is an ingest observer for the rest: ``on_committed`` only sorts the batch (and updates
the in-memory locker occupancy) and hands the work to two queues, each drained in order
by its own task with its own database thread:

- the *door* lane: door contact reports (forced and held open); nothing slow ever waits
  in front of a door;
- the *records* lane: rebirth requests and desired configuration for devices that came
  online.

Nothing is dropped: the pipeline waits on :meth:`DomainServices.room` after every batch,
so when a lane falls :data:`QUEUE_BATCHES` batches behind, ingest waits for it (the
broker holds the backlog).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.config import Settings
from hub.domain.background import BackgroundTasks
from hub.domain.config_push import ConfigPush
from hub.domain.db_lane import DbLane
from hub.domain.dex_audits import DexAudits
from hub.domain.door_access import DoorAccess
from hub.domain.door_watch import DoorWatch
from hub.domain.issuing import CommandIssuer
from hub.domain.lane_store import LaneStore
from hub.domain.occupancy import LockerOccupancy
from hub.domain.parcels import ParcelBook
from hub.domain.records import DomainRecords
from hub.domain.sparkplug_host import Publisher, Rebirths
from hub.domain.vending_sales import VendingSales
from hub.ingest.batch import CommittedBatch, DeviceEvent
from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.live import LiveSink
from hub.metrics import HubMetrics
from hub.store.writer import StoreWriter
from hub.twin import TwinStore

log = logging.getLogger(__name__)

QUEUE_BATCHES = 1_000
W = TypeVar("W")


@dataclass(slots=True)
class RecordWork:
    """The records lane's share of one batch."""

    gaps: list[str] = field(default_factory=list)
    online: list[DeviceInfo] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.gaps or self.online)


class DomainServices:
    def __init__(
        self,
        *,
        records: DomainRecords,
        doors: DoorWatch,
        rebirths: Rebirths,
        config_push: ConfigPush,
        twins: TwinStore,
        directory: DeviceDirectory,
        metrics: HubMetrics,
        lanes: tuple[DbLane, ...],
        tasks: BackgroundTasks,
        queue_batches: int = QUEUE_BATCHES,
    ) -> None:
        self.records = records
        self.doors = doors
        self.rebirths = rebirths
        self.config_push = config_push
        self.occupancy = LockerOccupancy()
        self._twins = twins
        self._directory = directory
        self._metrics = metrics
        self._lanes = lanes
        self.tasks = tasks
        self._door_queue: asyncio.Queue[list[DeviceEvent]] = asyncio.Queue()
        self._record_queue: asyncio.Queue[RecordWork] = asyncio.Queue()
        self._room = asyncio.Event()
        self._room.set()
        self._queue_batches = queue_batches
        self.failed = 0
        self._busy = 0

    # ------------------------------------------------------------ observer
    def on_committed(self, batch: CommittedBatch) -> None:
        self._count_compartments(batch)
        door_work = [
            item
            for item in batch.new_events
            if item.device.kind == "door" and item.event.type == "inputs"
        ]
        records = RecordWork()
        records.gaps = sorted({gap.device.device_id for gap in batch.gaps})
        for transition in batch.transitions:
            entry = self._directory.get(transition.device_id)
            if transition.online and entry is not None:
                records.online.append(entry.info)
        if door_work:
            self._offer(self._door_queue, door_work)
        if records:
            self._offer(self._record_queue, records)

    def _count_compartments(self, batch: CommittedBatch) -> None:
        lockers = [
            twin
            for twin in batch.twins
            if (entry := self._directory.get(twin.device_id)) and entry.info.kind == "locker"
        ]
        if not lockers:
            return
        for twin in lockers:
            self.occupancy.update(twin.device_id, twin.reported)
        for state, count in self.occupancy.totals().items():
            self._metrics.locker_compartments.labels(state).set(count)

    def _offer(self, queue: asyncio.Queue[W], work: W) -> None:
        queue.put_nowait(work)
        if queue.qsize() >= self._queue_batches:
            self._room.clear()

    async def room(self) -> None:
        """Return once both lanes are fewer than ``queue_batches`` batches behind."""
        await self._room.wait()

    def _took(self) -> None:
        if max(self._door_queue.qsize(), self._record_queue.qsize()) < self._queue_batches:
            self._room.set()

    # ------------------------------------------------------------ workers
    async def _lane_worker(
        self, queue: asyncio.Queue[W], handle: Callable[[W], Awaitable[None]]
    ) -> None:
        """Take a lane's work in order, one batch's share at a time."""
        while True:
            work = await queue.get()
            self._took()
            self._busy += 1
            try:
                await handle(work)
            finally:
                self._busy -= 1

    async def _doors(self, work: list[DeviceEvent]) -> None:
        for item in work:
            try:
                await self.doors.on_inputs(item.device, item.event)
            except Exception:  # the loop's edge: one bad event must not stop the doors
                self.failed += 1
                log.exception("door event %s of %s failed", item.event.type, item.device)

    async def _records(self, work: RecordWork) -> None:
        try:
            for node_id in work.gaps:
                await self.rebirths.on_gap(node_id)
            for device in work.online:
                await self.config_push.on_online(device)
        except Exception:  # the loop's edge: count, log, keep going
            self.failed += 1
            log.exception("domain records of a batch failed")

    def idle(self) -> bool:
        """Nothing queued (for tests and orderly shutdown)."""
        return self._busy == 0 and self._door_queue.empty() and self._record_queue.empty()

    async def run(self) -> None:
        """Run the workers and the door check until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                doors = self._lane_worker(self._door_queue, self._doors)
                records = self._lane_worker(self._record_queue, self._records)
                group.create_task(doors, name="domain-doors")
                group.create_task(records, name="domain-records")
                group.create_task(self.doors.run(), name="domain-door-check")
        finally:
            await self.tasks.cancel_all()
            for lane in self._lanes:
                lane.close()


def build_domain(
    *,
    settings: Settings,
    engine: Engine,
    metrics: HubMetrics,
    directory: DeviceDirectory,
    twins: TwinStore,
    transport: Publisher,
    commands: CommandIssuer,
    live: LiveSink,
    clock_ms: Callable[[], int] = wall_ms,
    queue_batches: int = QUEUE_BATCHES,
) -> DomainServices:
    """Wire the domain's parts (no I/O). Register the result as an ingest observer (and
    its :meth:`~DomainServices.room` as a backlog, its ``records`` as the recorder), and
    run :meth:`DomainServices.run`.
    ``commands`` sends the domain's commands; ``transport`` carries rebirth requests."""
    door_lane, record_lane = DbLane("domain-doors"), DbLane("domain-records")
    writer = StoreWriter(engine)
    door_store = LaneStore(engine, door_lane, writer)
    record_store = LaneStore(engine, record_lane, writer)
    tasks = BackgroundTasks()
    doors = DoorWatch(
        store=door_store,
        twins=twins,
        directory=directory,
        live=live,
        clock_ms=clock_ms,
    )
    access = DoorAccess(
        engine=engine,
        secret_key=settings.effective_secret_key,
        instance_id=settings.instance_id,
        commands=commands,
        twins=twins,
        grants=doors,
        live=live,
        tasks=tasks,
        clock_ms=clock_ms,
    )
    records = DomainRecords(
        access=access,
        parcels=ParcelBook(engine=engine, live=live),
        sales=VendingSales(
            store=record_store,
            twins=twins,
            metrics=metrics,
            tasks=tasks,
            clock_ms=clock_ms,
        ),
        audits=DexAudits(engine=engine, clock_ms=clock_ms, metrics=metrics),
        metrics=metrics,
        clock_ms=clock_ms,
    )
    return DomainServices(
        records=records,
        doors=doors,
        rebirths=Rebirths(transport, metrics, clock_ms),
        config_push=ConfigPush(
            store=record_store,
            twins=twins,
            commands=commands,
            tasks=tasks,
            clock_ms=clock_ms,
        ),
        twins=twins,
        directory=directory,
        metrics=metrics,
        lanes=(door_lane, record_lane),
        tasks=tasks,
        queue_batches=queue_batches,
    )
