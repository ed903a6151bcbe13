"""What a part of the domain reads and writes outside the ingest batch, on its lane.

The domain's records (access decisions, parcels, sales, DEX audits) go in the ingest
batch's own transaction (:mod:`hub.domain.records`). What a part does after a batch or on
a timer goes through its :class:`LaneStore`: reads (a door's recent grants, a building's
allow-list), twins it changed (a slot's lowered stock, the desired allow-list version)
and the door alerts a timer raises (held open). Everything runs on the part's
:class:`~hub.domain.db_lane.DbLane`, in order, and writes go through the store's own
upserts, whose twin versions only move forward, so a late write never undoes a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine

from hub.domain.db_lane import DbLane
from hub.store.rows import EventRow, WriteBatch, WriteResult
from hub.store.screen import twin_snapshot
from hub.store.writer import StoreWriter
from hub.twin import Twin

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LaneStore:
    engine: Engine
    lane: DbLane
    writer: StoreWriter

    async def run(self, call: Callable[[], T]) -> T:
        """A read (or other blocking call) on the lane, in order with its writes."""
        return await self.lane.run(call)

    async def persist_twin(self, twin: Twin) -> None:
        row = twin_snapshot(twin)  # on the event loop: the twin keeps changing there
        await self.lane.run(lambda: self.writer.write(WriteBatch(twins=[row])))

    async def write_events(self, rows: Sequence[EventRow]) -> WriteResult:
        return await self.lane.run(lambda: self.writer.write(WriteBatch(events=list(rows))))
