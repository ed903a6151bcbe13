"""A burst of 10,000 door reports: every alarm it should raise is raised, and cleared.

Signals between the domain and the alarm rules are never dropped any more (the queues
are backlogs the ingest waits on, and door alerts reach the rules directly, not through
the event stream's bounded fan-out, which drops the oldest events of a slow reader).
One door is forced open and closed 2,500 times, another reports its tamper switch on
and off 2,500 times: 5,000 alarms, each raised once and cleared once."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.alarms.tables import AlarmRow
from tests.integration.alarms.conftest import AlarmHub
from tests.support.waiting import async_wait_until

CYCLES = 2_500
ALARM = AlarmRow.__table__  # type: ignore[attr-defined]


def alarm_counts(hub: AlarmHub, device_id: str, alarm_type: str) -> tuple[int, int]:
    """(alarms of that type for the device, of them cleared)."""
    where = (ALARM.c.device_id == device_id, ALARM.c.type == alarm_type)
    with hub.runtime.engine.connect() as conn:
        total = conn.execute(select(func.count()).where(*where)).scalar_one()
        cleared = conn.execute(
            select(func.count()).where(*where, ALARM.c.state == "cleared")
        ).scalar_one()
    return int(total), int(cleared)


async def test_a_burst_of_door_reports_raises_every_alarm_it_should(hub: AlarmHub) -> None:
    forced, tampered = hub.door(0), hub.door(1)
    for door in (forced, tampered):
        door.online()
        door.contact(False)
        door.local_status(tamper=False)
    await hub.committed()
    for _ in range(CYCLES):
        forced.contact(True)  # nobody released it: forced
        forced.contact(False)
        tampered.local_status(tamper=True)
        tampered.local_status(tamper=False)
    await hub.committed()  # all 10,000 reports stored; the alarms follow
    await async_wait_until(
        lambda: alarm_counts(hub, forced.device_id, "door_forced_open") == (CYCLES, CYCLES),
        timeout_s=240,
        what="every forced opening raised and cleared",
        detail=lambda: str(alarm_counts(hub, forced.device_id, "door_forced_open")),
    )
    await async_wait_until(
        lambda: alarm_counts(hub, tampered.device_id, "tamper") == (CYCLES, CYCLES),
        timeout_s=240,
        what="every tamper raised and cleared",
        detail=lambda: str(alarm_counts(hub, tampered.device_id, "tamper")),
    )
