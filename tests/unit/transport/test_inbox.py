"""The bounded inbound buffer: batches, waiting, and the hold/release of a paused reader."""

from __future__ import annotations

import asyncio

import pytest

from hub.transport.base import InboundMessage
from hub.transport.inbox import Inbox


def message(n: int) -> InboundMessage:
    return InboundMessage(f"t/{n}", b"x", 1, False, n, 1, 0.0)


async def test_batches_come_in_order_and_no_larger_than_asked() -> None:
    inbox = Inbox(100)
    for n in range(10):
        inbox.put(message(n))
    first = await inbox.get_batch(4, 1.0)
    rest = await inbox.get_batch(100, 1.0)
    assert [m.mid for m in first] == [0, 1, 2, 3]
    assert [m.mid for m in rest] == list(range(4, 10))
    assert len(inbox) == 0 and inbox.received == 10 and inbox.peak == 10


async def test_an_empty_inbox_returns_nothing_after_the_timeout() -> None:
    assert await Inbox(10).get_batch(5, 0.01) == []
    assert await Inbox(10).get_batch(5, 0) == []


async def test_a_waiting_consumer_is_woken_by_a_message() -> None:
    inbox = Inbox(10)
    consumer = asyncio.create_task(inbox.get_batch(5, 60.0))
    await asyncio.sleep(0)  # let the consumer start waiting
    inbox.put(message(1))
    inbox.wake()
    batch = await consumer
    assert [m.mid for m in batch] == [1]


async def test_only_one_consumer_at_a_time() -> None:
    inbox = Inbox(10)
    first = asyncio.create_task(inbox.get_batch(5, 60.0))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        await inbox.get_batch(5, 1.0)
    first.cancel()


async def test_a_held_reader_resumes_once_drained_to_the_low_water_mark() -> None:
    inbox = Inbox(10, low_water=4)
    for n in range(10):
        inbox.put(message(n))
    resumed: list[int] = []
    inbox.hold(lambda: resumed.append(len(inbox)))
    assert inbox.full and inbox.holding
    await inbox.get_batch(5, 1.0)
    assert resumed == []  # 5 left, above the low-water mark
    await inbox.get_batch(1, 1.0)
    assert resumed == [4] and not inbox.holding
    await inbox.get_batch(4, 1.0)
    assert resumed == [4]  # told once


async def test_a_hold_on_a_drained_inbox_releases_at_once() -> None:
    inbox = Inbox(10)
    resumed: list[bool] = []
    inbox.hold(lambda: resumed.append(True))
    assert resumed == [True]


async def test_a_cancelled_hold_is_forgotten() -> None:
    inbox = Inbox(2, low_water=0)
    inbox.put(message(1))
    inbox.put(message(2))
    resumed: list[bool] = []

    def resume() -> None:
        resumed.append(True)

    inbox.hold(resume)
    inbox.cancel_hold(resume)
    await inbox.get_batch(2, 1.0)
    assert resumed == [] and not inbox.holding
