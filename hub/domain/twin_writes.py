"""Store a twin the domain changed (lowered stock, desired allow-list version).

Twins are written by the ingest batch that changed them; a change the domain makes after
the batch is written here, through the store's own upsert, whose versions only move
forward, so a late write never undoes a newer one.
"""

from __future__ import annotations

import copy

from hub.domain.db_lane import DbLane
from hub.store.rows import TwinRow, WriteBatch
from hub.store.writer import StoreWriter
from hub.twin import Twin


def twin_row(twin: Twin) -> TwinRow:
    """A snapshot, taken on the event loop (the twin keeps changing there)."""
    return TwinRow(
        twin.device_id,
        copy.deepcopy(twin.reported),
        twin.reported_version,
        copy.deepcopy(twin.desired),
        twin.desired_version,
        twin.updated_ms,
    )


async def persist_twin(lane: DbLane, writer: StoreWriter, twin: Twin) -> None:
    row = twin_row(twin)
    await lane.run(lambda: writer.write(WriteBatch(twins=[row])))
