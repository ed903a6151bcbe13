"""Publish presence transitions of committed batches on the live event bus."""

from __future__ import annotations

from hub.ingest.batch import CommittedBatch
from hub.ingest.directory import DeviceDirectory
from hub.live import EventBus, LiveEvent


class PresenceToLive:
    def __init__(self, bus: EventBus, directory: DeviceDirectory) -> None:
        self._bus = bus
        self._directory = directory

    def on_committed(self, batch: CommittedBatch) -> None:
        for transition in batch.transitions:
            entry = self._directory.get(transition.device_id)
            self._bus.publish(
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
