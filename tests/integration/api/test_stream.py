"""The live event stream over real HTTP: scoped events, heartbeats, a clean disconnect."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from tests.integration.api.conftest import ApiHub, bearer, start_door
from tests.support.waiting import async_wait_until


async def frames(lines: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    """Server-sent event frames (their non-empty lines)."""
    frame: list[str] = []
    async for line in lines:
        if line:
            frame.append(line)
        elif frame:
            yield frame
            frame = []


async def test_scoped_events_heartbeats_and_disconnect(api: ApiHub) -> None:
    bus = api.runtime.live
    north = api.operator_token("testcity-north")
    others = bus.subscriber_count  # the hub's own listeners
    async with api.client.stream("GET", "/api/v1/events/stream", headers=bearer(north)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = frames(response.aiter_lines())
        assert (await anext(stream))[0] == ": connected"
        assert bus.subscriber_count == others + 1
        # One door in each district comes online: only the north one reaches this client.
        south_door = await start_door(api, "door-0002")
        north_door = await start_door(api, "door-0001")
        try:
            heartbeats = 0
            while True:
                frame = await asyncio.wait_for(anext(stream), 30)
                if frame == [": heartbeat"]:
                    heartbeats += 1
                    continue
                assert frame[0] == "event: presence"
                event = json.loads(frame[1].removeprefix("data: "))
                assert event["device_id"] == "door-0001"
                assert event["data"]["online"] is True
                break
            while heartbeats == 0:  # quiet now: the heartbeat keeps the stream alive
                if await asyncio.wait_for(anext(stream), 30) == [": heartbeat"]:
                    heartbeats += 1
        finally:
            await north_door.stop()
            await south_door.stop()
    # The client went away: the server closes its subscription.
    await async_wait_until(lambda: bus.subscriber_count == others, what="subscription closed")


async def test_stream_needs_an_operator(api: ApiHub) -> None:
    resident = api.resident_token(api.resident("door-0001"))
    response = await api.client.get("/api/v1/events/stream", headers=bearer(resident))
    assert response.status_code == 403
    assert (await api.client.get("/api/v1/events/stream")).status_code == 401
