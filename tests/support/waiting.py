"""Wait for a condition by polling it, with a generous deadline that only bounds failures.

Polling a real condition is synchronisation, not a sleep standing in for it: the test
proceeds the moment the condition holds, and the deadline only turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_S = 60.0


def wait_until(condition: Callable[[], T], timeout_s: float = DEADLINE_S, what: str = "") -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.01)


async def async_wait_until(
    condition: Callable[[], T | Awaitable[T]],
    timeout_s: float = DEADLINE_S,
    what: str = "",
    detail: Callable[[], str] | None = None,
) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            extra = f" ({detail()})" if detail is not None else ""
            raise AssertionError(f"timed out waiting for {what or condition}{extra}")
        await asyncio.sleep(0.01)
