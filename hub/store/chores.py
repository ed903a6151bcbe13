"""A database chore of a hub process (pruning what is kept only for a while), run now
and then every ``interval_s`` until cancelled.

Each round reads the clock on the event loop and runs the chore in a worker thread, off
the loop; its result is handed to ``done`` back on the loop. A database error is logged
and the chore tried again at the next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

R = TypeVar("R")


async def run_every(
    interval_s: float,
    chore: Callable[[int], R],
    *,
    clock_ms: Callable[[], int],
    done: Callable[[R], None],
    log: logging.Logger,
    name: str,
) -> None:
    """Run ``chore(now_ms)`` now and then every ``interval_s``; ``name`` and ``log`` say
    whose chore failed."""
    while True:
        now_ms = clock_ms()
        try:
            result = await asyncio.to_thread(chore, now_ms)
        except SQLAlchemyError:
            log.exception("%s failed; trying again in %.0f s", name, interval_s)
        else:
            done(result)
        await asyncio.sleep(interval_s)
