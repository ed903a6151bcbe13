"""Wait for an event with a time limit, without ever swallowing a cancellation.

The hub's periodic loops (the alarm desk's gauge, the registry watcher, a worker's
reports) wait for "something changed, or the interval is up". On Python 3.11,
``asyncio.wait_for(event.wait(), t)`` returns normally when the task is cancelled in the
same moment the event is set: the cancellation is lost, the loop goes round again, and
whoever cancelled it (the hub stopping its TaskGroup) waits forever. That hung a test
hub's shutdown in CI right after door alarms were cleared. ``asyncio.timeout`` has no
such race.
"""

from __future__ import annotations

import asyncio


async def set_within(event: asyncio.Event, timeout_s: float) -> bool:
    """True once ``event`` is set, False after ``timeout_s``; a cancellation is raised."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True
