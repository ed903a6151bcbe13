"""The parts of a running hub, as one typed container handed to the API and to the
domain services (STYLE habit 5: shared state in a typed dataclass, built by a factory in
:mod:`hub.service`, never at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from firmware_protocols.registry import DefinitionRegistry
from hub.alarms.engine import AlarmEngine
from hub.commands.service import CommandService
from hub.config import Settings
from hub.connection_watch import ConnectionObservers
from hub.domain.services import DomainServices
from hub.ingest.directory import DeviceDirectory
from hub.ingest.pipeline import IngestPipeline
from hub.live import EventBus
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.transport.base import Transport
from hub.twin import TwinStore


@dataclass(frozen=True, slots=True)
class HubRuntime:
    settings: Settings
    engine: Engine
    metrics: HubMetrics
    codecs: DefinitionRegistry
    directory: DeviceDirectory
    presence: PresenceTracker
    twins: TwinStore
    transport: Transport
    pipeline: IngestPipeline
    commands: CommandService
    live: EventBus
    connection_observers: ConnectionObservers
    domain: DomainServices | None = None
    alarms: AlarmEngine | None = None
