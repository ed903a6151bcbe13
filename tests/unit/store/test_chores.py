from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError

from hub.store.chores import run_every
from tests.support.waiting import async_wait_until


async def test_a_failed_round_is_logged_and_the_next_round_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    done: list[int] = []

    def chore(now_ms: int) -> int:
        rounds.append(now_ms)
        if len(rounds) == 1:
            raise OperationalError("DELETE", {}, Exception("database is locked"))
        return now_ms * 10

    log = logging.getLogger("tests.chores")
    task = asyncio.create_task(
        run_every(0, chore, clock_ms=lambda: 7, done=done.append, log=log, name="pruning")
    )
    try:
        await async_wait_until(lambda: done, what="a round after the failed one")
    finally:
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert rounds[:2] == [7, 7]
    assert done[0] == 70
    failed = [r for r in caplog.records if r.name == "tests.chores"]
    assert failed[0].getMessage() == "pruning failed; trying again in 0 s"


async def test_an_error_that_is_not_the_database_s_stops_the_loop() -> None:
    def chore(now_ms: int) -> int:
        raise ValueError(now_ms)

    with pytest.raises(ValueError):
        await run_every(
            3600, chore, clock_ms=lambda: 1, done=lambda _: None, log=logging.getLogger(), name="x"
        )
