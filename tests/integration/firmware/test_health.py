"""A version that boots but misbehaves: the canary comes back, then raises tamper alarms
and drops its connection; after the soak time the campaign stops before the next wave."""

from __future__ import annotations

import random

import pytest

from hub.db.engine import make_engine
from tests.integration.firmware.fleet import create_firmware_fleet
from tests.integration.firmware.harness import firmware_hub
from tests.integration.firmware.steps import (
    all_online,
    create,
    devices,
    simulated,
    upload,
    wait_ended,
)
from tests.support.ports import free_port

pytestmark = pytest.mark.broker
IMAGE = random.Random(5).randbytes(5_000)


async def test_misbehaving_updated_devices_stop_the_campaign(
    settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    settings = settings_factory(firmware_base_url=f"http://127.0.0.1:{port}")
    engine = make_engine(settings.database_url)
    fleet = create_firmware_fleet(engine, lockers=20, communities=4)
    lockers = fleet.of_kind("locker")
    async with (
        firmware_hub(settings, private_mosquitto.url, port) as hub,
        simulated(fleet, private_mosquitto.url) as sims,
    ):
        await all_online(hub, lockers)
        for device_id in lockers:  # whichever the canary is, its new version misbehaves
            sims[device_id].firmware.fault = "misbehaves"
        city = hub.operator(fleet.city)
        sha = await upload(
            hub, city, IMAGE, vendor="Kerong", kind="locker", version="2.0.0", model="KL-24C"
        )
        created = await create(
            hub,
            city,
            name="a bad version",
            image=sha,
            canary_share=0.1,
            wave_size=6,
            health_soak_s=3,
            health_factor=2.0,
            health_min_events=3,
            device_timeout_s=120,
        )
        done = await wait_ended(hub, city, created["id"])
        assert done["state"] == "aborted"
        assert done["reason"].startswith("updated devices had ")
        assert done["counts"] == {"updated": 2, "cancelled": 18}
        canary = [r["device_id"] for r in await devices(hub, city, created["id"]) if r["wave"] == 0]
        for device_id in lockers:
            expected = "2.0.0" if device_id in canary else "1.8.2"
            assert sims[device_id].firmware_version == expected
        metrics = (await hub.client.get("/metrics")).text
        assert 'hub_firmware_campaign_aborts_total{cause="health"} 1.0' in metrics
    engine.dispose()
