"""The domain in the worker and its commands through the front: a card read decided in
the worker and sent by the front's command lane, its outcome back in the worker; and the
grants that keep an authorised opening from being taken for a forced one, whether the
worker decided the grant (a card) or the front sent it (an app unlock: ``GrantOpened``
across the channel); the allow-list pushed again only to a unit that lacks it, and not
to a unit that confirmed it and came back without a status; one
rebirth request for a Sparkplug sequence gap."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from firmware_protocols.sparkplug_b.vending_model import TEMPERATURE
from hub.commands.models import CommandState
from hub.commands.repository import COMMAND
from hub.domain.models import ACCESS_LOG
from hub.ipc.signals import CommandRequest
from hub.store.schema import event
from tests.support.contract_hub import ContractHub
from tests.support.devices import DoorUnit, VendingMachine, feedback, strikes


def forced(hub: ContractHub, device_id: str) -> int:
    return hub.count(event, event.c.device_id == device_id, event.c.type == "door_forced_open")


async def settle_door(hub: ContractHub, door: DoorUnit) -> None:
    """Online, its allow-list pushed and answered, its contact closed and seen."""
    door.online()
    await door.wait_commands(1)
    door.answer_all()
    door.contact(False)
    await hub.settled()


async def test_a_card_read_is_decided_in_the_worker_and_sent_by_the_front(
    hub: ContractHub,
) -> None:
    fleet = hub.fleet
    door = DoorUnit(hub.wire, fleet.doors[0])
    holder = fleet.residents[f"{fleet.door_buildings[door.device_id]}/0101"]
    await settle_door(hub, door)

    door.card(*fleet.cards[holder])
    [grant] = (await door.wait_commands(2))[1:]
    assert len(strikes(grant)) == 1 and feedback(grant) == (1, 1)
    door.answer_all()
    await hub.wait(
        lambda: (
            hub.count(COMMAND, COMMAND.c.name == "grant_access", COMMAND.c.state == "confirmed")
            == 1
        ),
        "the grant confirmed",
    )
    requests = [s for s in hub.front.received if isinstance(s, CommandRequest)]
    assert [(r.device_id, r.name) for r in requests][-1] == (door.device_id, "grant_access")
    with hub.engine.connect() as conn:
        logged = conn.execute(
            select(ACCESS_LOG.c.result, ACCESS_LOG.c.resident_id).where(
                ACCESS_LOG.c.device_id == door.device_id
            )
        ).all()
    assert [tuple(row) for row in logged] == [("granted", holder)]

    door.contact(True)  # the resident walks in: authorised by the card's grant
    door.contact(False)
    await hub.settled()
    assert forced(hub, door.device_id) == 0


async def test_an_app_unlock_sent_by_the_front_authorises_the_opening_in_the_worker(
    hub: ContractHub,
) -> None:
    unlocked, other = (DoorUnit(hub.wire, device) for device in hub.fleet.doors)
    for door in (unlocked, other):
        await settle_door(hub, door)

    issued = asyncio.create_task(
        hub.front.commands.issue(
            unlocked.device_id, "unlock", {"pulse_ms": 3000}, issued_by="resident:1"
        )
    )
    await unlocked.wait_commands(2)
    unlocked.answer_all()
    outcome = await issued
    assert outcome.state is CommandState.CONFIRMED
    machine = hub.worker.domain.doors.machine(unlocked.device_id)
    await hub.wait(lambda: machine.authorised_until_ms > 0, "the grant window open in the worker")

    unlocked.contact(True)
    other.contact(True)  # nobody unlocked this one
    await hub.settled()
    await hub.wait(lambda: forced(hub, other.device_id) == 1, "the other door forced")
    assert forced(hub, unlocked.device_id) == 0
    # The doors' reports are handled in order, so an alert for the unlocked door would
    # reach the front before the other door's.
    await hub.wait(
        lambda: [e.device_id for e in hub.live_events("door_forced_open")] == [other.device_id],
        "only the other door's alert at the front",
        lambda: str(hub.live_events("door_forced_open")),
    )


async def test_the_allowlist_goes_again_only_to_a_unit_that_lacks_it(hub: ContractHub) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[1])
    door.online()
    [push] = await door.wait_commands(1)
    assert push.allowlist is not None and len(push.allowlist.entries) == 2
    version = push.allowlist.version
    door.answer_all()
    for holding in (version, version + 1):  # reconnects: with that list, with an old one
        door.offline()
        await hub.wait(lambda: not hub.front.presence.is_online(door.device_id), "offline")
        door.online(allowlist_version=holding)
        await hub.wait(lambda: hub.front.presence.is_online(door.device_id), "online")
    await door.wait_commands(2)
    await hub.settled()
    assert len(door.commands()) == 2  # nothing for the unit that held the version
    assert door.commands()[1].allowlist == push.allowlist


async def test_a_confirmed_allowlist_is_not_pushed_again_after_a_silence(
    hub: ContractHub,
) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    door.online()  # a unit with no list yet: its status names no version
    [push] = await door.wait_commands(1)
    assert push.allowlist is not None
    version = push.allowlist.version
    door.answer_all()

    def twin_holds_it() -> bool:
        twin = hub.worker.twins.get(door.device_id)
        return twin is not None and twin.reported.get("allowlist_version") == version

    await hub.wait(twin_holds_it, "the confirmed version in the twin")
    door.offline()
    await hub.wait(lambda: not hub.front.presence.is_online(door.device_id), "offline")
    door.contact(False)  # back by its traffic alone, as after a silence: no status
    await hub.wait(lambda: hub.front.presence.is_online(door.device_id), "online")
    await hub.settled()
    assert len(door.commands()) == 1


async def test_a_sequence_gap_brings_one_rebirth_request(hub: ContractHub) -> None:
    machine = VendingMachine(hub.wire, hub.fleet.vending[0]).listen()
    machine.birth()
    machine.data({TEMPERATURE: 4.0})
    machine.skip({TEMPERATURE: 4.1})  # lost on the way
    machine.data({TEMPERATURE: 4.2})  # the hub sees seq jump: a gap
    await hub.wait(machine.commands, "a rebirth request")
    machine.skip({TEMPERATURE: 4.3})
    machine.data({TEMPERATURE: 4.4})  # a second gap right away
    await hub.settled()
    sent = hub.worker.metrics.registry.get_sample_value(
        "hub_commands_total", {"kind": "vending", "command": "rebirth", "result": "sent"}
    )
    assert sent == 1
    [rebirth] = machine.commands()  # rate-limited: one request for both gaps
    assert (rebirth.name, rebirth.node, rebirth.command_id) == ("rebirth", True, None)
    assert hub.worker.domain.rebirths.requested == 1
