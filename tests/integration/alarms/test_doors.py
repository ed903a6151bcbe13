"""Door units into and out of alarms through OSDP: forced open and held open (concluded by
the domain's door watch), tamper (local status), repeated denied access."""

from __future__ import annotations

from firmware_protocols.clock import wall_ms
from tests.integration.alarms.conftest import MINUTE_MS, AlarmHub


async def test_forced_door_lifecycle(both_hub: AlarmHub) -> None:
    hub = both_hub
    door = hub.door()
    device = door.device_id
    door.online()
    door.contact(False)
    door.contact(True)  # opened with no grant and no exit request
    await hub.committed()
    alarm = await hub.wait_alarm(device, "door_forced_open", state="active")
    assert alarm["severity"] == "critical" and alarm["kind"] == "door"
    assert "opened_ts_ms" in alarm["details"]
    await hub.tick()  # the gauge follows the change a moment later: settle it
    assert hub.gauge("door", "door_forced_open", "critical") == 1
    await hub.acknowledged(alarm)
    door.contact(False)
    await hub.committed()
    cleared = await hub.wait_alarm(device, "door_forced_open", state="cleared")
    assert cleared["acknowledged_by"] == hub.actor()
    await hub.tick()
    assert hub.gauge("door", "door_forced_open", "critical") == 0
    # Forced again: a new alarm, not the cleared one coming back.
    door.contact(True)
    await hub.committed()
    second = await hub.wait_alarm(device, "door_forced_open", state="active")
    assert second["id"] != alarm["id"] and second["occurrences"] == 1
    assert hub.actions(device, "door_forced_open") == [
        "raised",
        "acknowledged",
        "cleared",
        "raised",
    ]


async def test_held_open_door_lifecycle(hub: AlarmHub) -> None:
    door = hub.door(1)
    device = door.device_id
    resident = hub.fleet.residents[f"{hub.fleet.door_buildings[device]}/0101"]
    door.online()
    door.contact(False)
    await hub.committed()
    await hub.domain_settled()
    door.card(*hub.fleet.cards[resident])  # granted
    door.contact(True)
    await hub.committed()
    await hub.domain_settled()
    assert await hub.alarms(device=device) == []  # an authorised opening
    domain = hub.runtime.workers.local().domain
    assert await domain.doors.check(wall_ms() + 31_000) == 1  # past the 30 s default limit
    alarm = await hub.wait_alarm(device, "door_held_open", state="active")
    assert alarm["severity"] == "major" and alarm["details"]["limit_s"] == 30
    await hub.tick()
    assert hub.gauge("door", "door_held_open", "major") == 1
    await hub.acknowledged(alarm, scope="c0002")
    door.contact(False)
    await hub.committed()
    await hub.wait_alarm(
        device, "door_held_open", state="cleared", acknowledged_by=hub.actor("c0002")
    )
    await hub.tick()
    assert hub.gauge("door", "door_held_open", "major") == 0
    assert hub.actions(device, "door_held_open") == ["raised", "acknowledged", "cleared"]


async def test_tamper_follows_the_door_units_local_status(hub: AlarmHub) -> None:
    door = hub.door()
    device = door.device_id
    door.online()
    door.local_status(tamper=False)
    door.local_status(tamper=True)
    await hub.committed()
    alarm = await hub.alarm(device, "tamper")
    assert alarm["state"] == "active" and alarm["details"]["source"] == "local_status"
    door.local_status(tamper=True)  # reported again after a reconnect: the same tamper
    await hub.committed()
    assert (await hub.alarm(device, "tamper"))["occurrences"] == 1
    await hub.acknowledged(alarm)
    door.local_status(tamper=False)
    door.local_status(tamper=True)  # opened again while the alarm is still open
    await hub.committed()
    reopened = await hub.alarm(device, "tamper")
    assert reopened["id"] != alarm["id"] and reopened["state"] == "active"
    door.local_status(tamper=False)
    await hub.committed()
    assert (await hub.alarm(device, "tamper"))["state"] == "cleared"
    assert hub.gauge("door", "tamper", "critical") == 0
    assert hub.actions(device, "tamper") == [
        "raised",
        "acknowledged",
        "cleared",
        "raised",
        "cleared",
    ]


async def test_repeated_denials_at_one_door(hub: AlarmHub) -> None:
    door = hub.door()
    device = door.device_id
    door.online()
    for number in range(4):
        door.card("H10301", 99, 9000 + number)  # nobody's card
    await hub.committed()
    await hub.domain_settled()
    assert await hub.alarms(device=device) == []  # four: not yet
    door.card("H10301", 99, 9004)
    alarm = await hub.wait_alarm(device, "access_denied_repeated", state="active")
    assert alarm["details"]["denials_in_window"] == 5 and alarm["severity"] == "major"
    door.card("H10301", 99, 9005)
    alarm = await hub.wait_alarm(device, "access_denied_repeated", occurrences=2)
    await hub.acknowledged(alarm)
    await hub.tick(4 * MINUTE_MS)
    assert (await hub.alarm(device, "access_denied_repeated"))["state"] == "acknowledged"
    await hub.tick(MINUTE_MS + 1)  # five quiet minutes
    cleared = await hub.alarm(device, "access_denied_repeated")
    assert cleared["state"] == "cleared" and cleared["occurrences"] == 2
    assert hub.actions(device, "access_denied_repeated") == [
        "raised",
        "repeated",
        "acknowledged",
        "cleared",
    ]
