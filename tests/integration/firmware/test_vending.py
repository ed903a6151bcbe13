"""Vending machines update over Sparkplug B: the NCMD, progress in NDATA, the new
firmware in the NBIRTH after the restart, which the registry follows; with the ingest in
a worker process, as in production."""

from __future__ import annotations

import random

import pytest

from device_sims.vending import VendingMachine
from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage, registry_versions
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(6).randbytes(30_000)


async def test_vending_machines_update_over_sparkplug(settings_factory, private_mosquitto) -> None:  # type: ignore[no-untyped-def]
    # An ingest worker process of its own: reports reach the campaign through the database.
    settings = firmware_settings(settings_factory, ingest_workers=1)
    async with campaign_stage(
        settings, private_mosquitto.url, shared=False, vending=4, communities=2
    ) as stage:
        sims, city, engine = stage.sims, stage.city, stage.engine
        machines = stage.fleet.of_kind("vending")
        sims[machines[1]].firmware.fault = "cut_download"
        sha = await city.upload(IMAGE, "vending", "2.5.0")
        created = await city.create(name="vending 2.5.0", image=sha, canary_share=0.25, wave_size=3)
        done = await city.wait_ended(created["id"])
        assert done["state"] == "completed" and done["counts"] == {"updated": 4}
        for device_id in machines:
            sim = sims[device_id]
            assert isinstance(sim, VendingMachine)
            assert sim.firmware_version == "2.5.0" and sim.update_status.state == "done"
            confirmed = [r for r in sim.replies if r.status == "confirmed"]
            assert len(confirmed) == 1  # the update command, after the restart
        assert sims[machines[1]].firmware.history[0].download.resumed_from == [15_000]
        await async_wait_until(
            lambda: {registry_versions(engine)[d] for d in machines} == {"2.5.0"},
            what="the registry to follow the NBIRTH",
        )
