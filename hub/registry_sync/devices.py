"""Registry changes to devices, applied to the running hub's views of them.

- the device directory (codec sessions, what the decoder accepts: a disabled device's
  messages become ``device_disabled`` dead letters, an unknown one's ``unknown_device``;
  the alarms, the domain and the command service read devices from it too);
- presence: a new device is registered, so its status, births and heartbeats count; a
  device disabled (or removed) while online goes offline at once, reason ``disabled``
  (``removed``), recorded like any other transition.
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
        record_transitions: Callable[[Sequence[Transition]], None],
        clock_ms: Callable[[], int],
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._presence = presence
        self._record_transitions = record_transitions
        self._clock_ms = clock_ms
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
            return
        self._apply(changed, removed)

    def _apply(self, changed: Sequence[DeviceInfo], removed: Sequence[str]) -> None:
        now = self._clock_ms()
        transitions: list[Transition] = []
        for info in changed:
            self._presence.register(info.device_id, info.kind)
            if not info.enabled:
                transitions += self._offline(info.device_id, DISABLED, now)
        for device_id in removed:
            transitions += self._offline(device_id, REMOVED, now)
        if transitions:
            self._record_transitions(transitions)
        if changed or removed:
            log.info(
                "registry: %d devices added or changed, %d removed (%d taken offline)",
                len(changed),
                len(removed),
                len(transitions),
            )

    def _offline(self, device_id: str, reason: str, now_ms: int) -> list[Transition]:
        if not self._presence.is_online(device_id):
            return []
        transition = self._presence.observe(device_id, False, reason, now_ms)
        return [] if transition is None else [transition]
