"""A simulated locker against a real Mosquitto, observed by a plain subscriber and decoded
with the hub's own lockerlink definitions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from device_sims.locker import Locker
from firmware_protocols.base import CommandReply, Event, Presence, Telemetry
from mqtt_link.address import BrokerAddress
from tests.integration.sims.conftest import (
    FAST,
    HubView,
    Recorder,
    locker_spec,
    residents_of,
)

pytestmark = pytest.mark.broker


@pytest.fixture(params=["1.8.2", "2.3.1"], ids=["v1", "v2"])
async def locker(
    request: pytest.FixtureRequest, broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> AsyncIterator[Locker]:
    """Started once the recorder listens, so it sees everything the locker sends."""
    spec = locker_spec(request.param)
    hub.register(spec)
    device = Locker(spec, broker, options=FAST, residents=residents_of("c0001-b1"))
    await device.start()
    yield device
    await device.stop()


def replies(recorder: Recorder, hub: HubView, device_id: str) -> list[CommandReply]:
    return [r for r in hub.records(recorder, device_id) if isinstance(r, CommandReply)]


def events(recorder: Recorder, hub: HubView, device_id: str, kind: str) -> list[Event]:
    found = hub.records(recorder, device_id)
    return [e for e in found if isinstance(e, Event) and e.type == kind]


async def test_connects_with_status_and_decodable_telemetry(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    await locker.publish_telemetry()
    telemetry = await recorder.wait(
        lambda: [r for r in hub.records(recorder, locker.device_id) if isinstance(r, Telemetry)],
        "telemetry",
    )
    records = hub.records(recorder, locker.device_id)
    presence = [r for r in records if isinstance(r, Presence)]
    assert presence and presence[0].online
    metrics = telemetry[-1].metrics
    assert metrics["compartment_count"] == 8
    assert metrics["open_count"] == 0


async def test_deposit_names_a_real_resident(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    number, parcel = await locker.deposit()
    found = await recorder.wait(
        lambda: events(recorder, hub, locker.device_id, "deposit"), "deposit"
    )
    assert found[0].data["compartment"] == number
    assert found[0].data["tracking"] == parcel.tracking
    assert (parcel.building, parcel.unit) in {
        (r.building, r.unit) for r in residents_of("c0001-b1")
    }
    assert locker.slots[number].state == "occupied"


async def test_valid_command_opens_then_pickup_follows(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    number, _ = await locker.deposit(3)
    command_id, message = hub.command(
        locker.device_id, "open_compartment", {"compartment": number, "reason": "resident_pickup"}
    )
    recorder.publish(message)
    await recorder.wait(lambda: len(replies(recorder, hub, locker.device_id)) >= 2, "confirmed")
    got = [r.status for r in replies(recorder, hub, locker.device_id) if r.command_id == command_id]
    assert got == ["accepted", "confirmed"]
    assert locker.commands[-1].verdict == "accepted"
    pickups = await recorder.wait(
        lambda: events(recorder, hub, locker.device_id, "pickup"), "pickup"
    )
    assert pickups[0].data == {"compartment": number, "method": "app"}
    assert locker.slots[number].parcel is None


async def test_expired_command_is_refused_and_reported(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(
        locker.device_id,
        "open_compartment",
        {"compartment": 2, "reason": "service"},
        ttl_ms=-1000,
    )
    recorder.publish(message)
    got = await recorder.wait(lambda: replies(recorder, hub, locker.device_id), "reply")
    assert [(r.command_id, r.status) for r in got] == [(command_id, "expired")]
    assert [c.verdict for c in locker.commands] == ["expired"]
    assert not events(recorder, hub, locker.device_id, "door_opened")
    assert not locker.slots[2].door_open


async def test_replayed_command_is_refused_and_reported(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(
        locker.device_id, "open_compartment", {"compartment": 5, "reason": "service"}
    )
    recorder.publish(message)
    recorder.publish(message)
    await recorder.wait(lambda: len(replies(recorder, hub, locker.device_id)) >= 3, "3 replies")
    statuses = sorted(
        r.status for r in replies(recorder, hub, locker.device_id) if r.command_id == command_id
    )
    assert statuses == ["accepted", "confirmed", "replayed"]
    assert [c.verdict for c in locker.commands] == ["accepted", "replayed"]
    opened = [e for e in events(recorder, hub, locker.device_id, "door_opened")]
    assert len(opened) == 1


async def test_sequence_numbers_increase_across_all_topics(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    await locker.deposit()
    await locker.publish_telemetry()
    locker.tamper()
    await recorder.wait(lambda: events(recorder, hub, locker.device_id, "tamper"), "tamper")
    records = hub.records(recorder, locker.device_id)
    seqs = [r.seq for r in records if isinstance(r, Telemetry | Event)]
    assert len(seqs) >= 6
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


async def test_buffered_telemetry_is_sent_after_reconnect(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    locker.go_offline()
    await recorder.wait(
        lambda: [
            r
            for r in hub.records(recorder, locker.device_id)
            if isinstance(r, Presence) and not r.online
        ],
        "last will after the outage",
    )
    for _ in range(3):
        await locker.publish_telemetry()
    number, parcel = await locker.deposit()
    kept = locker.buffer.items()
    assert len(kept) >= 3 + 3  # telemetry, the door events and their telemetry, the deposit
    buffered = {decode_uplink_seq(m.payload) for m in kept}
    await locker.go_online()
    assert len(locker.buffer) == 0

    def delivered() -> set[int]:
        records = hub.records(recorder, locker.device_id)
        return {r.seq for r in records if isinstance(r, Telemetry | Event)}

    await recorder.wait(lambda: buffered <= delivered(), "every buffered message")
    deposits = events(recorder, hub, locker.device_id, "deposit")
    assert [(d.data["compartment"], d.data["tracking"]) for d in deposits] == [
        (number, parcel.tracking)
    ]


def decode_uplink_seq(payload: bytes) -> int:
    seq = json.loads(payload)["seq"]
    assert isinstance(seq, int)
    return seq


async def test_reboot_says_goodbye_and_comes_back(
    locker: Locker, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(locker.device_id, "reboot", {})
    recorder.publish(message)

    def presence() -> list[tuple[bool, str]]:
        found = hub.records(recorder, locker.device_id)
        return [(r.online, r.reason) for r in found if isinstance(r, Presence)]

    await recorder.wait(lambda: len(presence()) >= 3, "offline and online again")
    assert presence() == [(True, "online"), (False, "reboot"), (True, "online")]  # no will
    assert [(r.command_id, r.status) for r in replies(recorder, hub, locker.device_id)] == [
        (command_id, "accepted"),
        (command_id, "confirmed"),
    ]
    assert locker.link.connects == 2
