"""Alarms outlive the hub: after a restart the open alarms are still there (and counted
in the gauge), a device that was offline is still offline without a second occurrence,
conditions found again add nothing, and their ends still clear the alarms."""

from __future__ import annotations

from typing import Any

from tests.integration.alarms.conftest import MINUTE_MS, alarm_hub
from tests.support.broker import PrivateMosquitto


async def test_open_alarms_survive_a_restart(
    settings_factory: Any, private_mosquitto: PrivateMosquitto, sqlite_url: str
) -> None:
    settings = settings_factory(instance_id="alarms-restart", database_url=sqlite_url)
    async with alarm_hub(settings, private_mosquitto.url) as first:
        fleet = first.fleet
        locker, machine = first.locker(), first.vending()
        locker.online()
        locker.offline()
        machine.birth(temperature_c=4.0, stock={1: 0, 2: 9})
        await first.committed()
        await first.tick(5 * MINUTE_MS)
        before = {a["type"]: a for a in await first.alarms()}
        assert set(before) == {"device_offline", "low_stock"}

    async with alarm_hub(settings, private_mosquitto.url, fleet) as second:
        assert second.gauge("locker", "device_offline", "major") == 1
        assert second.gauge("vending", "low_stock", "warning") == 1
        machine = second.vending()
        machine.birth(temperature_c=4.0, stock={1: 0, 2: 9})  # still low after its reboot
        await second.committed()
        await second.tick(10 * MINUTE_MS)  # the locker is still offline
        after = {a["type"]: a for a in await second.alarms()}
        assert after == before  # the same alarms, no new occurrence
        machine.stock(s1=10)
        locker = second.locker()
        locker.online()
        await second.committed()
        cleared = {a["type"]: a["state"] for a in await second.alarms()}
        assert cleared == {"device_offline": "cleared", "low_stock": "cleared"}
        assert second.gauge("locker", "device_offline", "major") == 0
        assert second.gauge("vending", "low_stock", "warning") == 0
