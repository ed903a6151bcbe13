"""The alarm rules in the worker: fed by committed batches and by the domain's
conclusions (typed, in the worker), stored, and told to the front as live events; timed
conditions judged at the engine's clock, which the test moves."""

from __future__ import annotations

from sqlalchemy import select

from hub.alarms.tables import ALARM
from tests.support.contract_hub import ContractHub
from tests.support.devices import DoorUnit, Locker

MINUTE_MS = 60_000


def alarms(hub: ContractHub, device_id: str) -> list[tuple[str, str, int]]:
    """(type, state, occurrences) of the device's alarms, oldest first."""
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(ALARM.c.type, ALARM.c.state, ALARM.c.occurrences)
            .where(ALARM.c.device_id == device_id)
            .order_by(ALARM.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def actions(hub: ContractHub, device_id: str) -> list[tuple[str, str]]:
    """(alarm type, action) of the alarm live events the front received for the device."""
    return [
        (e.data["alarm_type"], e.data["action"])
        for e in hub.live_events("alarm")
        if e.device_id == device_id
    ]


async def test_a_forced_door_raises_an_alarm_that_clears_when_it_closes(hub: ContractHub) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    door.online()
    door.contact(False)
    door.contact(True)  # no grant, no exit request: the domain concludes "forced"
    await hub.settled()
    await hub.wait(
        lambda: alarms(hub, door.device_id) == [("door_forced_open", "active", 1)],
        "the forced-open alarm",
        lambda: str(alarms(hub, door.device_id)),
    )
    door.contact(False)
    await hub.settled()
    await hub.wait(
        lambda: alarms(hub, door.device_id) == [("door_forced_open", "cleared", 1)],
        "the alarm cleared",
        lambda: str(alarms(hub, door.device_id)),
    )
    await hub.wait(
        lambda: (
            actions(hub, door.device_id)
            == [("door_forced_open", "raised"), ("door_forced_open", "cleared")]
        ),
        "both changes at the front",
        lambda: str(actions(hub, door.device_id)),
    )


async def test_offline_beyond_five_minutes_by_the_engine_clock(hub: ContractHub) -> None:
    locker = Locker(hub.wire, hub.fleet.lockers[1])
    engine = hub.worker.alarms
    locker.online()
    locker.offline()
    await hub.settled()
    hub.clock.advance(5 * MINUTE_MS - 1)
    await engine.tick()
    assert alarms(hub, locker.device_id) == []
    hub.clock.advance(1)
    await engine.tick()
    assert alarms(hub, locker.device_id) == [("device_offline", "active", 1)]
    hub.clock.advance(30 * MINUTE_MS)
    await engine.tick()
    assert alarms(hub, locker.device_id) == [("device_offline", "active", 1)]  # no flood
    locker.online()
    await hub.settled()
    await engine.tick()
    assert alarms(hub, locker.device_id) == [("device_offline", "cleared", 1)]
    await hub.wait(
        lambda: (
            actions(hub, locker.device_id)
            == [("device_offline", "raised"), ("device_offline", "cleared")]
        ),
        "both changes at the front",
    )
