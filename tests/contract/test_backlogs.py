"""Backlogs: a domain or alarm consumer that falls behind holds ingest back (the pipeline
waits, the transport stops reading, the broker holds the rest) and, once it catches up,
everything is committed and applied: nothing is dropped.

The consumers' queue limits are made small here (a few batches or signals instead of a
thousand batches or ten thousand signals); the consumer is stalled outright until the
test releases it, the slowest a consumer can be."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.alarms.tables import ALARM
from hub.store.schema import event
from tests.support.contract_hub import ContractHub, Template, contract_hub
from tests.support.devices import DoorUnit, Locker

SMALL_INGEST = {"ingest_batch_size": 10, "ingest_queue_size": 100}


async def has_room(backlog: Any) -> bool:
    """Whether ``backlog.room()`` returns at once (the pipeline would go on)."""
    waiting = asyncio.ensure_future(backlog.room())
    await asyncio.sleep(0)
    done = waiting.done()
    waiting.cancel()
    return done


async def held_back(hub: ContractHub, backlog: Any, total: int) -> None:
    """Until the backlog has no room and the broker holds what the hub cannot take."""

    async def stalled() -> bool:
        return not await has_room(backlog) and hub.transport.reading_paused

    await hub.wait(stalled, "ingest held back")
    assert hub.worker.pipeline.committed_messages < total
    assert len(hub.transport.held) > 0  # the broker keeps the backlog, not the hub's memory


def stalled(template: Template, folder: Path, part: str, limit: dict[str, int]) -> Any:
    """A hub whose ``part`` ("alarms", "domain") waits for the test's release, with a small
    queue limit and a small ingest buffer."""
    return contract_hub(template, folder, hold=(part,), worker_options=limit, **SMALL_INGEST)


async def test_a_stalled_alarm_consumer_holds_ingest_back_and_loses_nothing(
    template: Template, tmp_path: Path
) -> None:
    total = 300
    async with stalled(template, tmp_path, "alarms", {"alarm_queue_signals": 5}) as hub:
        locker = Locker(hub.wire, hub.fleet.lockers[1])
        for _ in range(total):
            locker.tamper()  # every one a tamper signal for the alarm rules
        await held_back(hub, hub.worker.alarms, total)

        hub.worker.alarms.release()
        await hub.committed(total)
        await hub.wait(lambda: hub.worker.alarms.changes >= total, "every signal applied")
        assert hub.count(event, event.c.type == "tamper") == total
        with hub.engine.connect() as conn:
            occurrences = conn.execute(
                select(ALARM.c.occurrences).where(ALARM.c.device_id == locker.device_id)
            ).scalar_one()
        assert occurrences == total


async def test_a_stalled_domain_holds_ingest_back_and_loses_nothing(
    template: Template, tmp_path: Path
) -> None:
    cycles = 100  # a door forced open and closed again: every opening an alert
    async with stalled(template, tmp_path, "domain", {"domain_queue_batches": 2}) as hub:
        door = DoorUnit(hub.wire, hub.fleet.doors[0])
        door.contact(False)
        for _ in range(cycles):
            door.contact(True)
            door.contact(False)
        await held_back(hub, hub.worker.domain, 2 * cycles + 1)

        hub.worker.domain.release()
        await hub.settled()
        forced = hub.count(event, event.c.type == "door_forced_open")
        assert forced == cycles
        assert hub.count(event, event.c.type == "inputs") == 2 * cycles + 1
