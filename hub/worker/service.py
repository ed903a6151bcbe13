"""Run an ingest worker: its connection, pipeline, presence sweep, domain, alarms and its
link to the front, in one TaskGroup, until the front says stop or goes away."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

from firmware_protocols.base import Subscription
from firmware_protocols.clock import wall_ms
from hub.event_wait import set_within
from hub.ipc.channel import ChannelClosed
from hub.ipc.metrics import samples_of
from hub.ipc.signals import (
    GrantOpened,
    MetricSamples,
    PresenceSnapshot,
    RegistryChanged,
    WorkerStats,
)
from hub.registry_sync.processes import WorkerRegistrySync
from hub.worker.front_link import FrontHandlers
from hub.worker.partition import device_filters
from hub.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 1.0
REPORT_INTERVAL_S = 1.0
SNAPSHOT_EVERY = 5  # reports: the partition's whole presence every 5 s


class WorkerStopped(Exception):
    """The front asked the worker to stop, or is gone."""


class Subscriptions:
    """The worker's device filters, kept in step with the registry."""

    def __init__(self, worker: WorkerRuntime) -> None:
        self._worker = worker
        self.current = self._wanted()
        self._sync = WorkerRegistrySync(
            engine=worker.engine,
            directory=worker.directory,
            presence=worker.presence,
            record_transitions=worker.pipeline.add_transitions,
            owns=worker.partition.owns,
            push=worker.domain.config_push.allowlist_changed,
        )

    def _wanted(self) -> dict[str, Subscription]:
        worker = self._worker
        owns = worker.partition.owns
        owned = [info for info in worker.directory.devices() if owns(info.device_id)]
        return device_filters(worker.codecs, owned)

    async def follow_registry(self, changed: RegistryChanged) -> None:
        """Apply the change (hub/registry_sync: directory, presence, allow-lists of online
        doors), then subscribe to what it added and drop what it removed."""
        worker = self._worker
        await self._sync.apply(changed)
        wanted = self._wanted()
        added = [s for f, s in wanted.items() if f not in self.current]
        removed = [s for f, s in self.current.items() if f not in wanted]
        self.current = wanted
        if added:
            await worker.transport.subscribe(added)
        if removed:
            await worker.transport.unsubscribe(removed)
        if added or removed:
            log.info("registry changed: %d filters added, %d removed", len(added), len(removed))


async def _sweep(worker: WorkerRuntime, clock_ms: Callable[[], int]) -> None:
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_S)
        transitions = worker.presence.sweep(clock_ms())
        if transitions:
            worker.pipeline.add_transitions(transitions)


class ReportNow:
    """A connection observer: (dis)connecting is reported to the front at once."""

    def __init__(self) -> None:
        self.due = asyncio.Event()

    def on_connected(self, generation: int, session_present: bool) -> None:
        self.due.set()

    def on_disconnected(self, generation: int, reason: str) -> None:
        self.due.set()


async def _report(worker: WorkerRuntime, now: ReportNow) -> None:
    """Counters, samples and (every few seconds) the partition's presence, to the front."""
    count = 0
    while True:
        transport = worker.transport
        await worker.link.send(
            WorkerStats(
                worker.partition.index,
                os.getpid(),
                worker.pipeline.committed_messages,
                worker.pipeline.last_commit_ms,
                transport.buffered(),
                transport.connected,
                transport.reading_paused,
            )
        )
        await worker.link.send(MetricSamples(samples_of(worker.metrics.registry)))
        if count % SNAPSHOT_EVERY == 0:
            owned = worker.owned_devices()
            presence = worker.presence
            seen = {d: s.last_seen_ms for d in owned if (s := presence.get(d)) and s.last_seen_ms}
            await worker.link.send(
                PresenceSnapshot(
                    frozenset(d for d in owned if presence.is_online(d)), frozenset(owned), seen
                )
            )
        count += 1
        await set_within(now.due, REPORT_INTERVAL_S)
        now.due.clear()


async def run_worker(worker: WorkerRuntime, clock_ms: Callable[[], int] = wall_ms) -> None:
    """Run every loop of the worker until the front stops it (or cancellation)."""
    stopped = asyncio.Event()
    subscriptions = Subscriptions(worker)
    report_now = ReportNow()
    worker.connection_observers.add(report_now)
    doors = worker.domain.doors

    def grant_opened(grant: GrantOpened) -> None:
        doors.granted(grant.device_id, grant.at_ms, grant.pulse_ms)

    async def registry_changed(changed: RegistryChanged) -> None:
        worker.domain.config_push.allowlists.invalidate()
        await subscriptions.follow_registry(changed)

    handlers = FrontHandlers(
        registry_changed=registry_changed,
        grant_opened=grant_opened,
        stop=stopped.set,
    )

    async def until_stopped() -> None:
        await stopped.wait()
        raise WorkerStopped

    label = worker.partition.index
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(worker.transport.run(), name=f"w{label}-mqtt")
            group.create_task(worker.pipeline.run(), name=f"w{label}-ingest")
            group.create_task(_sweep(worker, clock_ms), name=f"w{label}-presence-sweep")
            group.create_task(worker.domain.run(), name=f"w{label}-domain")
            group.create_task(worker.alarms.run(), name=f"w{label}-alarms")
            group.create_task(worker.link.run(handlers), name=f"w{label}-front-link")
            group.create_task(_report(worker, report_now), name=f"w{label}-report")
            group.create_task(until_stopped(), name=f"w{label}-stop")
    except* WorkerStopped:
        log.info("ingest worker %s stopped", worker.partition.label())
    except* ChannelClosed:
        # The front went away (stopped, or killed) while the worker was telling it
        # something: nothing is lost (messages are acknowledged after their commit), and
        # without its front the worker has no one to work for.
        log.info("ingest worker %s stopped: the front closed its channel", worker.partition.label())
