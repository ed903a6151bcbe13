"""A hub for the contract tests: a whole ingest worker (``build_worker``: transport,
decoder, pipeline, store, twins, presence, domain, alarm rules) and a stand-in for the
front (the front's own command service, command lane and signal handling), joined by
``memory_pair()``, on an in-memory broker and a real SQLite file. No broker process, no
worker process, no API: what runs is the product's code between the wire and the
database.

    async with contract_hub(template) as hub:
        door = DoorUnit(hub.wire, hub.fleet.doors[0])
        ...

Each test gets a copy of a migrated SQLite file holding the tiny fleet
(:func:`migrated_template`), made once per session.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from firmware_protocols.clock import wall_ms
from firmware_protocols.codecs import all_codecs
from hub.alarms.desk import AlarmDesk
from hub.commands.repository import CommandRepository
from hub.commands.service import CommandService
from hub.config import Settings
from hub.db.engine import make_engine
from hub.front.command_lane import CommandLane
from hub.front.signals import FrontSignals
from hub.front.workers import WorkerSlot
from hub.ingest.directory import DeviceDirectory
from hub.ingest.registry_loader import registry_loader
from hub.ipc.channel import Channel, ChannelClosed, memory_pair
from hub.ipc.signals import FrontSignal, LiveEvents, MetricSamples, WorkerSignal, WorkerStats
from hub.live import EventBus, LiveEvent
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.store.writer import StoreWriter
from hub.worker.front_link import FrontLink
from hub.worker.partition import Partition
from hub.worker.runtime import WorkerRuntime, build_worker
from hub.worker.service import run_worker
from tests.conftest import TEST_SECRET_KEY
from tests.support.devices import Wire
from tests.support.manual_clock import ManualClock
from tests.support.memory_broker import MemoryBroker
from tests.support.memory_transport import MemoryTransport
from tests.support.tiny_fleet import TinyFleet, create_tiny_fleet
from tests.support.waiting import async_wait_until

BROKER_URL = "mqtt://memory.invalid:1883"  # never dialled: the transports are in memory


def contract_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "instance_id": "contract",
        "api_port": 0,
        "share_group": "",
        "ingest_workers": 0,
        "mqtt_url": BROKER_URL,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass(frozen=True)
class Template:
    """A migrated SQLite file with the tiny fleet, copied for each test."""

    path: Path
    fleet: TinyFleet

    def copy_to(self, folder: Path) -> str:
        target = folder / "hub.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


def migrated_template(folder: Path) -> Template:
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        fleet = create_tiny_fleet(engine, contract_settings("sqlite://").effective_secret_key)
        with engine.connect() as conn:  # fold the WAL into the file before copying it
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return Template(path, fleet)


class OneWorker:
    """What the front's signal handling asks of its worker pool, for the one worker on
    the other end of ``channel``."""

    def __init__(self, channel: Channel[FrontSignal, WorkerSignal]) -> None:
        self.slots = [WorkerSlot(0, channel=channel)]

    async def send_to_owner(self, device_id: str, signal: FrontSignal) -> None:
        channel = self.slots[0].channel
        assert channel is not None
        await channel.send(signal)


@dataclass
class Front:
    """The front process's parts the contract tests drive: the command service and its
    lane on an in-memory connection, the presence mirror and live events fed by the
    worker's signals."""

    settings: Settings
    engine: Engine
    metrics: HubMetrics
    directory: DeviceDirectory
    presence: PresenceTracker
    lane_transport: MemoryTransport
    commands: CommandService
    lane: CommandLane
    live: EventBus
    signals: FrontSignals | None = None
    channel: Channel[FrontSignal, WorkerSignal] | None = None
    stats: WorkerStats | None = None
    received: list[WorkerSignal] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        settings: Settings,
        broker: MemoryBroker,
        *,
        hears_replies: bool = True,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> Front:
        """A front (one replica's); ``hears_replies`` False: away from the broker when
        replies come (it still sends its commands)."""
        engine = make_engine(settings.database_url)
        metrics = HubMetrics.create()
        codecs = all_codecs()
        directory = DeviceDirectory(registry_loader(engine), codecs)
        directory.refresh()
        presence = PresenceTracker(PresenceTracker.timeout_for(settings.device_keepalive_s))
        for info in directory.devices():
            presence.register(info.device_id, info.kind)
        subscriptions = (
            [*codecs.reply_subscriptions(), *codecs.announce_subscriptions()]
            if hears_replies
            else []
        )
        transport = broker.transport(subscriptions)
        commands = CommandService(
            CommandRepository(engine),
            transport,
            directory,
            metrics,
            settings.instance_id,
            settings.command_timeout_s,
            clock_ms=clock_ms,
        )
        lane = CommandLane(transport, codecs, directory, commands, StoreWriter(engine), metrics)
        return cls(
            settings, engine, metrics, directory, presence, transport, commands, lane, EventBus()
        )

    def join(
        self, channel: Channel[FrontSignal, WorkerSignal], clock_ms: Callable[[], int]
    ) -> None:
        """Take the front's end of a worker's channel."""
        self.channel = channel
        alarms = AlarmDesk(
            engine=self.engine, live=self.live, metrics=self.metrics, clock_ms=clock_ms
        )
        self.signals = FrontSignals(
            pool=OneWorker(channel),  # type: ignore[arg-type]
            presence=self.presence,
            directory=self.directory,
            live=self.live,
            commands=self.commands,
            alarms=alarms,
            metrics=self.metrics,
            clock_ms=clock_ms,
        )

    async def _receive(self) -> None:
        assert self.channel is not None and self.signals is not None
        while True:
            try:
                signal = await self.channel.receive()
            except ChannelClosed:
                return
            if isinstance(signal, WorkerStats):
                self.stats = signal
            elif not isinstance(signal, MetricSamples):
                self.received.append(signal)
                await self.signals.on_worker_signal(0, signal)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self.lane_transport.run(), name="front-lane-transport")
            group.create_task(self.lane.run(), name="front-lane")
            group.create_task(self.commands.run(), name="front-command-persistence")
            if self.channel is not None:
                group.create_task(self._receive(), name="front-receive")


