"""warm_up builds the API's route table before the first request, so the first request
costs what every later one does.

The cost is counted in Python function calls (a profiler hook), not timed: the same
request makes the same calls whatever the machine is doing."""

from __future__ import annotations

import asyncio
import sys
from types import FrameType

from fastapi import FastAPI

from hub.api.app import api_routers
from hub.api.warm_up import request_in_process, warm_up

# A path the last routers hold, with a method none of its routes takes: the request is
# matched against the whole table and answered 405 without reaching a handler (which
# would need a running hub).
PROBE = ("DELETE", "/api/v1/doors/door-0001/unlock")


def routes_only() -> FastAPI:
    app = FastAPI()
    for router in api_routers():
        app.include_router(router)
    return app


def calls_made(app: FastAPI) -> tuple[int, int]:
    """(status, Python calls) of one PROBE request."""
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    async def probe() -> int:
        sys.setprofile(count)
        try:
            return await request_in_process(app, *PROBE)
        finally:
            sys.setprofile(None)

    status = asyncio.run(probe())
    return status, calls


def test_warm_up_answers_404_without_a_running_hub() -> None:
    assert asyncio.run(warm_up(routes_only())) == 404


def test_after_warm_up_the_first_request_costs_what_the_second_does() -> None:
    app = routes_only()
    asyncio.run(warm_up(app))
    status, first = calls_made(app)
    _, second = calls_made(app)
    assert status == 405
    assert first <= second * 1.2, (first, second)


def test_without_warm_up_the_first_request_builds_the_table() -> None:
    # What warm_up is for: if FastAPI ever builds its routes eagerly, this fails and
    # warm_up can go.
    app = routes_only()
    _, first = calls_made(app)
    _, second = calls_made(app)
    assert first > second * 5, (first, second)
