"""Build a hub's front process from settings and run it: the command lane, the ingest
workers, the alarms desk, the API's parts.

``build_runtime`` wires the parts (no I/O beyond migrations and loading the registry);
``run_hub`` runs their loops in one TaskGroup with named tasks until cancelled. The
ingest workers (``HUB_INGEST_WORKERS`` processes, one per core by default, or one inside
this process when it is 0) are started by ``run_hub`` through the
:class:`~hub.front.workers.WorkerPool`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import CollectorRegistry

from firmware_protocols.clock import wall_ms
from firmware_protocols.codecs import all_codecs
from hub.alarms.desk import AlarmDesk
from hub.commands.repository import CommandRepository
from hub.commands.service import CommandService
from hub.config import Settings, worker_count
from hub.connection_watch import BrokerMetrics, ConnectionObservers
from hub.db.engine import FRONT_CHECKPOINT_PAGES, make_engine
from hub.db.loop_calls import LoopCalls
from hub.db.migrate import upgrade
from hub.domain.sparkplug_host import SparkplugHost
from hub.firmware.wiring import campaign_driver
from hub.fleet_gauges import update_fleet_gauges
from hub.front.command_lane import CommandLane
from hub.front.signals import FrontSignals
from hub.front.workers import InProcessBuilder, WorkerPool
from hub.housekeeping import housekeeping_loop
from hub.ingest.directory import DeviceDirectory
from hub.ingest.registry_loader import registry_loader
from hub.live import EventBus
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.registry_sync.front import run_registry_sync
from hub.runtime import HubRuntime
from hub.store.retention import retention_loop
from hub.store.writer import StoreWriter
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport

log = logging.getLogger(__name__)

LANE_QUEUE = 2_000  # replies waiting in the command lane's buffer


def build_runtime(
    settings: Settings,
    broker_url: str | None = None,
    *,
    use_shared_subscriptions: bool = True,
    metrics_registry: CollectorRegistry | None = None,
    in_process_worker: InProcessBuilder | None = None,
    alarm_clock_ms: Callable[[], int] = wall_ms,
) -> HubRuntime:
    """Wire a hub's front. ``broker_url`` stands in for HUB_MQTT_URL (the embedded
    broker's); ``in_process_worker`` builds the worker when ``HUB_INGEST_WORKERS`` is 0
    (tests pass one with their own clock); ``alarm_clock_ms`` stamps acknowledgements."""
    # Ingest workers (in their processes, or in this one with their own engine) commit
    # often and checkpoint SQLite's log; the front's commits leave that to them.
    engine = make_engine(settings.database_url, checkpoint_pages=FRONT_CHECKPOINT_PAGES)
    upgrade(engine)
    metrics = HubMetrics.create(metrics_registry)
    codecs = all_codecs()
    directory = DeviceDirectory(registry_loader(engine), codecs)
    directory.refresh()
    presence = PresenceTracker(PresenceTracker.timeout_for(settings.device_keepalive_s))
    for info in directory.devices():
        presence.register(info.device_id, info.kind)
    shared = use_shared_subscriptions and bool(settings.share_group)
    options = TransportOptions.from_settings(
        settings,
        url=broker_url,
        client_id=f"{settings.instance_id}-commands",
        queue_size=LANE_QUEUE,
        **({} if shared else {"share_group": None}),
    )
    connection_observers = ConnectionObservers()
    connection_observers.add(BrokerMetrics(metrics))
    host = SparkplugHost(settings.sparkplug_host_id, primary=settings.sparkplug_primary)
    connection_observers.add(host)
    transport = PahoTransport(
        options,
        [*codecs.reply_subscriptions(), *codecs.announce_subscriptions()],
        observer=connection_observers,
        will=host.will,
    )
    host.attach(transport)
    commands = CommandService(
        CommandRepository(engine),
        transport,
        directory,
        metrics,
        settings.instance_id,
        settings.command_timeout_s,
    )
    lane = CommandLane(transport, codecs, directory, commands, StoreWriter(engine), metrics)
    live = EventBus()
    worker_url = broker_url if broker_url is not None else settings.mqtt_url
    assert worker_url is not None  # TransportOptions.from_settings refused it otherwise
    workers = WorkerPool(
        settings,
        worker_url,
        worker_count(settings),
        shared_subscriptions=shared,
        in_process=in_process_worker,
    )
    alarms = AlarmDesk(engine=engine, live=live, metrics=metrics, clock_ms=alarm_clock_ms)
    signals = FrontSignals(
        pool=workers,
        presence=presence,
        directory=directory,
        live=live,
        commands=commands,
        alarms=alarms,
        metrics=metrics,
    )
    update_fleet_gauges(presence, metrics, directory.devices())
    return HubRuntime(
        settings=settings,
        engine=engine,
        loop_calls=LoopCalls(engine),
        metrics=metrics,
        codecs=codecs,
        directory=directory,
        presence=presence,
        transport=transport,
        commands=commands,
        lane=lane,
        live=live,
        connection_observers=connection_observers,
        workers=workers,
        signals=signals,
        alarms=alarms,
        host=host,
    )


async def _close_on_stop(host: SparkplugHost, calls: LoopCalls) -> None:
    """When the hub stops: the Sparkplug host goes offline, then the loop's database
    sessions are closed (on the loop that opened them)."""
    try:
        await asyncio.Event().wait()
    finally:
        try:
            host.go_offline()
            await host.close()
        finally:
            await calls.dispose()


async def run_hub(
    runtime: HubRuntime,
    extra_tasks: dict[str, Callable[[HubRuntime], Coroutine[Any, Any, None]]] | None = None,
) -> None:
    """Run every loop of the front, and the ingest workers, until cancelled."""
    async with asyncio.TaskGroup() as group:
        group.create_task(_close_on_stop(runtime.host, runtime.loop_calls), name="on-stop")
        group.create_task(runtime.transport.run(), name="command-lane-mqtt")
        group.create_task(runtime.lane.run(), name="command-lane")
        group.create_task(runtime.commands.run(), name="command-persistence")
        group.create_task(runtime.workers.run(runtime.signals), name="ingest-workers")
        group.create_task(runtime.alarms.run(), name="alarms-desk")
        group.create_task(
            retention_loop(runtime.engine, runtime.settings, wall_ms), name="retention"
        )
        # Firmware campaigns (hub.firmware.driver): one driver beside the command service.
        group.create_task(campaign_driver(runtime).run(), name="firmware-campaigns")
        # Registry changes reach the front and its workers (hub/registry_sync), and keys
        # and change rows past their retention are pruned (hub/housekeeping).
        group.create_task(run_registry_sync(runtime), name="registry-sync")
        group.create_task(housekeeping_loop(runtime), name="housekeeping")
        for name, task in (extra_tasks or {}).items():
            group.create_task(task(runtime), name=name)
