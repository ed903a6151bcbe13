"""The campaign API's rules, against a real hub: scope, refusals with clear reasons,
maintenance windows holding devices back until they open (or are removed)."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.firmware.windows import format_hhmm
from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(9).randbytes(4_000)


async def test_scope_refusals_and_maintenance_windows(settings_factory, private_mosquitto) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory)
    async with campaign_stage(settings, private_mosquitto.url, lockers=8, communities=2) as stage:
        hub, sims, city = stage.hub, stage.sims, stage.city
        closed, open_ = stage.fleet.communities
        local = hub.operator(open_)
        sha = await city.upload(IMAGE, "locker", "2.0.0")
        post = hub.client.post

        # Refusals name the field and say why.
        for body, field, words in (
            ({"image": "0" * 64}, "image", "no firmware image"),
            ({"image": sha, "models": ["XX-1"]}, "models", "does not fit XX-1"),
            ({"image": sha, "places": [closed]}, "places", f"not in your scope: {closed}"),
            ({"image": sha, "version_min": "9"}, "places", "no device matches"),
        ):
            refused = await post("/api/v1/campaigns", json={"name": "x", **body}, headers=local)
            assert refused.status_code == 422, refused.text
            [error] = refused.json()["detail"]
            assert error["loc"] == ["body", field] and words in error["msg"]
        unknown = await post(
            "/api/v1/campaigns", json={"name": "x", "image": sha, "oops": 1}, headers=city.headers
        )
        assert unknown.status_code == 422
        preview = await post(
            "/api/v1/campaigns/preview", json={"name": "p", "image": sha}, headers=local
        )
        assert preview.json()["devices"] == 4  # the community operator's own lockers

        # A window two hours ahead keeps one community's lockers back.
        now = datetime.now(ZoneInfo(settings.timezone))
        start = (now.hour * 60 + now.minute + 120) % 1440
        window = {"start": format_hhmm(start), "end": format_hhmm((start + 60) % 1440)}
        path = f"/api/v1/communities/{closed}/maintenance-window"
        assert (await hub.client.put(path, json=window, headers=local)).status_code == 404
        put = await hub.client.put(path, json=window, headers=city.headers)
        assert put.status_code == 200 and put.json()["timezone"] == settings.timezone
        assert (await hub.client.get(path, headers=city.headers)).json()["start"] == window["start"]
        bad = await hub.client.put(
            path, json={"start": "25:00", "end": "01:00"}, headers=city.headers
        )
        assert bad.status_code == 422

        created = await city.create(
            name="windows",
            image=sha,
            canary_share=0.5,
            wave_size=8,
            device_timeout_s=600,
        )
        campaign_id = created["id"]
        assert (
            await hub.client.get(f"/api/v1/campaigns/{campaign_id}", headers=local)
        ).status_code == 404
        assert [
            c["id"] for c in (await hub.client.get("/api/v1/campaigns", headers=local)).json()
        ] == []

        def canary(rows: list[dict[str, object]], place: str) -> list[dict[str, object]]:
            return [r for r in rows if r["wave"] == 0 and f"/{place}" in str(r["device_path"])]

        async def open_side_done() -> bool:
            rows = await city.devices(campaign_id)
            return all(r["state"] == "updated" for r in canary(rows, open_))

        await async_wait_until(open_side_done, what="the canary without a window updated")
        rows = await city.devices(campaign_id)
        held = [r for r in rows if f"/{closed}" in str(r["device_path"])]
        assert canary(rows, closed) and {r["state"] for r in held} == {"pending"}
        state = await city.get(campaign_id)
        assert (state["state"], state["wave"]) == ("running", 0)  # the canary waits for it
        for row in held:
            assert sims[str(row["device_id"])].firmware.history == []

        removed = await hub.client.delete(path, headers=city.headers)
        assert removed.status_code == 204
        done = await city.wait_ended(campaign_id)
        assert done["state"] == "completed" and done["counts"] == {"updated": 8}
        conflict = await post(f"/api/v1/campaigns/{campaign_id}/pause", headers=city.headers)
        assert conflict.status_code == 409 and "completed" in conflict.json()["detail"]
        audit = await hub.client.get(
            "/api/v1/audit", params={"action": "maintenance-window"}, headers=city.headers
        )
        assert [e["result"] for e in audit.json()["items"]] == ["removed", "set"]
