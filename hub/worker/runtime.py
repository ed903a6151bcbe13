"""Build an ingest worker from settings: the parts that ingest, remember and judge one
partition of the fleet.

Each worker has its own MQTT connection (client id ``<instance>-ingest-<n>``, its own
persistent session) subscribed to the exact topics of its own devices, its own store
writer, presence tracker and twins, and the domain logic and alarm rules of its devices.
What the front must know goes through the :class:`~hub.worker.front_link.FrontLink`.
No I/O here beyond reading the registry and the stored twins.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from firmware_protocols.base import Subscription
from firmware_protocols.clock import wall_ms
from firmware_protocols.codecs import Codecs, all_codecs
from hub.alarms.config import AlarmRules
from hub.alarms.engine import QUEUE_SIGNALS, AlarmEngine
from hub.config import Settings
from hub.connection_watch import BrokerMetrics, ConnectionObservers
from hub.db.engine import make_engine
from hub.domain.services import QUEUE_BATCHES, DomainServices, build_domain
from hub.firmware.follower import FirmwareFollower
from hub.ingest.decoder import MessageDecoder
from hub.ingest.directory import DeviceDirectory
from hub.ingest.pipeline import IngestPipeline
from hub.ingest.registry_loader import registry_loader
from hub.live import LiveEvent
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.store.reads import load_twins
from hub.store.writer import StoreWriter
from hub.transport.base import ConnectionObserver, Transport
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport
from hub.twin import Twin, TwinStore
from hub.worker.front_link import FrontLink
from hub.worker.partition import Partition, device_filters


class WorkerLive:
    """The worker's live events: the alarm rules hear the domain's conclusions directly
    (typed, never dropped), then the front gets them for its event stream."""

    def __init__(self, link: FrontLink) -> None:
        self._link = link
        self.alarms: AlarmEngine | None = None

    def publish(self, event: LiveEvent) -> None:
        if self.alarms is not None:
            self.alarms.on_live(event)
        self._link.publish(event)


@dataclass(frozen=True, slots=True)
class WorkerRuntime:
    settings: Settings
    partition: Partition
    engine: Engine
    metrics: HubMetrics
    codecs: Codecs
    directory: DeviceDirectory
    presence: PresenceTracker
    twins: TwinStore
    transport: Transport
    connection_observers: ConnectionObservers
    pipeline: IngestPipeline
    link: FrontLink
    domain: DomainServices
    alarms: AlarmEngine

    def owned_devices(self) -> list[str]:
        owns = self.partition.owns
        return [info.device_id for info in self.directory.devices() if owns(info.device_id)]


def _as_dict(state: Mapping[str, Any] | str) -> dict[str, Any]:
    """A stored twin's state (read back as a mapping; JSON text only when written)."""
    value = json.loads(state) if isinstance(state, str) else state
    return dict(value) if isinstance(value, Mapping) else {}


def client_id(settings: Settings, partition: Partition) -> str:
    return f"{settings.instance_id}-ingest-{partition.index}"


TransportFactory = Callable[
    [TransportOptions, Sequence[Subscription], ConnectionObserver], Transport
]


def paho_transport(
    options: TransportOptions, subscriptions: Sequence[Subscription], observer: ConnectionObserver
) -> Transport:
    return PahoTransport(options, subscriptions, observer=observer)


def build_worker(
    settings: Settings,
    broker_url: str,
    partition: Partition,
    link: FrontLink,
    *,
    use_shared_subscriptions: bool = True,
    metrics_registry: CollectorRegistry | None = None,
    alarm_clock_ms: Callable[[], int] = wall_ms,
    make_transport: TransportFactory = paho_transport,
    domain_queue_batches: int = QUEUE_BATCHES,
    alarm_queue_signals: int = QUEUE_SIGNALS,
) -> WorkerRuntime:
    """Wire one worker. The front has migrated the database already. ``make_transport``
    is the broker connection (the contract tests give an in-memory one); the queue
    limits say how far the domain and the alarm rules may fall behind before ingest
    waits for them (the contract tests make them small)."""
    engine = make_engine(settings.database_url)
    metrics = HubMetrics.create(metrics_registry)
    codecs = all_codecs()
    directory = DeviceDirectory(registry_loader(engine), codecs)
    directory.refresh()
    owned = [info for info in directory.devices() if partition.owns(info.device_id)]
    presence = PresenceTracker(PresenceTracker.timeout_for(settings.device_keepalive_s))
    for info in owned:
        presence.register(info.device_id, info.kind)
    twins = TwinStore()
    mine = {info.device_id for info in owned}
    for row in load_twins(engine).values():
        if row.device_id in mine:
            twins.load(
                Twin(
                    row.device_id,
                    _as_dict(row.reported),
                    row.reported_version,
                    _as_dict(row.desired),
                    row.desired_version,
                    row.updated_ms,
                )
            )
    shared = use_shared_subscriptions and bool(settings.share_group)
    options = TransportOptions.from_settings(
        settings,
        url=broker_url,
        client_id=client_id(settings, partition),
        queue_size=settings.ingest_queue_size,
        **({} if shared else {"share_group": None}),
    )
    connection_observers = ConnectionObservers()
    connection_observers.add(BrokerMetrics(metrics))
    transport = make_transport(
        options, list(device_filters(codecs, owned).values()), connection_observers
    )
    decoder = MessageDecoder(
        codecs, directory, presence, twins, metrics, settings.instance_id, link.on_reply
    )
    pipeline = IngestPipeline(
        transport,
        decoder,
        StoreWriter(engine),
        metrics,
        settings.instance_id,
        batch_size=settings.ingest_batch_size,
        flush_interval_s=settings.ingest_flush_interval_ms / 1000,
        # SQLite: one writer at a time, and the front waits for the write lock on behalf
        # of a resident. Written on the worker's own loop, a batch holds the lock for the
        # database's work alone, not also while a second thread of the worker decodes and
        # takes the GIL in turns. PostgreSQL's round trips overlap decoding in a thread.
        write_in_thread=engine.dialect.name != "sqlite",
    )
    live = WorkerLive(link)
    domain = build_domain(
        settings=settings,
        engine=engine,
        metrics=metrics,
        directory=directory,
        twins=twins,
        transport=transport,
        commands=link,
        live=live,
        queue_batches=domain_queue_batches,
    )
    alarms = AlarmEngine(
        engine=engine,
        rules=AlarmRules.load(settings.alarm_rules_file),
        directory=directory,
        presence=presence,
        twins=twins,
        live=link,
        metrics=metrics,
        clock_ms=alarm_clock_ms,
        owned=partition.owns,
        queue_limit=alarm_queue_signals,
    )
    live.alarms = alarms
    domain.records.audits.listeners.append(alarms.on_dex_audit)  # to the DEX alarm rule
    pipeline.add_recorder(domain.records)  # in the batch's transaction
    pipeline.add_observer(link)
    pipeline.add_observer(domain)
    pipeline.add_observer(alarms)
    # Firmware: the registry follows the versions devices report (hub.firmware.follower).
    pipeline.add_observer(FirmwareFollower(engine, directory))
    pipeline.add_backlog(link)
    pipeline.add_backlog(domain)
    pipeline.add_backlog(alarms)
    metrics.ingest_queue_capacity.set(settings.ingest_queue_size)
    return WorkerRuntime(
        settings=settings,
        partition=partition,
        engine=engine,
        metrics=metrics,
        codecs=codecs,
        directory=directory,
        presence=presence,
        twins=twins,
        transport=transport,
        connection_observers=connection_observers,
        pipeline=pipeline,
        link=link,
        domain=domain,
        alarms=alarms,
    )
