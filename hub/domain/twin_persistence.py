"""Store a twin the domain changed (lowered stock, desired allow-list version).

Twins are written by the ingest batch that changed them; a change the domain makes after
the batch is written here, through the store's own upsert, whose versions only move
forward, so a late write never undoes a newer one.
"""

from __future__ import annotations

from hub.domain.db_lane import DbLane
from hub.store.rows import WriteBatch
from hub.store.screen import twin_snapshot
from hub.store.writer import StoreWriter
from hub.twin import Twin


async def persist_twin(lane: DbLane, writer: StoreWriter, twin: Twin) -> None:
    row = twin_snapshot(twin)  # on the event loop: the twin keeps changing there
    await lane.run(lambda: writer.write(WriteBatch(twins=[row])))
