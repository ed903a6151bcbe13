"""Registry changes across a hub replica's processes.

The front follows the change feed (one :class:`~hub.registry_sync.watcher.RegistryWatcher`
per replica), applies each change set to its own directory and presence mirror, and
relays it to every ingest worker (:class:`WorkerRelay`, a ``RegistryChanged`` signal).
Each worker applies it to what it owns (:class:`WorkerRegistrySync`): its directory, the
presence of its partition's devices (a disabled one goes offline at once), and new
allow-lists for its online doors; the worker then subscribes to what was added.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.ipc.signals import RegistryChanged
from hub.presence import PresenceTracker, Transition
from hub.registry_sync.allowlists import AllowListSync, PushAllowList
from hub.registry_sync.devices import DeviceSync
from hub.registry_sync.watcher import ChangeSet

log = logging.getLogger(__name__)


def signal_of(changes: ChangeSet) -> RegistryChanged:
    return RegistryChanged(
        device_ids=changes.device_ids,
        building_ids=changes.building_ids,
        everything=changes.everything,
        initial=changes.initial,
    )


def change_set_of(signal: RegistryChanged) -> ChangeSet:
    """The change set a worker applies (the revision is the front's business)."""
    return ChangeSet(
        revision=0,
        device_ids=signal.device_ids,
        building_ids=signal.building_ids,
        everything=signal.everything,
        initial=signal.initial,
    )


class WorkerRelay:
    """The front's listener that hands each change set to the ingest workers (in order:
    a worker handles its signals one after another)."""

    def __init__(self, broadcast: Callable[[RegistryChanged], Awaitable[None]]) -> None:
        self._broadcast = broadcast
        self.relayed = 0

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        await self._broadcast(signal_of(changes))
        self.relayed += 1


class WorkerRegistrySync:
    """What an ingest worker does with a relayed change set."""

    def __init__(
        self,
        *,
        engine: Engine,
        directory: DeviceDirectory,
        presence: PresenceTracker,
        record_transitions: Callable[[Sequence[Transition]], None],
        owns: Callable[[str], bool],
        push: PushAllowList,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self.devices = DeviceSync(
            engine=engine,
            directory=directory,
            presence=presence,
            record_transitions=record_transitions,
            clock_ms=clock_ms,
            owns=owns,
        )
        self.allowlists = AllowListSync(
            engine=engine, directory=directory, presence=presence, push=push, owns=owns
        )

    async def apply(self, signal: RegistryChanged) -> list[DeviceInfo]:
        """Apply the change set; the devices it added or changed."""
        changes = change_set_of(signal)
        await self.devices.on_registry_changes(changes)
        await self.allowlists.on_registry_changes(changes)
        return self.devices.changed
