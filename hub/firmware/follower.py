"""The registry follows the firmware versions devices report (an ingest observer).

When a committed batch changes a device's reported ``firmware`` (the lockerlink online
status, the Sparkplug NBIRTH, the door's status), and it differs from the version the
registry has, the device directory resolves the codec of the new version at once and the
registry's ``firmware_version`` is updated in the background. Versions without a codec
are logged and left out of the registry.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine, update

from firmware_protocols.clock import wall_ms
from hub.db.tables import table_of
from hub.domain.db_lane import DbLane
from hub.ingest.batch import CommittedBatch
from hub.ingest.directory import DeviceDirectory
from hub.registry.change_feed import ChangeDraft, lock_registry_writes, record_changes
from hub.registry.models import Device

log = logging.getLogger(__name__)
DEVICE = table_of(Device)
MAX_PENDING = 1000


def record_version(engine: Engine, device_id: str, version: str) -> None:
    """A registry write: on the change feed, so every process of every replica follows."""
    with engine.begin() as conn:
        lock_registry_writes(conn)
        changed = conn.execute(
            update(DEVICE)
            .where(DEVICE.c.id == device_id, DEVICE.c.firmware_version != version[:32])
            .values(firmware_version=version[:32])
        ).rowcount
        if changed:
            record_changes(
                conn,
                [ChangeDraft("device", device_id, "updated")],
                actor="firmware-follower",
                ts_ms=wall_ms(),
            )


class FirmwareFollower:
    def __init__(self, engine: Engine, directory: DeviceDirectory) -> None:
        self._engine = engine
        self._directory = directory
        self._lane = DbLane("firmware-follower")
        self._pending: set[asyncio.Task[None]] = set()
        self.followed = 0

    def on_committed(self, batch: CommittedBatch) -> None:
        for twin in batch.twins:
            version = twin.reported.get("firmware")
            if not isinstance(version, str) or not 1 <= len(version) <= 32:
                continue
            info = self._directory.follow_firmware(twin.device_id, version)
            if info is None:
                continue
            self.followed += 1
            log.info("%s now runs firmware %s", info.device_id, version)
            self._save(info.device_id, version)

    def _save(self, device_id: str, version: str) -> None:
        if len(self._pending) >= MAX_PENDING:
            log.error("registry version of %s not saved: too many pending writes", device_id)
            return
        task = asyncio.get_running_loop().create_task(self._write(device_id, version))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, device_id: str, version: str) -> None:
        try:
            await self._lane.run(lambda: record_version(self._engine, device_id, version))
        except Exception:  # the write's edge: log, the next status tries again
            log.exception("registry version of %s not saved", device_id)

    def idle(self) -> bool:
        return not self._pending
