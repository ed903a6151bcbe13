"""Open alarms follow their device when it moves.

An alarm carries the path of its device's place (``device_path``), and that path decides
which operators see it. When an operator moves a device to another place (its registry
``location``), its open alarms (active or acknowledged) take the device's new path: the
operators of the new place see them, those of the old place no longer do. Cleared alarms
keep the path they were raised under, as history does.

The front's registry watcher calls :class:`OpenAlarmsFollowDevices` after each change set
that names devices, and once at start (a move made while the hub was down). One statement
moves the open alarms of the changed devices (all of them at start or after a reseed)
whose path differs from their device's, so several replicas doing the same write agree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from sqlalchemy import Engine, select, update

from hub.alarms.listing import CLEARED
from hub.alarms.tables import ALARM
from hub.db.tables import table_of
from hub.db.write_lock import begin_write
from hub.registry.models import Device
from hub.registry_sync.watcher import ChangeSet

log = logging.getLogger(__name__)

_DEVICE = table_of(Device)
_DEVICE_PATH = select(_DEVICE.c.path).where(_DEVICE.c.id == ALARM.c.device_id).scalar_subquery()
_FOLLOW = (
    update(ALARM)
    .where(ALARM.c.state != CLEARED, ALARM.c.device_path != _DEVICE_PATH)
    .values(device_path=_DEVICE_PATH)
)


def move_open_alarms(engine: Engine, device_ids: Collection[str] | None = None) -> int:
    """Give every open alarm (of ``device_ids`` only, if given) its device's current path;
    how many moved."""
    statement = _FOLLOW
    if device_ids is not None:
        statement = statement.where(ALARM.c.device_id.in_(sorted(device_ids)))
    with engine.connect() as conn:
        begin_write(conn)
        moved = conn.execute(statement).rowcount
        conn.commit()
    return moved


class OpenAlarmsFollowDevices:
    """A registry listener (see :class:`~hub.registry_sync.watcher.RegistryListener`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        if changes.initial or changes.everything:
            devices = None  # at start, or after a reseed: every open alarm
        elif changes.device_ids:
            devices = changes.device_ids  # only the alarms of the devices that changed
        else:
            return
        moved = await asyncio.to_thread(move_open_alarms, self._engine, devices)
        if moved:
            log.info("registry: %d open alarms moved with their devices", moved)
