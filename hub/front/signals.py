"""What the front does with its workers' signals.

- Presence changes update the front's mirror of the fleet's presence (the API's 409 for
  an offline door, the fleet summary, the ``hub_devices_online`` gauges) and become
  ``presence`` live events; a worker's periodic snapshot heals the mirror after a worker
  restart.
- Live events go to the event bus of the server-sent event stream.
- Command replies decoded from device data go to the command service.
- Command requests (the domain's grants, denials, allow-lists, setpoints) are sent by
  the command service on the command lane, and their outcome returned to the worker.

And the other way: a door unlock the front sent opens the grant window of the worker
that watches that door, so its opening is not taken for a forced one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from firmware_protocols.clock import wall_ms
from hub.alarms.desk import AlarmDesk
from hub.alarms.engine import LIVE_TYPE as ALARM_EVENT
from hub.commands.service import CommandService, SentCommand
from hub.domain.background import BackgroundTasks
from hub.domain.twin_settings import DEFAULT_PULSE_MS, MAX_PULSE_MS
from hub.errors import HubError
from hub.fleet_gauges import update_fleet_gauges
from hub.front.workers import WorkerPool
from hub.ingest.directory import DeviceDirectory
from hub.ipc.signals import (
    CommandRequest,
    CommandResult,
    GrantOpened,
    LiveEvents,
    PresenceChanges,
    PresenceSnapshot,
    Replies,
    WorkerHello,
    WorkerSignal,
)
from hub.live import EventBus, LiveEvent
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker, Transition

log = logging.getLogger(__name__)

OPENING_COMMANDS = frozenset({"unlock"})  # card and PIN grants: the worker knows already


class FrontSignals:
    def __init__(
        self,
        *,
        pool: WorkerPool,
        presence: PresenceTracker,
        directory: DeviceDirectory,
        live: EventBus,
        commands: CommandService,
        alarms: AlarmDesk,
        metrics: HubMetrics,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self._pool = pool
        self._alarms = alarms
        self._presence = presence
        self._directory = directory
        self._live = live
        self._commands = commands
        self._metrics = metrics
        self._clock_ms = clock_ms
        self.tasks = BackgroundTasks()
        commands.add_sent_listener(self._sent)

    async def on_worker_signal(self, index: int, signal: WorkerSignal) -> None:
        if isinstance(signal, PresenceChanges):
            self._presence_changed([t for t in signal.transitions if self._presence.apply(t)])
        elif isinstance(signal, PresenceSnapshot):
            now = self._clock_ms()
            changed = self._presence.reconcile(
                signal.online, signal.devices, now, signal.last_seen_ms
            )
            self._presence_changed(changed)
        elif isinstance(signal, LiveEvents):
            for event in signal.events:
                self._live.publish(event)
                if event.type == ALARM_EVENT:
                    self._alarms.changed()
        elif isinstance(signal, Replies):
            for reply in signal.replies:
                self._commands.on_reply(reply)
        elif isinstance(signal, CommandRequest):
            self.tasks.spawn(self._issue(index, signal), f"command-{signal.name}")
        elif isinstance(signal, WorkerHello):
            log.info("ingest worker %d running (pid %d)", signal.index, signal.pid)

    def on_worker_lost(self, index: int) -> None:
        log.warning("ingest worker %d lost; its devices' presence is kept until it is back", index)

    def _presence_changed(self, transitions: list[Transition]) -> None:
        if not transitions:
            return
        for transition in transitions:
            entry = self._directory.get(transition.device_id)
            self._live.publish(
                LiveEvent(
                    type="presence",
                    device_id=transition.device_id,
                    path=entry.info.path if entry is not None else None,
                    ts_ms=transition.ts_ms,
                    data={
                        "kind": transition.kind,
                        "online": transition.online,
                        "reason": transition.reason,
                    },
                )
            )
        update_fleet_gauges(self._presence, self._metrics, self._directory.devices())

    async def _issue(self, index: int, request: CommandRequest) -> None:
        try:
            outcome = await self._commands.issue(
                request.device_id,
                request.name,
                request.params,
                issued_by=request.issued_by,
                timeout_s=request.timeout_s,
                expires_at_ms=request.expires_at_ms,
            )
        except HubError as exc:  # unknown device, unsupported command, broker unreachable
            if request.request_id is not None:
                await self._reply(index, CommandResult(request.request_id, None, str(exc)))
            return
        if request.request_id is not None:
            await self._reply(index, CommandResult(request.request_id, outcome))

    async def _reply(self, index: int, result: CommandResult) -> None:
        channel = self._pool.slots[index].channel
        if channel is not None:
            try:
                await channel.send(result)
            except Exception:  # the worker is gone: it will not wait for this any more
                log.info("worker %d gone before a command result reached it", index)

    def _sent(self, command: SentCommand) -> None:
        if command.kind != "door" or command.name not in OPENING_COMMANDS:
            return
        pulse = command.params.get("pulse_ms")
        pulse_ms = (
            int(pulse)
            if isinstance(pulse, int | float) and not isinstance(pulse, bool) and pulse > 0
            else DEFAULT_PULSE_MS
        )
        grant = GrantOpened(command.device_id, command.sent_ms, min(pulse_ms, MAX_PULSE_MS))
        self.tasks.spawn(self._pool.send_to_owner(command.device_id, grant), "grant")
