"""A door campaign against a real broker, hub, database and simulated door units that
receive the image by OSDP file transfer over MQTT: never more than the configured doors
of one building updating at once, every door keeps its allow-list, a transfer cut by a
dropped connection continues where it stopped."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from sqlalchemy import Engine, select

from device_sims.door import Door
from hub.commands.models import CommandRecord
from tests.integration.firmware.harness import firmware_settings
from tests.integration.firmware.steps import campaign_stage, registry_versions
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker
IMAGE = random.Random(3).randbytes(6_000)  # 6 fragments of 1 KiB


def fragment_states(engine: Engine, device_id: str) -> Counter[str]:
    table = CommandRecord.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        states = conn.execute(
            select(table.c.state).where(
                table.c.device_id == device_id, table.c.name == "file_transfer"
            )
        ).scalars()
        return Counter(states)


def most_at_once(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    busy = peak = 0
    for _, step in edges:
        busy += step
        peak = max(peak, busy)
    return peak


def pushes(unit: Door) -> list[str | None]:
    """The allow-list pushes the door has received, by command id."""
    return [c.command_id for c in unit.commands if c.name == "push_allowlist"]


async def test_doors_update_a_few_per_building_and_keep_their_allow_lists(
    settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory)
    async with campaign_stage(
        settings, private_mosquitto.url, doors=12, communities=1, buildings=2
    ) as stage:
        fleet, city, engine = stage.fleet, stage.city, stage.engine
        doors = fleet.of_kind("door")
        units = {d: stage.sims[d] for d in doors}
        assert all(isinstance(u, Door) for u in units.values())
        await async_wait_until(
            lambda: all(u.allowlist is not None for u in units.values()),  # type: ignore[attr-defined]
            what="every door to get its building's allow-list",
        )
        lists = {d: u.allowlist for d, u in units.items()}  # type: ignore[attr-defined]
        # Pushed while the fleet came online: more than one where a push timed out on a
        # busy machine and the hub sent it again. What counts is that none follows.
        pushed_before = {d: pushes(u) for d, u in units.items()}
        units[doors[3]].firmware.fault = "cut_download"
        sha = await city.upload(IMAGE, "door", "2.1.0")
        created = await city.create(
            name="doors 2.1.0",
            image=sha,
            canary_share=0.1,
            wave_size=10,
            max_doors_per_building=2,
            max_in_flight=50,
        )
        done = await city.wait_ended(created["id"])
        assert done["state"] == "completed", done
        assert done["counts"] == {"updated": 12}

        # Seen from the doors themselves: at most 2 of a building updating at any time.
        spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for device_id, unit in units.items():
            [job] = unit.firmware.history
            assert job.result == "done" and job.ended_s is not None
            spans[fleet.building_of[device_id]].append((job.started_s, job.ended_s))
        assert {building: most_at_once(s) for building, s in spans.items()} == {
            building: 2 for building in fleet.buildings
        }
        for device_id, unit in units.items():
            assert unit.firmware_version == "2.1.0"
            assert unit.allowlist == lists[device_id]  # type: ignore[attr-defined]
            # The version it kept is the one the hub wants: nothing pushed after the update.
            assert pushes(unit) == pushed_before[device_id]
        # The cut transfer: the link dropped with half the image there, and it went on.
        cut = units[doors[3]]
        assert cut.firmware.history[0].result == "done"
        rows = {r["device_id"]: r for r in await city.devices(created["id"])}
        assert rows[doors[3]]["state"] == "updated" and rows[doors[3]]["attempts"] == 1
        fragments = fragment_states(engine, doors[3])
        assert fragments["timed_out"] == 1  # the one the door never answered
        assert fragments["confirmed"] == 6  # then every fragment once, from where it stood
        await async_wait_until(
            lambda: {registry_versions(engine)[d] for d in doors} == {"2.1.0"},
            what="the registry to follow the doors",
        )
