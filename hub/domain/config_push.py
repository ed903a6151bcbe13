"""Desired configuration pushed to devices: sent again when a device comes online.

- Vending machines: ``set_temperature`` with the twin's desired ``setpoint_c``, if set.
- Door units: ``push_allowlist`` with the building's card allow-list
  (:mod:`hub.domain.building_allowlist`), unless the unit reported holding that very
  version; the version the hub wants is written to the twin's desired
  ``allowlist_version``. A unit confirms a push only once it has stored the whole list,
  so its confirmation is its report of the version it holds: the twin's reported
  ``allowlist_version`` takes it. A unit reports the version in its status only when it
  connects; without this, one that came back from a silence (online again by its traffic,
  no status) would be sent the list it holds once more.
- Lockers have no configuration to resend.

While a door unit is online, a change to its building's cards (added, revoked, a
resident moving in or out) is pushed to it at once (:meth:`ConfigPush.allowlist_changed`,
called by the registry watcher in :mod:`hub.registry_sync`).

Commands go out in the background; their outcomes are logged, never waited for here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from hub.commands.models import CommandState
from hub.domain.allowlist_cache import AllowListCache
from hub.domain.background import BackgroundTasks
from hub.domain.building_allowlist import BuildingAllowList, building_allowlist
from hub.domain.door_access import door_building_id
from hub.domain.issuing import CommandIssuer, issue_logged
from hub.domain.lane_store import LaneStore
from hub.domain.twin_settings import ALLOWLIST_VERSION, SETPOINT_C
from hub.ingest.directory import DeviceInfo
from hub.registry.credentials import building_credentials
from hub.twin import TwinStore

log = logging.getLogger(__name__)

ISSUED_BY = "desired-config"


def door_allowlist(engine: Engine, device_id: str) -> BuildingAllowList | None:
    """The allow-list for a door unit's building, or None if it has no building."""
    with Session(engine) as session:
        building_id = door_building_id(session, device_id)
        if building_id is None:
            return None
        return building_allowlist(building_credentials(session, building_id))


class ConfigPush:
    def __init__(
        self,
        *,
        store: LaneStore,
        twins: TwinStore,
        commands: CommandIssuer,
        tasks: BackgroundTasks,
        clock_ms: Callable[[], int],
    ) -> None:
        self._store = store
        self._engine = store.engine
        self._twins = twins
        self._commands = commands
        self._tasks = tasks
        self._clock_ms = clock_ms
        self.allowlists = AllowListCache(store.engine)

    async def on_online(self, device: DeviceInfo) -> list[str]:
        """Send what the device's desired configuration implies; the command names sent."""
        if device.kind == "vending":
            return self._vending(device)
        if device.kind == "door":
            return await self._door(device)
        return []

    def _send(self, device_id: str, name: str, params: dict[str, object]) -> str:
        self._tasks.spawn(
            issue_logged(self._commands, device_id, name, params, issued_by=ISSUED_BY),
            f"{name}-{device_id}",
        )
        return name

    def _vending(self, device: DeviceInfo) -> list[str]:
        twin = self._twins.get(device.device_id)
        setpoint = None if twin is None else twin.desired.get(SETPOINT_C)
        if (
            isinstance(setpoint, bool)
            or not isinstance(setpoint, int | float)
            or not math.isfinite(setpoint)
        ):
            return []
        return [self._send(device.device_id, "set_temperature", {"setpoint_c": float(setpoint)})]

    async def _door(self, device: DeviceInfo) -> list[str]:
        device_id = device.device_id
        allowlist = await self._store.run(lambda: self.allowlists.for_door(device_id))
        if allowlist is None:
            log.warning("door %s is not under a building: no allow-list", device_id)
            return []
        changed = self._twins.desire(
            device_id, {ALLOWLIST_VERSION: allowlist.version}, self._clock_ms()
        )
        if changed is not None:
            await self._store.persist_twin(changed)
        twin = self._twins.get(device_id)
        if twin is not None and twin.reported.get(ALLOWLIST_VERSION) == allowlist.version:
            return []
        return [self._push(device_id, allowlist)]

    async def allowlist_changed(self, device: DeviceInfo) -> bool:
        """Push the door's allow-list if its building's list is no longer the one the hub
        wanted (the twin's desired version); whether a push went out. The caller dropped
        the cached lists when it heard of the change."""
        device_id = device.device_id
        allowlist = await self._store.run(lambda: self.allowlists.for_door(device_id))
        if allowlist is None:
            return False
        changed = self._twins.desire(
            device_id, {ALLOWLIST_VERSION: allowlist.version}, self._clock_ms()
        )
        if changed is None:
            return False
        await self._store.persist_twin(changed)
        self._push(device_id, allowlist)
        return True

    def _push(self, device_id: str, allowlist: BuildingAllowList) -> str:
        self._tasks.spawn(self._push_and_note(device_id, allowlist), f"push_allowlist-{device_id}")
        return "push_allowlist"

    async def _push_and_note(self, device_id: str, allowlist: BuildingAllowList) -> None:
        """Push the list; once the unit confirms, its twin reports that version."""
        outcome = await issue_logged(
            self._commands, device_id, "push_allowlist", allowlist.params(), issued_by=ISSUED_BY
        )
        if outcome is None or outcome.state is not CommandState.CONFIRMED:
            return
        held = {ALLOWLIST_VERSION: allowlist.version}
        changed = self._twins.report(device_id, held, self._clock_ms())
        if changed is not None:
            await self._store.persist_twin(changed)
