"""set_within: an event or a time limit, and a cancellation always raised, even when it
comes in the same moment as the event (where Python 3.11's asyncio.wait_for returns
normally and the hub's loops went round again instead of stopping)."""

from __future__ import annotations

import asyncio

import pytest

from hub.event_wait import set_within


async def _loop_until_cancelled(event: asyncio.Event, rounds: list[int]) -> None:
    """A periodic loop shaped like the hub's: wait for a change or the interval."""
    while True:
        rounds.append(1)
        await set_within(event, 60.0)
        event.clear()


def test_a_set_event_answers_true_and_a_quiet_one_false() -> None:
    async def main() -> tuple[bool, bool]:
        event = asyncio.Event()
        quiet = await set_within(event, 0.01)
        event.set()
        return quiet, await set_within(event, 60.0)

    assert asyncio.run(main()) == (False, True)


def test_a_cancellation_in_the_moment_the_event_is_set_is_raised() -> None:
    async def main() -> list[int]:
        event, rounds = asyncio.Event(), []
        task = asyncio.create_task(_loop_until_cancelled(event, rounds))
        await asyncio.sleep(0)  # one step: the task is now parked in set_within
        assert rounds == [1]
        event.set()  # the waiter wakes in the next step ...
        task.cancel()  # ... and so does the cancellation: both in one moment
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)  # a hang would end here, as a failure
        return rounds

    assert asyncio.run(main()) == [1]
