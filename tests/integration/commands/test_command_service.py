"""The command service against a real Mosquitto, simulated door units and two replicas:
completion through either replica, expiry, replay and late replies, with counts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import func, select

from device_sims.device import SimOptions
from device_sims.door import Door
from device_sims.inventory import DeviceSpec
from hub.commands.models import CommandState
from hub.commands.repository import COMMAND, REPLY
from hub.db.engine import make_engine
from hub.runtime import HubRuntime
from mqtt_link.address import BrokerAddress
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.tiny_fleet import TinyFleet, create_tiny_fleet
from tests.support.waiting import async_wait_until

SIM_OPTIONS = SimOptions(speed=1000.0, behaviour=False)


@contextlib.asynccontextmanager
async def door_unit(runtime: HubRuntime, fleet: TinyFleet, broker_url: str) -> AsyncIterator[Door]:
    device_id = fleet.doors[0]
    building = fleet.door_buildings[device_id]
    door = Door(
        DeviceSpec(device_id, "door", "1.0.0", building, (building,)),
        BrokerAddress.parse(broker_url),
        options=SIM_OPTIONS,
    )
    await door.start()
    try:
        await async_wait_until(lambda: runtime.presence.is_online(device_id), what="door online")
        yield door
    finally:
        await door.stop()


def rows(engine, table, *where) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


async def refused_and_recorded(  # type: ignore[no-untyped-def]
    door: Door, engine, verdict: str, command_id: str, replies: int
) -> tuple[list[tuple[str, bool]], str]:
    """Wait until the door refused a command as ``verdict`` and ``replies`` replies to
    ``command_id`` are stored; those replies as (status, late), and the command's state."""
    await async_wait_until(
        lambda: any(c.verdict == verdict for c in door.commands), what=f"{verdict} refused"
    )
    await async_wait_until(
        lambda: rows(engine, REPLY, REPLY.c.command_id == command_id) == replies,
        what=f"{replies} replies to {command_id} recorded",
    )
    with engine.connect() as conn:
        stored = conn.execute(
            select(REPLY.c.status, REPLY.c.late).where(REPLY.c.command_id == command_id)
        ).all()
        state = conn.execute(select(COMMAND.c.state).where(COMMAND.c.id == command_id)).scalar_one()
    return [(status, late) for status, late in stored], state


def strikes(door: Door) -> int:
    """Commands the door executed that pulse the strike (the simulator names a command by
    its packets: OUT with LED and buzzer reads as ``grant_access``)."""
    return sum(
        1 for c in door.commands if c.name in ("unlock", "grant_access") and c.verdict == "accepted"
    )


async def test_every_replica_hears_the_reply_and_stores_it_once(
    sqlite_url, settings_factory, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    first = settings_factory(database_url=sqlite_url, instance_id="cmd-a", command_timeout_s=10)
    second = settings_factory(database_url=sqlite_url, instance_id="cmd-b")
    fleet = create_tiny_fleet(engine, first.effective_secret_key)
    async with (
        running_hub(first, mosquitto_session.url) as replica_a,
        running_hub(second, mosquitto_session.url) as replica_b,
        door_unit(replica_a, fleet, mosquitto_session.url) as door,
    ):
        # Replica A issues the command; both replicas' command lanes hear the reply (a
        # reply A misses is found in the database at expiry: tests/contract).
        outcome = await replica_a.commands.issue(
            door.device_id, "unlock", {"pulse_ms": 1000}, issued_by="test"
        )
        assert outcome.state is CommandState.CONFIRMED
        assert strikes(door) == 1
        await async_wait_until(
            lambda: rows(engine, REPLY, REPLY.c.command_id == outcome.command_id) == 1,
            what="the reply stored once though both replicas received it",
        )
        await async_wait_until(lambda: replica_b.lane.replies >= 1, what="B heard it too")
        await async_wait_until(lambda: replica_b.commands.pending() == 0, what="B idle")
    with engine.connect() as conn:
        state = conn.execute(select(COMMAND.c.state).where(COMMAND.c.id == outcome.command_id))
        assert state.scalar_one() == "confirmed"
    engine.dispose()


async def test_replayed_and_expired_commands_are_refused_and_late_replies_change_nothing(
    sqlite_url, settings_factory, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    settings = settings_factory(database_url=sqlite_url, instance_id="cmd-expiry")
    fleet = create_tiny_fleet(engine, settings.effective_secret_key)
    async with (
        running_hub(settings, mosquitto_session.url) as runtime,
        door_unit(runtime, fleet, mosquitto_session.url) as door,
    ):
        spy = ScriptedClient(mosquitto_session.url, "cmd-spy").connect()
        spy.subscribe(f"osdp/{door.device_id}/cmd")
        confirmed = await runtime.commands.issue(
            door.device_id, "unlock", {"pulse_ms": 1000}, issued_by="test"
        )
        assert confirmed.state is CommandState.CONFIRMED
        assert strikes(door) == 1

        # Replay: the very same command bytes again. The door refuses, nothing opens,
        # and the hub records the reply as late without changing the confirmed command.
        await async_wait_until(lambda: spy.received, what="spy saw the command")
        spy.publish(spy.received[0].topic, spy.received[0].payload)
        late, state = await refused_and_recorded(
            door, engine, "replayed", confirmed.command_id, replies=2
        )
        assert sorted(late) == [("confirmed", False), ("replayed", True)]
        assert state == "confirmed"
        assert strikes(door) == 1

        # Expired on arrival: a command whose expiry has passed when the door reads it is
        # refused, nothing opens, and the hub reports what the door said. The door's clock
        # runs 5 s ahead (the simulator's clock-skew fault), so the command is past its
        # expiry there however fast the machine is (a 1 ms expiry raced the delivery).
        door.clock.skew_ms = 5_000
        expired = await runtime.commands.issue(
            door.device_id, "unlock", {"pulse_ms": 1000}, issued_by="test", timeout_s=0.5
        )
        assert expired.state is CommandState.EXPIRED
        replies, state = await refused_and_recorded(
            door, engine, "expired", expired.command_id, replies=1
        )
        assert replies == [("expired", False)]
        assert state == "expired"
        assert strikes(door) == 1  # neither the replay nor the expired command opened it
        spy.close()
    engine.dispose()
