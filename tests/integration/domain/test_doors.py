"""Door units against a real hub, broker and database: card reads and PINs answered with
grant or deny and logged; forced-open and held-open doors; the offline allow-list pushed
when a unit comes online (and again only to a unit that lacks it: tests/contract)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update

from firmware_protocols.clock import wall_ms
from hub.commands.models import CommandRecord
from hub.domain.models import ACCESS_LOG
from hub.live import LiveEvent, Subscription
from hub.registry.models import DoorCredential
from hub.store.reads import event_count
from tests.support.devices import DoorUnit, Wire, feedback, strikes
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.waiting import async_wait_until


def revoke_card(engine: Engine, resident_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(DoorCredential)
            .where(DoorCredential.resident_id == resident_id, DoorCredential.kind == "card")  # type: ignore[arg-type]
            .values(revoked=True)
        )


def access_rows(engine: Engine) -> list[tuple[Any, ...]]:
    columns = (
        ACCESS_LOG.c.credential_kind,
        ACCESS_LOG.c.result,
        ACCESS_LOG.c.reason,
        ACCESS_LOG.c.resident_id,
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns).order_by(ACCESS_LOG.c.id))]


def command_states(engine: Engine, device_id: str) -> list[tuple[str, str]]:
    table = CommandRecord.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.name, table.c.state)
            .where(table.c.device_id == device_id)
            .order_by(table.c.created_ms)
        )
        return [(row.name, row.state) for row in rows]


def drain(subscription: Subscription) -> list[LiveEvent]:
    events = []
    while not subscription.queue.empty():
        events.append(subscription.queue.get_nowait())
    return events


async def test_cards_and_pins_are_answered_once_and_logged(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(database_url=database_url, instance_id="domain-doors")
    door, other_door = fleet.doors
    building, other_building = fleet.door_buildings[door], fleet.door_buildings[other_door]
    holder = fleet.residents[f"{building}/0101"]
    revoked = fleet.residents[f"{building}/0102"]
    stranger = fleet.residents[f"{other_building}/0101"]
    revoke_card(engine, revoked)
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        unit = DoorUnit(Wire(ScriptedClient(mosquitto_session.url, f"unit-{door}").connect()), door)
        unit.online()
        # Coming online, the unit is sent its building's allow-list: live cards only.
        [push] = await unit.wait_commands(1)
        assert push.allowlist is not None and push.problem is None
        holder_card = fleet.cards[holder]
        assert {(e.format, e.facility, e.card) for e in push.allowlist.entries} == {holder_card}
        twin = runtime.workers.local().twins.get(door)
        assert twin is not None and twin.desired["allowlist_version"] == push.allowlist.version
        assert strikes(push) == []
        unit.answer_all()

        reads = [
            (lambda: unit.card(*holder_card), "granted"),
            (lambda: unit.card("H10301", 200, 999), "denied"),  # nobody's card
            (lambda: unit.card(*fleet.cards[revoked]), "denied"),
            (lambda: unit.card(*fleet.cards[stranger]), "denied"),  # another building's
            (lambda: unit.pin(fleet.pins[holder]), "granted"),
            (lambda: unit.pin("0000"), "denied"),
        ]
        runtime.workers.local().twins.desire(door, {"unlock_pulse_ms": 5000}, wall_ms())
        for count, (read, result) in enumerate(reads, start=2):
            read()
            received = (await unit.wait_commands(count))[-1]
            if result == "granted":
                [strike] = strikes(received)  # exactly one strike pulse...
                assert [o.timer for o in strike.outputs] == [50]  # ...of the desired 5 s
            else:
                assert strikes(received) == []  # no strike for a denial
            assert feedback(received) == (1, 1)  # LED and buzzer either way
            unit.answer_all()
        everything = unit.commands()
        assert len(everything) == 7
        assert sum(len(strikes(c)) for c in everything) == 2
        await async_wait_until(
            lambda: [s for _, s in command_states(engine, door)] == ["confirmed"] * 7,
            what="every command confirmed",
            detail=lambda: str(command_states(engine, door)),
        )
        assert [name for name, _ in command_states(engine, door)] == [
            "push_allowlist",
            "grant_access",
            "deny_access",
            "deny_access",
            "deny_access",
            "grant_access",
            "deny_access",
        ]
        unit.wire.close()
    assert access_rows(engine) == [
        ("card", "granted", "card_ok", holder),
        ("card", "denied", "unknown_card", None),
        ("card", "denied", "revoked_card", revoked),
        ("card", "denied", "other_building", stranger),
        ("pin", "granted", "pin_ok", holder),
        ("pin", "denied", "unknown_pin", None),
    ]


async def test_forced_open_and_held_open(database_url, with_tiny_fleet, mosquitto_session) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(
        database_url=database_url, instance_id="domain-door-watch"
    )
    door = fleet.doors[0]
    holder = fleet.residents[f"{fleet.door_buildings[door]}/0101"]
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        domain = runtime.workers.local().domain
        live = runtime.live.subscribe()
        unit = DoorUnit(Wire(ScriptedClient(mosquitto_session.url, f"unit-{door}").connect()), door)
        unit.online()
        await unit.wait_commands(1)  # the allow-list

        def forced() -> int:
            return event_count(engine, door, type="door_forced_open")

        unit.contact(False)
        opened = unit.contact(True)  # no grant, no exit request: forced
        await async_wait_until(lambda: forced() == 1, what="forced-open event")
        unit.contact(False)
        # The exit button, then the door opens: that is no forced door.
        unit.contact(False, exit_request=True)
        unit.contact(True)
        unit.contact(False)
        # A valid card: the strike pulse, then the door opens and stays open.
        unit.card(*fleet.cards[holder])
        [grant] = (await unit.wait_commands(2))[1:]
        assert len(strikes(grant)) == 1
        held = unit.contact(True)
        await async_wait_until(
            lambda: (o := domain.doors.machine(door).opening) is not None and o.seq == held,
            what="the held door's opening seen",
        )
        assert forced() == 1  # neither the exit nor the granted opening counted as forced
        # Drive the clock past the limit (30 s by default): one held-open alert, once.
        assert await domain.doors.check(wall_ms() + 29_000) == 0
        assert await domain.doors.check(wall_ms() + 31_000) == 1
        assert await domain.doors.check(wall_ms() + 90_000) == 0
        assert event_count(engine, door, type="door_held_open") == 1
        unit.contact(False)
        await async_wait_until(
            lambda: domain.doors.machine(door).opening is None, what="door closed"
        )
        # The worker's live events reach the front after the state the test watched.
        events: list[LiveEvent] = []

        def alerts() -> list[str]:
            events.extend(e for e in drain(live) if e.device_id == door)
            return [
                e.type for e in events if e.type.startswith("door_") and e.type != "door_access"
            ]

        await async_wait_until(lambda: len(alerts()) >= 4, what="the four door alert events")
        live.close()
        unit.wire.close()
    assert alerts() == [
        "door_forced_open",
        "door_alert_cleared",
        "door_held_open",
        "door_alert_cleared",
    ]
    forced_event = next(e for e in events if e.type == "door_forced_open")
    assert forced_event.path is not None and forced_event.path.endswith(fleet.door_buildings[door])
    with engine.connect() as conn:
        from hub.store.schema import event

        rows = conn.execute(
            select(event.c.type, event.c.seq).where(event.c.type.like("door_%"))
        ).all()
    assert sorted((row.type, row.seq) for row in rows) == [
        ("door_forced_open", opened),
        ("door_held_open", held),
    ]


async def test_a_card_read_queued_while_offline_gets_an_answer_the_unit_refuses(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    """The unit decided a read it made offline itself (its allow-list) and reports it once
    back: the hub logs its own decision, but its answer expires 2 s after the read, on the
    unit's clock, so the unit refuses it instead of opening the door long after."""
    settings, engine, fleet = with_tiny_fleet(database_url=database_url, instance_id="late-read")
    door = fleet.doors[0]
    holder = fleet.residents[f"{fleet.door_buildings[door]}/0101"]
    async with running_hub(settings, mosquitto_session.url, shared=False):
        unit = DoorUnit(Wire(ScriptedClient(mosquitto_session.url, f"unit-{door}").connect()), door)
        unit.online()
        await unit.wait_commands(1)  # the allow-list
        unit.answer_all()
        read_at = wall_ms() - 60_000  # read a minute ago, while the unit was offline
        unit.card(*fleet.cards[holder], ts_ms=read_at)
        live_read_sent = wall_ms()
        unit.card(*fleet.cards[holder])  # and one read now, for comparison
        late, live = (await unit.wait_commands(3))[1:]
        assert strikes(late) and strikes(live)  # both granted by the hub...
        assert late.expires_at_ms == read_at + 2_000  # ...but the late one has expired
        assert late.expires_at_ms < wall_ms()
        assert live.expires_at_ms >= live_read_sent + 2_000  # the live one had its 2 s
        unit.wire.close()
    assert [row[1] for row in access_rows(engine)] == ["granted", "granted"]
