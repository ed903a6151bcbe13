"""Ingest gives way to residents' unlocks: a worker holds its next batch write while the
front has an unlock in flight, and writes once it ends (or the hold runs out)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.ipc.right_of_way import RightOfWay
from tests.support.contract_hub import Template, contract_hub
from tests.support.devices import Locker


class WatchedRightOfWay(RightOfWay):
    """Tells the test when a batch write starts to give way."""

    def __init__(self, fd: int, hold_max_s: float) -> None:
        super().__init__(fd, hold_max_s)
        self.giving_way = asyncio.Event()

    async def give_way(self) -> float:
        if self.in_flight:
            self.giving_way.set()
        return await super().give_way()


def watched(hold_max_s: float) -> WatchedRightOfWay:
    return WatchedRightOfWay(RightOfWay.create().fd, hold_max_s)


async def test_a_batch_waits_for_the_unlock_in_flight(template: Template, tmp_path: Path) -> None:
    right_of_way = watched(hold_max_s=3600.0)
    options = {"right_of_way": right_of_way}
    async with contract_hub(template, tmp_path, worker_options=options) as hub:
        locker = Locker(hub.wire, hub.fleet.lockers[0])
        with right_of_way.claimed():
            locker.telemetry(c1="occupied")
            await asyncio.wait_for(right_of_way.giving_way.wait(), 30)
            assert hub.worker.pipeline.committed_messages == 0
            assert len(hub.transport.unacked) == 1 and not hub.transport.acked
        await hub.committed(1)
        assert len(hub.transport.acked) == 1
        held = hub.worker.metrics.ingest_held_seconds._value.get()
        assert held > 0


async def test_ingest_never_starves_behind_unlocks(template: Template, tmp_path: Path) -> None:
    right_of_way = watched(hold_max_s=0.0)
    options = {"right_of_way": right_of_way}
    async with contract_hub(template, tmp_path, worker_options=options) as hub:
        locker = Locker(hub.wire, hub.fleet.lockers[0])
        with right_of_way.claimed():  # an unlock that never ends
            locker.telemetry(c1="occupied")
            await hub.committed(1)
            assert right_of_way.giving_way.is_set()
