"""SIGTERM stops ``hub serve`` and ``hub demo`` as Ctrl-C does: the running tasks are
cancelled, so the ingest workers are stopped in order, the Sparkplug STATE goes offline
and whatever the command started (the demo's broker and simulators) is stopped too."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any


async def until_terminated(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main``; SIGTERM cancels it (as asyncio.run does for SIGINT)."""
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise  # we were cancelled ourselves (Ctrl-C): let asyncio.run see it
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
