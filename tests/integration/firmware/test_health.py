"""A version that boots but misbehaves: the canary comes back, then raises tamper alarms
and drops its connection; after the soak time the campaign stops before the next wave."""

from __future__ import annotations

import random

import pytest

from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage

pytestmark = pytest.mark.broker
IMAGE = random.Random(5).randbytes(5_000)


async def test_misbehaving_updated_devices_stop_the_campaign(
    settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory)
    async with campaign_stage(settings, private_mosquitto.url, lockers=20, communities=4) as stage:
        hub, sims, city = stage.hub, stage.sims, stage.city
        lockers = stage.fleet.of_kind("locker")
        for device_id in lockers:  # whichever the canary is, its new version misbehaves
            sims[device_id].firmware.fault = "misbehaves"
        sha = await city.upload(IMAGE, "locker", "2.0.0")
        created = await city.create(
            name="a bad version",
            image=sha,
            canary_share=0.1,
            wave_size=6,
            health_soak_s=3,
            health_factor=2.0,
            health_min_events=3,
        )
        done = await city.wait_ended(created["id"])
        assert done["state"] == "aborted"
        assert done["reason"].startswith("updated devices had ")
        assert done["counts"] == {"updated": 2, "cancelled": 18}
        canary = [r["device_id"] for r in await city.devices(created["id"]) if r["wave"] == 0]
        for device_id in lockers:
            expected = "2.0.0" if device_id in canary else "1.8.2"
            assert sims[device_id].firmware_version == expected
        metrics = (await hub.client.get("/metrics")).text
        assert 'hub_firmware_campaign_aborts_total{cause="health"} 1.0' in metrics
