"""Registry changes to cards and residents, pushed to the affected online door units.

A credential added or revoked, or a resident moving in, out or between buildings, is
recorded with the building(s) it touches. Every enabled door unit of those buildings
that is online gets the building's new allow-list at once, so a revoked card stops
opening the door in its offline fallback too (the hub refuses it online already, since it
decides from the registry). A door moved to another building, or enabled, gets its new
building's list. Doors that are offline get theirs when they come online
(:mod:`hub.domain.config_push`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

from sqlalchemy import Engine
from sqlmodel import Session

from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.presence import PresenceTracker
from hub.registry.queries import door_ids_in_buildings
from hub.registry_sync.watcher import ChangeSet

log = logging.getLogger(__name__)

PushAllowList = Callable[[DeviceInfo], Awaitable[bool]]


def _doors_in(engine: Engine, building_ids: Collection[int]) -> list[str]:
    with Session(engine) as session:
        return door_ids_in_buildings(session, building_ids)


class AllowListSync:
    def __init__(
        self,
        *,
        engine: Engine,
        directory: DeviceDirectory,
        presence: PresenceTracker,
        push: PushAllowList,
        owns: Callable[[str], bool] = lambda _device_id: True,
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._presence = presence
        self._push = push
        self._owns = owns
        self.pushed = 0

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        if changes.initial:
            return
        if changes.everything:
            door_ids = {info.device_id for info in self._directory.devices()}
        else:
            door_ids = set(changes.device_ids)
            if changes.building_ids:
                door_ids |= set(
                    await asyncio.to_thread(_doors_in, self._engine, changes.building_ids)
                )
        for device_id in sorted(door_ids):
            if not self._owns(device_id):
                continue  # its own ingest worker pushes it
            entry = self._directory.get(device_id)
            if entry is None or entry.info.kind != "door" or not entry.info.enabled:
                continue
            if not self._presence.is_online(device_id):
                continue
            if await self._push(entry.info):
                self.pushed += 1
                log.info("registry: pushed a new allow-list to %s", device_id)
