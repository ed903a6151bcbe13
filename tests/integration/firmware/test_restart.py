"""A campaign survives its hub: stopped mid-campaign, a hub started again on the same
database carries it on to the end without updating any device twice; a replica takes
over a campaign only once the holder's lease ran out."""

from __future__ import annotations

import random

import pytest

from hub.db.engine import make_engine
from hub.firmware.campaign_store import CampaignSettings, CampaignStore
from hub.firmware.images import ImageStore
from hub.firmware.rollout import RolloutRules
from tests.integration.firmware.fleet import create_firmware_fleet
from tests.integration.firmware.harness import firmware_hub, firmware_settings
from tests.integration.firmware.steps import Campaigns, all_online, simulated
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(4).randbytes(10_000)


async def test_a_restarted_hub_resumes_the_campaign(settings_factory, private_mosquitto) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory, instance_id="front")
    engine = make_engine(settings.database_url)
    fleet = create_firmware_fleet(engine, lockers=20, communities=4)
    lockers = fleet.of_kind("locker")
    async with simulated(fleet, private_mosquitto.url) as sims:
        async with firmware_hub(settings, private_mosquitto.url) as hub:
            await all_online(hub, lockers)
            city = Campaigns(hub, hub.operator(fleet.city))
            sha = await city.upload(IMAGE, "locker", "2.0.0")
            created = await city.create(
                name="restart me", image=sha, canary_share=0.05, wave_size=5
            )
            campaign_id = created["id"]
            state: dict[str, object] = {}

            async def halfway() -> bool:
                state.update(await city.get(campaign_id))
                return int(state["counts"].get("updated", 0)) >= 6  # type: ignore[attr-defined]

            await async_wait_until(halfway, what="the canary and a first wave")
            assert state["state"] == "running"
        # The hub is gone; the campaign's row says where it stood.
        stored = CampaignStore(engine).get(campaign_id)
        assert stored is not None and stored.state == "running" and stored.lease_owner is None
        async with firmware_hub(settings, private_mosquitto.url) as hub:
            done = await Campaigns(hub, city.headers).wait_ended(campaign_id)
            assert done["state"] == "completed" and done["counts"] == {"updated": 20}
            assert done["driven_by"] == settings.instance_id
        for device_id in lockers:
            assert [job.result for job in sims[device_id].firmware.history] == ["done"]
    engine.dispose()


def test_only_one_replica_holds_a_campaign_lease(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    create_firmware_fleet(engine, lockers=1)
    image, _ = ImageStore(engine, 10**6).add(
        b"x",
        vendor="Kerong",
        kind="locker",
        version="2",
        models=["KL-24C"],
        filename="",
        uploaded_by="t",
        now_ms=0,
    )
    store = CampaignStore(engine)
    rules = RolloutRules(0.1, 1, 0.1, 1, 1, 60, 0, 2.0, 3, True)
    settings = CampaignSettings("c", image.sha256, "locker", {}, "fwcity", rules)
    campaign_id = store.create(settings, [], to_version="2", waves=1, actor="t", now_ms=0)
    assert store.acquire(campaign_id, "a", now_ms=1_000, lease_ms=5_000)
    assert not store.acquire(campaign_id, "b", now_ms=2_000, lease_ms=5_000)
    assert store.acquire(campaign_id, "a", now_ms=3_000, lease_ms=5_000)  # renewed to 8 000
    assert not store.acquire(campaign_id, "b", now_ms=7_999, lease_ms=5_000)
    assert store.acquire(campaign_id, "b", now_ms=8_001, lease_ms=5_000)  # a stopped renewing
    assert not store.acquire(campaign_id, "a", now_ms=9_000, lease_ms=5_000)
    store.release(campaign_id, "b")
    assert store.acquire(campaign_id, "a", now_ms=9_001, lease_ms=5_000)
    engine.dispose()
