"""The live event stream over real HTTP: scoped events, heartbeats, a clean disconnect."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.live import Subscription
from tests.integration.api.conftest import ApiHub, bearer, start_door
from tests.support.waiting import async_wait_until

HUB_CLI = str(Path(sys.executable).with_name("hub"))


async def frames(lines: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    """Server-sent event frames (their non-empty lines)."""
    frame: list[str] = []
    async for line in lines:
        if line:
            frame.append(line)
        elif frame:
            yield frame
            frame = []


async def test_scoped_events_heartbeats_and_disconnect(
    api: ApiHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = api.runtime.live
    opened: list[Subscription] = []
    closed: list[Subscription] = []
    subscribe, unsubscribe = bus.subscribe, bus.unsubscribe

    def recording_subscribe() -> Subscription:
        opened.append(subscribe())
        return opened[-1]

    def recording_unsubscribe(subscription: Subscription) -> None:
        closed.append(subscription)
        unsubscribe(subscription)

    monkeypatch.setattr(bus, "subscribe", recording_subscribe)
    monkeypatch.setattr(bus, "unsubscribe", recording_unsubscribe)
    north = api.operator_token("testcity-north")
    async with api.client.stream("GET", "/api/v1/events/stream", headers=bearer(north)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = frames(response.aiter_lines())
        assert (await anext(stream))[0] == ": connected"
        assert opened and closed == []  # ours (the alarm engine may subscribe meanwhile)
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
    await async_wait_until(lambda: len(closed) == 1, what="subscription closed")
    assert closed[0] in opened


async def test_stream_needs_an_operator(api: ApiHub) -> None:
    resident = api.resident_token(api.resident("door-0001"))
    response = await api.client.get("/api/v1/events/stream", headers=bearer(resident))
    assert response.status_code == 403
    assert (await api.client.get("/api/v1/events/stream")).status_code == 401


async def test_a_revoked_tokens_open_stream_ends_at_the_next_check(api: ApiHub) -> None:
    """``hub token revoke`` in another process writes the database; the open stream of
    that token ends at the API's next token check (every 0.5 s), other streams go on."""
    revoked, kept = api.operator_token("testcity"), api.operator_token("testcity")
    watch = api.context.tokens
    assert api.context.limits.stream_token_check_s == 0.5
    async with (
        api.client.stream("GET", "/api/v1/events/stream", headers=bearer(revoked)) as doomed,
        api.client.stream("GET", "/api/v1/events/stream", headers=bearer(kept)) as other,
    ):
        doomed_frames, other_frames = frames(doomed.aiter_lines()), frames(other.aiter_lines())
        assert (await anext(doomed_frames))[0] == ": connected"
        assert (await anext(other_frames))[0] == ": connected"
        await async_wait_until(lambda: watch.checks >= 1, what="a first token check")

        done = await asyncio.to_thread(
            subprocess.run,
            [HUB_CLI, "token", "revoke", revoked],
            env={
                **os.environ,
                "HUB_DATABASE_URL": api.runtime.settings.database_url,
                "HUB_SECRET_KEY": api.runtime.settings.effective_secret_key,
            },
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
        checks_at_revocation = watch.checks
        last = [": connected"]
        async for frame in doomed_frames:  # heartbeats until the check ends the stream
            last = frame
        # At most one check was already under way when the revocation was committed.
        assert watch.checks - checks_at_revocation <= 2
        assert last[0] == "event: revoked"
        assert "revoked or expired" in last[1]
        response = await api.client.get("/api/v1/fleet/summary", headers=bearer(revoked))
        assert response.status_code == 401
        # The other token's stream is still open and beating.
        assert await anext(other_frames) == [": heartbeat"]
        assert watch.watched == 1
