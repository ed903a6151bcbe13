"""Vending machines update over Sparkplug B: the NCMD, progress in NDATA, the new
firmware in the NBIRTH after the restart, which the registry follows; with the ingest in
a worker process, as in production."""

from __future__ import annotations

import random

import pytest

from device_sims.vending import VendingMachine
from hub.db.engine import make_engine
from tests.integration.firmware.fleet import create_firmware_fleet
from tests.integration.firmware.harness import firmware_hub
from tests.integration.firmware.steps import (
    all_online,
    create,
    registry_versions,
    simulated,
    upload,
    wait_ended,
)
from tests.support.ports import free_port
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(6).randbytes(30_000)


async def test_vending_machines_update_over_sparkplug(settings_factory, private_mosquitto) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    # An ingest worker process of its own: reports reach the campaign through the database.
    settings = settings_factory(firmware_base_url=f"http://127.0.0.1:{port}", ingest_workers=1)
    engine = make_engine(settings.database_url)
    fleet = create_firmware_fleet(engine, vending=4, communities=2)
    machines = fleet.of_kind("vending")
    async with (
        firmware_hub(settings, private_mosquitto.url, port, shared=False) as hub,
        simulated(fleet, private_mosquitto.url) as sims,
    ):
        await all_online(hub, machines)
        sims[machines[1]].firmware.fault = "cut_download"
        city = hub.operator(fleet.city)
        sha = await upload(
            hub, city, IMAGE, vendor="Fuji", kind="vending", version="2.5.0", model="VM-40C"
        )
        created = await create(
            hub,
            city,
            name="vending 2.5.0",
            image=sha,
            canary_share=0.25,
            wave_size=3,
            health_soak_s=0,
            device_timeout_s=120,
        )
        done = await wait_ended(hub, city, created["id"])
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
    engine.dispose()
