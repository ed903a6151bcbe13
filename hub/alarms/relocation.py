"""Open alarms follow their device when it moves.

An alarm carries the path of its device's place (``device_path``), and that path decides
which operators see it. When an operator moves a device to another place (its registry
``location``), its open alarms (active or acknowledged) take the device's new path: the
operators of the new place see them, those of the old place no longer do. Cleared alarms
keep the path they were raised under, as history does.

The front's registry watcher calls :class:`OpenAlarmsFollowDevices` after each change set
that names devices, and once at start (a move made while the hub was down). One statement
moves every open alarm whose path differs from its device's, so the change set's details
do not matter and several replicas doing the same write agree.
"""

from __future__ import annotations

import asyncio
import logging

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


def move_open_alarms(engine: Engine) -> int:
    """Give every open alarm its device's current path; how many moved."""
    with engine.connect() as conn:
        begin_write(conn)
        moved = conn.execute(_FOLLOW).rowcount
        conn.commit()
    return moved


class OpenAlarmsFollowDevices:
    """A registry listener (see :class:`~hub.registry_sync.watcher.RegistryListener`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def on_registry_changes(self, changes: ChangeSet) -> None:
        if not (changes.initial or changes.everything or changes.device_ids):
            return
        moved = await asyncio.to_thread(move_open_alarms, self._engine)
        if moved:
            log.info("registry: %d open alarms moved with their devices", moved)
