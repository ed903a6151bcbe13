"""The command service's outcomes, through the command lane on the in-memory broker and a
scripted door unit: confirmed, and the device's refusals (expired, replayed) as it
answers them; no answer before expiry; a reply after the outcome recorded as late and
changing nothing; a reply this replica missed (away from the broker) found in the
database at expiry, written by the replica that heard it; a reply inside device data
(Sparkplug B) forwarded by the worker before its batch commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text

from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.sparkplug_b.vending_model import TEMPERATURE, reply_values
from hub.commands.models import CommandState
from hub.commands.repository import COMMAND, REPLY, CommandRepository
from hub.commands.service import CommandOutcome, CommandService
from tests.support.contract_hub import ContractHub, Front
from tests.support.devices import DoorUnit, VendingMachine, strikes
from tests.support.tasks import running_task


def stored(hub: ContractHub, command_id: str) -> tuple[str | None, list[tuple[str, bool]]]:
    """The command's stored state (None before it is written) and its replies (status,
    late), in order."""
    with hub.engine.connect() as conn:
        state = conn.execute(select(COMMAND.c.state).where(COMMAND.c.id == command_id))
        replies = conn.execute(
            select(REPLY.c.status, REPLY.c.late)
            .where(REPLY.c.command_id == command_id)
            .order_by(REPLY.c.id)
        )
        return state.scalar_one_or_none(), [(row.status, row.late) for row in replies]


def sent_commands(hub: ContractHub) -> int:
    return hub.count(COMMAND, COMMAND.c.state == "sent")


async def unlock(front: Front, device_id: str, **options: Any) -> CommandOutcome:
    return await front.commands.issue(
        device_id, "unlock", {"pulse_ms": 1000}, issued_by="test", **options
    )


@contextlib.asynccontextmanager
async def issuing(
    front: Front, device_id: str, **options: Any
) -> AsyncIterator[asyncio.Task[CommandOutcome]]:
    task = asyncio.create_task(unlock(front, device_id, **options))
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (ReplyStatus.CONFIRMED, CommandState.CONFIRMED),
        (ReplyStatus.EXPIRED, CommandState.EXPIRED),
        (ReplyStatus.REPLAYED, CommandState.REPLAYED),
        (ReplyStatus.REJECTED, CommandState.REJECTED),
    ],
    ids=lambda v: str(v.name).lower() if isinstance(v, ReplyStatus) else None,
)
async def test_the_device_answer_is_the_outcome(
    hub: ContractHub, answer: ReplyStatus, state: CommandState
) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    async with issuing(hub.front, door.device_id) as task:
        [received] = await door.wait_commands(1)
        assert len(strikes(received)) == 1
        door.answer_all(answer)
        outcome = await task
    assert outcome.state is state and outcome.succeeded is (state is CommandState.CONFIRMED)
    await hub.wait(
        lambda: stored(hub, outcome.command_id) == (state.value, [(state.value, False)]),
        "the outcome and the reply stored",
        lambda: str(stored(hub, outcome.command_id)),
    )
    counted = hub.front.metrics.registry.get_sample_value(
        "hub_commands_total", {"kind": "door", "command": "unlock", "result": state.value}
    )
    assert counted == 1


async def test_no_answer_before_expiry_is_a_timeout(hub: ContractHub) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    outcome = await unlock(hub.front, door.device_id, timeout_s=0.2)
    assert outcome.state is CommandState.TIMED_OUT
    assert len(door.commands()) == 1  # it was sent, and never answered
    await hub.wait(
        lambda: stored(hub, outcome.command_id) == ("timed_out", []), "the timeout stored"
    )


async def test_a_reply_after_the_outcome_is_recorded_late_and_changes_nothing(
    hub: ContractHub,
) -> None:
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    async with issuing(hub.front, door.device_id) as task:
        await door.wait_commands(1)
        door.answer_all()
        outcome = await task
    assert outcome.state is CommandState.CONFIRMED
    door.replied = 0  # the unit answers the same command again, as after a redelivery
    door.answer_all(ReplyStatus.REPLAYED)
    await hub.wait(
        lambda: (
            stored(hub, outcome.command_id)
            == ("confirmed", [("confirmed", False), ("replayed", True)])
        ),
        "the late reply recorded",
        lambda: str(stored(hub, outcome.command_id)),
    )
    with hub.engine.connect() as conn:
        timed_out = conn.execute(select(COMMAND.c.id).where(COMMAND.c.state == "timed_out")).all()
    assert timed_out == []


async def test_a_reply_missed_by_the_issuing_replica_is_found_at_expiry(
    hub: ContractHub,
) -> None:
    """Replica A sends the command but is away from the broker when the reply comes;
    replica B's lane hears it and stores it. A's caller still learns the outcome: at
    expiry A asks the database once, and finds it confirmed."""
    away = Front.build(hub.settings, hub.broker, hears_replies=False)
    try:
        async with running_task(away.run(), name="replica-a"):
            door = DoorUnit(hub.wire, hub.fleet.doors[0])
            async with issuing(away, door.device_id, timeout_s=0.5) as task:
                await door.wait_commands(1)
                await hub.wait(lambda: sent_commands(hub) == 1, "A stored the command as sent")
                door.answer_all()
                await hub.wait(lambda: hub.front.lane.replies == 1, "replica B heard the reply")
                outcome = await task
            assert away.lane.replies == 0
            assert outcome.state is CommandState.CONFIRMED
            assert stored(hub, outcome.command_id) == ("confirmed", [("confirmed", False)])
    finally:
        away.engine.dispose()


async def test_a_reply_inside_device_data_reaches_the_outcome_before_its_batch_commits(
    hub: ContractHub,
) -> None:
    """Sparkplug B replies travel in the machine's data, read by the worker; it forwards
    them to the front at once, so the caller does not wait for the ingest transaction
    (here: one that cannot commit until the test lets it)."""
    machine = VendingMachine(hub.wire, hub.fleet.vending[0]).listen()
    machine.birth()
    await hub.settled()
    issued = asyncio.create_task(
        hub.front.commands.issue(
            machine.device_id, "set_temperature", {"setpoint_c": 5.0}, issued_by="test"
        )
    )
    [command] = await hub.wait(
        lambda: [c for c in machine.commands() if c.name == "set_temperature"],
        "the command at the machine",
    )
    committed = hub.worker.pipeline.committed_messages
    with hub.engine.begin() as conn:  # the store fails every batch from now on
        conn.execute(text("ALTER TABLE telemetry RENAME TO telemetry_away"))
    assert command.command_id is not None
    machine.data(reply_values(command.command_id, "confirmed") | {TEMPERATURE: 5.2})
    outcome = await issued
    assert outcome.state is CommandState.CONFIRMED
    assert hub.worker.pipeline.committed_messages == committed  # not committed yet
    with hub.engine.begin() as conn:
        conn.execute(text("ALTER TABLE telemetry_away RENAME TO telemetry"))
    await hub.committed()
    await hub.wait(
        lambda: stored(hub, outcome.command_id) == ("confirmed", [("confirmed", False)]),
        "the reply stored once",
        lambda: str(stored(hub, outcome.command_id)),
    )


async def test_a_command_outliving_its_service_times_out_quietly(hub: ContractHub) -> None:
    # The hub stopping: the service's persistence has ended (its thread pool is shut
    # down) while a command still waits for its device, which never answers.
    front = hub.front
    service = CommandService(
        CommandRepository(hub.engine),
        front.lane_transport,
        front.directory,
        front.metrics,
        "contract-stopping",
        default_timeout_s=10,
    )
    door = DoorUnit(hub.wire, hub.fleet.doors[0])
    async with running_task(service.run(), "stopping-persistence"):
        issued = asyncio.create_task(
            service.issue(door.device_id, "unlock", {"pulse_ms": 1000}, issued_by="test",
                          timeout_s=0.3)
        )  # fmt: skip
        await hub.wait(lambda: len(door.commands()) == 1, "the command at the door")
    outcome = await issued
    assert outcome.state is CommandState.TIMED_OUT
    assert outcome.reason == "the hub stopped before the device answered"