@dataclass
class Held:
    """A part of the worker whose loop waits for :meth:`release` before it runs: a
    consumer stalled for as long as the test says. Everything else is the part's own."""

    part: Any
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.part, name)

    async def run(self) -> None:
        await self.released.wait()
        await self.part.run()

    def release(self) -> None:
        self.released.set()


@dataclass
class ContractHub:
    settings: Settings
    engine: Engine  # the test's own connection to the database, for assertions
    fleet: TinyFleet
    broker: MemoryBroker
    worker: WorkerRuntime
    front: Front
    wire: Wire
    clock: ManualClock
    tasks: list[asyncio.Task[None]]
    worker_channel: Channel[WorkerSignal, FrontSignal]  # the worker's end of its link

    @property
    def transport(self) -> MemoryTransport:
        transport = self.worker.transport
        assert isinstance(transport, MemoryTransport)
        return transport

    def check_running(self) -> None:
        """Raise the failure of a loop that ended (a test waiting on it would only time out)."""
        for task in self.tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise AssertionError(f"{task.get_name()} failed") from task.exception()

    async def wait(
        self, condition: Callable[[], Any], what: str, detail: Callable[[], str] | None = None
    ) -> Any:
        def checked() -> Any:
            self.check_running()
            return condition()

        return await async_wait_until(checked, what=what, detail=detail)

    async def committed(self, count: int | None = None) -> None:
        """Until the worker committed ``count`` messages (default: all the wire sent)."""
        wanted = self.wire.published if count is None else count
        await self.wait(
            lambda: self.worker.pipeline.committed_messages >= wanted,
            f"{wanted} messages committed",
            lambda: f"{self.worker.pipeline.committed_messages} committed",
        )

    async def settled(self) -> None:
        """Until everything the wire sent is committed and the domain has done its work."""
        await self.committed()
        await self.wait(self.worker.domain.idle, "the domain idle")

    def count(self, table: Any, *where: Any) -> int:
        with self.engine.connect() as conn:
            statement = select(func.count()).select_from(table).where(*where)
            return int(conn.execute(statement).scalar_one())

    def live_events(self, event_type: str | None = None) -> list[LiveEvent]:
        """Live events the front received from the worker, so far."""
        return [
            event
            for signal in self.front.received
            if isinstance(signal, LiveEvents)
            for event in signal.events
            if event_type is None or event.type == event_type
        ]


@contextlib.asynccontextmanager
async def contract_hub(
    template: Template,
    folder: Path,
    *,
    hold: tuple[str, ...] = (),
    worker_options: dict[str, Any] | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[ContractHub]:
    """A worker and a front, running. ``hold``: worker parts (``"domain"``, ``"alarms"``)
    whose loops wait for the test's ``hub.worker.<part>.release()``."""
    settings = contract_settings(template.copy_to(folder), **settings_overrides)
    broker = MemoryBroker()
    clock = ManualClock()
    front_end, worker_end = memory_pair()
    worker = build_worker(
        settings,
        BROKER_URL,
        Partition(0, 1),
        FrontLink(worker_end),
        alarm_clock_ms=clock,
        make_transport=broker.transport_factory,
        **(worker_options or {}),
    )
    if hold:
        worker = dataclasses.replace(worker, **{part: Held(getattr(worker, part)) for part in hold})
    front = Front.build(settings, broker)
    front.join(front_end, clock)
    engine = make_engine(settings.database_url)
    tasks = [
        asyncio.create_task(run_worker(worker), name="worker"),
        asyncio.create_task(front.run(), name="front"),
    ]
    hub = ContractHub(
        settings, engine, template.fleet, broker, worker, front, Wire(broker.client("devices")),
        clock, tasks, worker_end,
    )  # fmt: skip
    try:
        await hub.wait(lambda: front.stats is not None and front.stats.connected, "worker up")
        if "alarms" not in hold:
            await asyncio.wait_for(worker.alarms.wait_started(), 30)
        yield hub
        hub.check_running()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for each in (engine, worker.engine, front.engine):
            each.dispose()
