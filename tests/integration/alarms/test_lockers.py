"""Lockers into and out of alarms through lockerlink: a compartment door left open (the
locker's event or the twin), tamper events, the device going offline, parcels nobody
collects."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.domain.models import PARCEL
from tests.integration.alarms.conftest import MINUTE_MS, NORTH, SOUTH, AlarmHub
from tests.support.waiting import async_wait_until

HOUR_MS = 60 * MINUTE_MS


async def test_compartment_left_open_from_the_twin_and_the_lockers_event(hub: AlarmHub) -> None:
    locker = hub.locker()
    device = locker.device_id
    locker.online()
    locker.telemetry(c3="open")
    await hub.committed()
    await hub.tick(2 * MINUTE_MS)
    assert await hub.alarms(device=device) == []
    await hub.tick(MINUTE_MS)  # open for three minutes by the twin
    alarm = await hub.alarm(device, "compartment_left_open")
    assert alarm["state"] == "active" and alarm["severity"] == "minor"
    assert alarm["details"]["compartments"] == [3] and alarm["details"]["source"] == "twin"
    locker.left_open(3, 300)  # the locker's own alarm, repeated while open
    locker.left_open(5, 130)
    await hub.committed()
    alarm = await hub.alarm(device, "compartment_left_open")
    assert alarm["occurrences"] == 3 and alarm["details"]["compartments"] == [3, 5]
    assert hub.gauge("locker", "compartment_left_open", "minor") == 1
    assert hub.gauge("locker", "compartment_left_open", "minor", district=NORTH) == 1
    assert hub.gauge("locker", "compartment_left_open", "minor", district=SOUTH) == 0
    await hub.acknowledged(alarm)
    locker.telemetry(c3="empty")  # compartment 3 closed; 5 still open
    await hub.committed()
    assert (await hub.alarm(device, "compartment_left_open"))["state"] == "acknowledged"
    locker.closed(5)
    await hub.committed()
    cleared = await hub.alarm(device, "compartment_left_open")
    assert cleared["state"] == "cleared" and cleared["acknowledged_by"] == hub.actor()
    assert hub.gauge("locker", "compartment_left_open", "minor") == 0
    assert hub.actions(device, "compartment_left_open") == [
        "raised",
        "repeated",
        "repeated",
        "acknowledged",
        "cleared",
    ]


async def test_locker_tamper_clears_after_a_quiet_period(hub: AlarmHub) -> None:
    locker = hub.locker(1)
    device = locker.device_id
    locker.online()
    locker.tamper()
    await hub.committed()
    alarm = await hub.alarm(device, "tamper")
    assert alarm["details"] == {"source": "locker", "compartment": None}
    await hub.tick(10 * MINUTE_MS)
    locker.tamper(4)
    await hub.committed()
    alarm = await hub.alarm(device, "tamper")
    assert alarm["occurrences"] == 2 and alarm["details"]["compartment"] == 4
    await hub.acknowledged(alarm, scope="testcity-south")
    await hub.tick(14 * MINUTE_MS)
    assert (await hub.alarm(device, "tamper"))["state"] == "acknowledged"
    await hub.tick(MINUTE_MS)  # fifteen minutes since the last one
    cleared = await hub.alarm(device, "tamper")
    assert cleared["state"] == "cleared" and cleared["occurrences"] == 2
    assert cleared["acknowledged_by"] == hub.actor("testcity-south")
    assert hub.actions(device, "tamper") == ["raised", "repeated", "acknowledged", "cleared"]


async def test_device_offline_beyond_five_minutes(hub: AlarmHub) -> None:
    locker = hub.locker()
    device = locker.device_id
    locker.online()
    await hub.committed()
    locker.offline()
    await hub.committed()
    await hub.tick(5 * MINUTE_MS - 1)
    assert await hub.alarms(device=device) == []
    await hub.tick(1)
    alarm = await hub.alarm(device, "device_offline")
    assert alarm["state"] == "active" and alarm["severity"] == "major"
    assert hub.gauge("locker", "device_offline", "major") == 1
    await hub.tick(30 * MINUTE_MS)
    assert (await hub.alarm(device, "device_offline"))["occurrences"] == 1  # no flood
    await hub.acknowledged(alarm, scope="c0001")
    locker.online()
    await hub.committed()
    cleared = await hub.alarm(device, "device_offline")
    assert cleared["state"] == "cleared" and cleared["condition_ended_ms"] == hub.clock.now
    assert cleared["acknowledged_by"] == hub.actor("c0001")
    assert hub.gauge("locker", "device_offline", "major") == 0
    # Offline again, back within five minutes: nothing.
    locker.offline()
    await hub.committed()
    await hub.tick(4 * MINUTE_MS)
    locker.online()
    await hub.committed()
    await hub.tick(10 * MINUTE_MS)
    assert len(await hub.alarms(device=device)) == 1
    assert hub.actions(device, "device_offline") == ["raised", "acknowledged", "cleared"]


async def parcels_waiting(hub: AlarmHub, count: int) -> None:
    statement = select(func.count()).where(PARCEL.c.state == "waiting")

    def enough() -> bool:
        with hub.runtime.engine.connect() as conn:
            return conn.execute(statement).scalar_one() == count

    await async_wait_until(enough, what=f"{count} waiting parcels")


async def test_parcel_uncollected_beyond_48_hours(hub: AlarmHub) -> None:
    locker = hub.locker()
    device = locker.device_id
    building = hub.fleet.door_buildings[hub.fleet.doors[0]]
    locker.online()
    locker.deposit(2, hub.clock.now - 47 * HOUR_MS, building)
    await hub.committed()
    await parcels_waiting(hub, 1)
    await hub.tick()
    assert await hub.alarms(device=device) == []
    await hub.tick(HOUR_MS)
    alarm = await hub.alarm(device, "parcel_uncollected")
    assert alarm["state"] == "active" and alarm["details"]["compartments"] == [2]
    assert hub.gauge("locker", "parcel_uncollected", "minor") == 1
    locker.deposit(6, hub.clock.now - 50 * HOUR_MS, building)
    await hub.committed()
    await parcels_waiting(hub, 2)
    await hub.tick(MINUTE_MS)
    alarm = await hub.alarm(device, "parcel_uncollected")
    assert alarm["occurrences"] == 2 and alarm["details"]["parcels"] == 2
    await hub.acknowledged(alarm)
    locker.pickup(2)
    await hub.committed()
    await parcels_waiting(hub, 1)
    await hub.tick(MINUTE_MS)
    assert (await hub.alarm(device, "parcel_uncollected"))["state"] == "acknowledged"
    locker.pickup(6)
    await hub.committed()
    await parcels_waiting(hub, 0)
    await hub.tick(MINUTE_MS)
    assert (await hub.alarm(device, "parcel_uncollected"))["state"] == "cleared"
    assert hub.gauge("locker", "parcel_uncollected", "minor") == 0
    assert hub.actions(device, "parcel_uncollected") == [
        "raised",
        "repeated",
        "acknowledged",
        "cleared",
    ]
