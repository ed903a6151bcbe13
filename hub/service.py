"""Build a hub from settings and run it: transport, ingest, presence, commands, API.

``build_runtime`` wires the parts (no I/O beyond migrations and loading the registry);
``run_hub`` runs their loops in one TaskGroup with named tasks until cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import CollectorRegistry

from firmware_protocols.registry import default_registry
from hub.alarms.config import AlarmRules
from hub.alarms.engine import AlarmEngine
from hub.commands.repository import CommandRepository
from hub.commands.service import CommandService
from hub.config import Settings
from hub.connection_watch import BrokerMetrics, ConnectionObservers
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.domain.services import build_domain
from hub.domain.sparkplug_host import SparkplugHost
from hub.fleet_gauges import update_fleet_gauges
from hub.ingest.decoder import MessageDecoder
from hub.ingest.directory import DeviceDirectory
from hub.ingest.pipeline import IngestPipeline
from hub.ingest.registry_loader import registry_loader
from hub.live import EventBus
from hub.live_presence import PresenceToLive
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.runtime import HubRuntime
from hub.store.writer import StoreWriter
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport
from hub.twin import TwinStore

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 1.0


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def build_runtime(
    settings: Settings,
    broker_url: str | None = None,
    *,
    use_shared_subscriptions: bool = True,
    metrics_registry: CollectorRegistry | None = None,
    alarm_clock_ms: Callable[[], int] = wall_ms,
) -> HubRuntime:
    """Wire a hub. ``broker_url`` stands in for HUB_MQTT_URL (the embedded broker's)."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    metrics = HubMetrics.create(metrics_registry)
    codecs = default_registry()
    directory = DeviceDirectory(registry_loader(engine), codecs)
    directory.refresh()
    presence = PresenceTracker(PresenceTracker.timeout_for(settings.device_keepalive_s))
    for info in directory.devices():
        presence.register(info.device_id, info.kind)
    twins = TwinStore()
    options = TransportOptions.from_settings(
        settings,
        url=broker_url,
        **({} if use_shared_subscriptions and settings.share_group else {"share_group": None}),
    )
    connection_observers = ConnectionObservers()
    connection_observers.add(BrokerMetrics(metrics))
    sparkplug_host = SparkplugHost(settings.sparkplug_host_id, primary=settings.sparkplug_primary)
    connection_observers.add(sparkplug_host)
    transport = PahoTransport(
        options, codecs.subscriptions(), observer=connection_observers, will=sparkplug_host.will
    )
    decoder = MessageDecoder(codecs, directory, presence, twins, metrics, settings.instance_id)
    pipeline = IngestPipeline(
        transport,
        decoder,
        StoreWriter(engine),
        metrics,
        settings.instance_id,
        batch_size=settings.ingest_batch_size,
        flush_interval_s=settings.ingest_flush_interval_ms / 1000,
    )
    commands = CommandService(
        CommandRepository(engine),
        transport,
        directory,
        metrics,
        settings.instance_id,
        settings.command_timeout_s,
    )
    decoder.set_reply_listener(commands.on_reply)
    live = EventBus()
    pipeline.add_observer(PresenceToLive(live, directory))
    domain = build_domain(
        settings=settings,
        engine=engine,
        metrics=metrics,
        directory=directory,
        twins=twins,
        transport=transport,
        commands=commands,
        live=live,
        host=sparkplug_host,
    )
    pipeline.add_observer(domain)
    alarms = AlarmEngine(
        engine=engine,
        rules=AlarmRules.load(settings.alarm_rules_file),
        directory=directory,
        presence=presence,
        twins=twins,
        live=live,
        metrics=metrics,
        clock_ms=alarm_clock_ms,
    )
    pipeline.add_observer(alarms)
    metrics.ingest_queue_capacity.set(settings.ingest_queue_size)
    update_fleet_gauges(presence, metrics)
    return HubRuntime(
        settings=settings,
        engine=engine,
        metrics=metrics,
        codecs=codecs,
        directory=directory,
        presence=presence,
        twins=twins,
        transport=transport,
        pipeline=pipeline,
        commands=commands,
        live=live,
        connection_observers=connection_observers,
        domain=domain,
        alarms=alarms,
    )


async def presence_sweep_loop(runtime: HubRuntime, clock_ms: Callable[[], int] = wall_ms) -> None:
    """Mark silent devices offline and keep the fleet gauges current."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_S)
        transitions = runtime.presence.sweep(clock_ms())
        if transitions:
            runtime.pipeline.add_transitions(transitions)
        update_fleet_gauges(runtime.presence, runtime.metrics)


async def run_hub(
    runtime: HubRuntime,
    extra_tasks: dict[str, Callable[[HubRuntime], Coroutine[Any, Any, None]]] | None = None,
) -> None:
    """Run every loop of the hub until cancelled."""
    async with asyncio.TaskGroup() as group:
        group.create_task(runtime.transport.run(), name="mqtt-transport")
        group.create_task(runtime.pipeline.run(), name="ingest")
        group.create_task(runtime.commands.run(), name="command-persistence")
        group.create_task(presence_sweep_loop(runtime), name="presence-sweep")
        if runtime.domain is not None:
            group.create_task(runtime.domain.run(), name="domain")
        if runtime.alarms is not None:
            group.create_task(runtime.alarms.run(), name="alarms")
        for name, task in (extra_tasks or {}).items():
            group.create_task(task(runtime), name=name)
