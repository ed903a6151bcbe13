"""Registry changes to devices, applied to a hub process's views of them.

- the device directory (codec sessions, what the decoder accepts: a disabled device's
  messages become ``device_disabled`` dead letters, an unknown one's ``unknown_device``;
  the alarms, the domain, the command lane and the command service read devices from it);
- presence: a new device is registered, so its status, births and heartbeats count; a
  device disabled (or removed) while online goes offline at once, reason ``disabled``
  (``removed``), recorded like any other transition; a removed device is then forgotten,
  so the fleet's totals no longer count it. Only the process that decides a
  device's presence (its ingest worker: ``owns``, ``record_transitions``) does that; the
  front's mirror follows the worker's transitions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.ingest.registry_loader import load_device_infos, registry_loader
from hub.presence import PresenceTracker, Transition
from hub.registry_sync.watcher import ChangeSet

log = logging.getLogger(__name__)

DISABLED = "disabled"
REMOVED = "removed"


class DeviceSync:
    def __init__(
        self,
        *,
        engine: Engine,
        directory: DeviceDirectory,
        presence: PresenceTracker,
        record_transitions: Callable[[Sequence[Transition]], None] | None,
        clock_ms: Callable[[], int],
        owns: Callable[[str], bool] = lambda _device_id: True,
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._presence = presence
        self._record_transitions = record_transitions
        self._clock_ms = clock_ms
        self._owns = owns
        self.changed: list[DeviceInfo] = []  # of the last change set (for the caller)
        self.removed: list[str] = []
        self._load_all = registry_loader(engine)

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        if changes.everything:
            infos = await asyncio.to_thread(self._load_all)
            changed, removed = self._directory.replace_all(infos)
        elif changes.device_ids:
            infos = await asyncio.to_thread(load_device_infos, self._engine, changes.device_ids)
            found = {info.device_id for info in infos}
            removed = sorted(changes.device_ids - found)
            changed = self._directory.apply(infos, removed)
        else:
            changed, removed = [], []
        self.changed, self.removed = list(changed), list(removed)
        self._apply(changed, removed)

    def _apply(self, changed: Sequence[DeviceInfo], removed: Sequence[str]) -> None:
        now = self._clock_ms()
        transitions: list[Transition] = []
        for info in changed:
            if not self._owns(info.device_id):
                continue
            self._presence.register(info.device_id, info.kind)
            if not info.enabled:
                transitions += self._offline(info.device_id, DISABLED, now)
        for device_id in removed:
            if self._owns(device_id):
                transitions += self._offline(device_id, REMOVED, now)
            self._presence.forget(device_id)  # after its offline transition, if any
        if transitions and self._record_transitions is not None:
            self._record_transitions(transitions)
        if changed or removed:
            log.info(
                "registry: %d devices added or changed, %d removed (%d taken offline)",
                len(changed),
                len(removed),
                len(transitions),
            )

    def _offline(self, device_id: str, reason: str, now_ms: int) -> list[Transition]:
        if self._record_transitions is None or not self._presence.is_online(device_id):
            return []
        transition = self._presence.observe(device_id, False, reason, now_ms)
        return [] if transition is None else [transition]
