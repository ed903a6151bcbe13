"""Locker campaigns against a real broker, hub, database and simulated lockers that
download over HTTP: a canary then waves to completion (downloads cut halfway resume with
Range); a wave where 30 % fail stops the campaign and the rest keep their old version."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from device_sims.locker import Locker
from firmware_protocols.base import Command
from hub.api.audit.tables import audit_entry
from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage, registry_versions
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(2).randbytes(20_000)


async def test_hundred_lockers_canary_then_waves_complete(
    settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory)
    async with campaign_stage(
        settings, private_mosquitto.url, lockers=100, communities=10
    ) as stage:
        hub, sims, city, engine = stage.hub, stage.sims, stage.city, stage.engine
        lockers = stage.fleet.of_kind("locker")
        cut = lockers[::10]
        for device_id in cut:
            sims[device_id].firmware.fault = "cut_download"
        sha = await city.upload(IMAGE, "locker", "2.0.0")
        created = await city.create(
            name="lockers 2.0.0",
            image=sha,
            canary_share=0.05,
            wave_size=40,
            max_in_flight=100,
        )
        assert created["waves"] == 4 and created["counts"] == {"pending": 100}
        done = await city.wait_ended(created["id"])
        assert done["state"] == "completed", done
        assert done["counts"] == {"updated": 100}
        assert [w["counts"] for w in done["by_wave"]] == [
            {"updated": 5},
            {"updated": 40},
            {"updated": 40},
            {"updated": 15},
        ]
        assert len(done["by_place"]) == 10
        rows = await city.devices(created["id"])
        by_wave: dict[int, list[dict[str, object]]] = {}
        for row in rows:
            by_wave.setdefault(int(row["wave"]), []).append(row)  # type: ignore[arg-type]
        for wave in range(1, 4):  # a wave starts once the one before it is finished
            finished = max(int(r["finished_ms"]) for r in by_wave[wave - 1])  # type: ignore[arg-type]
            started = min(int(r["started_ms"]) for r in by_wave[wave])  # type: ignore[arg-type]
            assert started >= finished
        canary_places = {str(r["device_path"]) for r in by_wave[0]}
        assert len(canary_places) == 5  # the canary is spread over communities

        # Every locker runs 2.0.0, speaks lockerlink v2, and the hub knows it.
        for device_id in lockers:
            sim = sims[device_id]
            assert isinstance(sim, Locker)
            assert (sim.firmware_version, sim.generation) == ("2.0.0", 2)
            [job] = sim.firmware.history
            assert job.result == "done"
        await async_wait_until(
            lambda: set(registry_versions(engine).values()) == {"2.0.0"},
            what="the registry to follow every locker's version",
        )
        entry = hub.runtime.directory.get(lockers[0])
        assert entry is not None and entry.info.firmware_version == "2.0.0"
        [out] = entry.session.encode_command(Command("ab" * 16, "reboot", {}, 2**40))
        assert b'"v":2' in out.payload
        # The cut downloads resumed from the half they had.
        for device_id in cut:
            [job] = sims[device_id].firmware.history
            assert job.download.resumed_from == [len(IMAGE) // 2]
        metrics = (await hub.client.get("/metrics")).text
        assert 'hub_firmware_updates_total{kind="locker",result="updated"} 100.0' in metrics
        assert 'hub_firmware_download_requests_total{result="partial"} 10.0' in metrics
        with engine.connect() as conn:
            audited = conn.execute(
                select(func.count()).where(
                    audit_entry.c.action == "firmware:update", audit_entry.c.result == "updated"
                )
            ).scalar_one()
        assert audited == 100


async def test_a_wave_with_thirty_percent_failures_stops_the_campaign(
    database_url, settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory, database_url=database_url)
    async with campaign_stage(settings, private_mosquitto.url, lockers=40, communities=4) as stage:
        hub, sims, city, engine = stage.hub, stage.sims, stage.city, stage.engine
        sha = await city.upload(IMAGE, "locker", "2.0.0")
        created = await city.create(
            name="lockers with a bad batch",
            image=sha,
            canary_share=0.1,
            wave_size=10,
            failure_threshold=0.2,
        )
        campaign_id = created["id"]
        paused = await hub.client.post(
            f"/api/v1/campaigns/{campaign_id}/pause", headers=city.headers
        )
        assert paused.status_code == 200 and paused.json()["state"] == "paused"
        rows = await city.devices(campaign_id)
        wave_one = sorted(str(r["device_id"]) for r in rows if r["wave"] == 1)
        bad = wave_one[:3]  # 3 of the 10 devices of wave 1: 30 % > 20 %
        for device_id in bad:
            sims[device_id].firmware.fault = "bad_checksum"
        resumed = await hub.client.post(
            f"/api/v1/campaigns/{campaign_id}/resume", headers=city.headers
        )
        assert resumed.json()["state"] == "running"
        again = await hub.client.post(
            f"/api/v1/campaigns/{campaign_id}/resume", headers=city.headers
        )
        assert again.status_code == 409

        done = await city.wait_ended(campaign_id)
        assert done["state"] == "aborted"
        assert done["reason"] == "wave 1: 3 of 10 devices failed (30% > 20%)"
        assert done["counts"] == {"updated": 11, "failed": 3, "cancelled": 26}
        rows = await city.devices(campaign_id)
        failed = {r["device_id"]: r for r in rows if r["state"] == "failed"}
        assert set(failed) == set(bad)
        assert {r["reason"] for r in failed.values()} == {"checksum_mismatch"}
        later = [str(r["device_id"]) for r in rows if int(r["wave"]) >= 2]  # type: ignore[arg-type]
        assert all(r["state"] == "cancelled" and r["attempts"] == 0 for r in rows if r["wave"] >= 2)
        versions = registry_versions(engine)
        for device_id in [*later, *bad]:  # the rest, and the failed, keep their old version
            assert sims[device_id].firmware_version == "1.8.2"
            assert versions[device_id] == "1.8.2"
            assert all(j.result != "done" for j in sims[device_id].firmware.history)
        assert not any(sims[d].firmware.history for d in later)
        detail = await hub.client.get(
            f"/api/v1/campaigns/{campaign_id}/devices/{bad[0]}", headers=city.headers
        )
        steps = [h["action"] for h in reversed(detail.json()["history"])]
        assert steps[0] == "sending" and steps[-1] == "failed"
        history = await hub.client.get(
            f"/api/v1/campaigns/{campaign_id}/history", headers=city.headers
        )
        actions = [h["action"] for h in history.json()]
        assert "aborted" in actions and "paused" in actions and "running" in actions
        metrics = (await hub.client.get("/metrics")).text
        assert 'hub_firmware_campaign_aborts_total{cause="failures"} 1.0' in metrics
