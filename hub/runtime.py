"""The parts of a running hub's front process, as one typed container handed to the API
(shared state in a typed dataclass, built by a factory in :mod:`hub.service`, never at
import time).

The front owns what a request needs at once: the registry's device directory, the mirror
of the fleet's presence its workers keep current, the command lane (``transport``) and
its command service, the live event bus, the alarms desk and the Sparkplug host. Device
data is ingested by the ``workers``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from firmware_protocols.codecs import Codecs
from hub.alarms.desk import AlarmDesk
from hub.commands.service import CommandService
from hub.config import Settings
from hub.connection_watch import ConnectionObservers
from hub.db.loop_calls import LoopCalls
from hub.domain.sparkplug_host import SparkplugHost
from hub.front.command_lane import CommandLane
from hub.front.signals import FrontSignals
from hub.front.workers import WorkerPool
from hub.ingest.directory import DeviceDirectory
from hub.live import EventBus
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker
from hub.transport.paho_transport import PahoTransport


@dataclass(frozen=True, slots=True)
class HubRuntime:
    settings: Settings
    engine: Engine
    loop_calls: LoopCalls  # the calls a person waits for (token, claim, audit row)
    metrics: HubMetrics
    codecs: Codecs
    directory: DeviceDirectory
    presence: PresenceTracker
    transport: PahoTransport
    commands: CommandService
    lane: CommandLane
    live: EventBus
    connection_observers: ConnectionObservers
    workers: WorkerPool
    signals: FrontSignals
    alarms: AlarmDesk
    host: SparkplugHost

    @property
    def ready(self) -> bool:
        """The command lane and every ingest worker are connected to the broker."""
        return self.transport.connected and self.workers.connected
