"""Fire-and-forget coroutines of the domain (commands whose outcome only gets logged),
held by strong references, bounded in number, cancelled when the domain stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self, limit: int = 5_000) -> None:
        self._limit = limit
        self._tasks: set[asyncio.Task[object]] = set()
        self.refused = 0
        self.failed = 0

    def spawn(self, coroutine: Coroutine[Any, Any, object], name: str) -> bool:
        """Start ``coroutine``; False (and it is closed, never run) when at the limit."""
        if len(self._tasks) >= self._limit:
            coroutine.close()
            self.refused += 1
            log.error("too many domain tasks in flight; %s not started", name)
            return False
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failed += 1
            log.error("domain task %s failed", task.get_name(), exc_info=task.exception())

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
