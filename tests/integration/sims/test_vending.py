"""A simulated vending machine (Sparkplug B edge node) against a real Mosquitto, decoded by
the hub's Sparkplug session, which checks seq continuity, aliases and bdSeq."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from device_sims.vending import VendingMachine
from firmware_protocols.base import (
    CommandReply,
    Event,
    Outbound,
    Presence,
    SequenceGap,
    Telemetry,
    Uplink,
)
from firmware_protocols.dex import read_dex
from firmware_protocols.sparkplug_b.datatypes import DataType
from firmware_protocols.sparkplug_b.host_state import HostState, encode_host_state
from firmware_protocols.sparkplug_b.payload import Metric, Payload, encode_payload
from firmware_protocols.sparkplug_b.topics import host_state_topic
from mqtt_link.address import BrokerAddress
from tests.integration.sims.conftest import FAST, HubView, Recorder, vending_spec

pytestmark = pytest.mark.broker


@pytest.fixture
async def machine(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> AsyncIterator[VendingMachine]:
    """Started once the recorder listens, so it sees the births."""
    spec = vending_spec()
    hub.register(spec)
    device = VendingMachine(spec, broker, options=FAST)
    await device.start()
    yield device
    await device.stop()


def records(recorder: Recorder, hub: HubView, device_id: str) -> list[Uplink]:
    return hub.records(recorder, device_id)


def replies(recorder: Recorder, hub: HubView, device_id: str) -> list[CommandReply]:
    return [r for r in records(recorder, hub, device_id) if isinstance(r, CommandReply)]


async def test_births_with_aliases_then_data_without_gaps(
    machine: VendingMachine, recorder: Recorder, hub: HubView
) -> None:
    for _ in range(300):  # more than 256 messages: seq wraps from 255 to 0
        await machine.publish_telemetry()
    await recorder.wait(
        lambda: len([m for m in recorder.of(machine.device_id) if "/DDATA/" in m.topic]) >= 300,
        "300 DDATA",
    )
    found = records(recorder, hub, machine.device_id)
    births = [r for r in found if isinstance(r, Presence)]
    assert [(b.online, b.reason) for b in births] == [(True, "nbirth"), (True, "dbirth")]
    assert not [r for r in found if isinstance(r, SequenceGap)]
    temps = [r.metrics["cabinet_temp_c"] for r in found if isinstance(r, Telemetry)]
    assert len(temps) >= 301 and all(-40 < t < 60 for t in temps)
    keys = [r.seq for r in found if isinstance(r, Telemetry)]
    assert len(set(keys)) == len(keys)


async def test_vend_and_dex_audit_decode(
    machine: VendingMachine, recorder: Recorder, hub: HubView
) -> None:
    vend_id = await machine.vend(2)
    assert vend_id is not None
    machine.publish_audit()

    def audits() -> list[Event]:
        return [
            r
            for r in records(recorder, hub, machine.device_id)
            if isinstance(r, Event) and r.type == "dex_audit"
        ]

    found = await recorder.wait(audits, "DEX audit")
    vends = [
        r
        for r in records(recorder, hub, machine.device_id)
        if isinstance(r, Event) and r.type == "vend"
    ]
    assert vends[0].data == {"slot": 2, "price": 452, "vend_id": vend_id}
    audit = read_dex(found[0].data["text"].encode())
    assert audit.data.paid_vends is not None and audit.data.paid_vends.count_since_init == 1
    assert machine.stock[2].stock == 7


async def test_setpoint_command_replayed_and_expired(
    machine: VendingMachine, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(machine.device_id, "set_temperature", {"setpoint_c": 6.5})
    recorder.publish(message)
    recorder.publish(message)
    late_id, late = hub.command(
        machine.device_id, "set_temperature", {"setpoint_c": 2.0}, ttl_ms=-1
    )
    recorder.publish(late)
    await recorder.wait(lambda: len(replies(recorder, hub, machine.device_id)) >= 4, "replies")
    got = [(r.command_id, r.status) for r in replies(recorder, hub, machine.device_id)]
    assert sorted(got) == sorted(
        [
            (command_id, "accepted"),
            (command_id, "confirmed"),
            (command_id, "replayed"),
            (late_id, "expired"),
        ]
    )
    assert got.index((command_id, "accepted")) < got.index((command_id, "confirmed"))
    assert [c.verdict for c in machine.commands] == ["accepted", "replayed", "expired"]
    assert machine.setpoint_c == 6.5


async def test_rebirth_request_gets_new_births(
    machine: VendingMachine, recorder: Recorder, hub: HubView
) -> None:
    _, message = hub.command(machine.device_id, "rebirth", {})
    recorder.publish(message)

    def births() -> list[Presence]:
        return [r for r in records(recorder, hub, machine.device_id) if isinstance(r, Presence)]

    await recorder.wait(lambda: len(births()) >= 4, "second NBIRTH and DBIRTH")
    assert [b.reason for b in births()] == ["nbirth", "dbirth", "nbirth", "dbirth"]
    assert births()[0].attrs["bd_seq"] == births()[2].attrs["bd_seq"]
    before = len([r for r in records(recorder, hub, machine.device_id) if isinstance(r, Telemetry)])
    await machine.publish_telemetry()
    await recorder.wait(
        lambda: (
            len([r for r in records(recorder, hub, machine.device_id) if isinstance(r, Telemetry)])
            > before
        ),
        "data after the rebirth",
    )
    assert not [r for r in records(recorder, hub, machine.device_id) if isinstance(r, SequenceGap)]


async def test_compressor_failure_makes_the_cabinet_warm_up(machine: VendingMachine) -> None:
    machine.temperature_c = machine.setpoint_c
    for _ in range(40):  # 20 simulated minutes with a working compressor
        machine._physics(30)
    assert machine.temperature_c < machine.setpoint_c + 1.5
    machine.fail_compressor()
    for _ in range(60):  # 30 minutes without cooling
        machine._physics(30)
    assert machine.temperature_c > 8.0


async def test_ndeath_will_when_killed_and_buffer_after_reconnect(
    broker: BrokerAddress, recorder: Recorder, hub: HubView
) -> None:
    spec = vending_spec()
    hub.register(spec)
    machine = VendingMachine(spec, broker, options=FAST)
    await machine.start()
    machine.go_offline()

    def deaths() -> list[Presence]:
        return [
            r
            for r in records(recorder, hub, machine.device_id)
            if isinstance(r, Presence) and r.reason == "ndeath"
        ]

    await recorder.wait(deaths, "NDEATH will")
    await machine.vend(1)
    await machine.publish_telemetry()
    assert len(machine.buffer) == 2
    await machine.go_online()
    await recorder.wait(
        lambda: [
            r
            for r in records(recorder, hub, machine.device_id)
            if isinstance(r, Event) and r.type == "vend"
        ],
        "buffered vend",
    )
    assert not [r for r in records(recorder, hub, machine.device_id) if isinstance(r, SequenceGap)]
    await machine.kill()
    await recorder.wait(lambda: len(deaths()) >= 2, "NDEATH of the second connection")


async def test_primary_host_state_gates_births(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    host = f"hub{uuid.uuid4().hex[:8]}"
    spec = vending_spec()
    hub.register(spec)
    machine = VendingMachine(spec, broker, options=replace(FAST, primary_host=host))
    await machine.start()
    await machine.publish_telemetry()  # kept until the births
    assert len(machine.buffer) == 1

    def presences() -> list[Presence]:
        return [r for r in records(recorder, hub, machine.device_id) if isinstance(r, Presence)]

    def state(online: bool, timestamp: int) -> None:
        payload = encode_host_state(HostState(online, timestamp))
        recorder.publish(Outbound(host_state_topic(host), payload, 1, True))

    state(True, 1_000)
    await recorder.wait(lambda: len(presences()) >= 2, "births once the host is online")
    assert len(machine.buffer) == 0
    first_bd = presences()[0].attrs["bd_seq"]
    state(False, 500)  # older than the last STATE seen: ignored
    state(False, 2_000)  # the host restarted: die, reconnect, wait
    await recorder.wait(lambda: [p for p in presences() if p.reason == "ndeath"], "NDEATH")
    await recorder.wait(lambda: machine.link.connects == 2, "reconnected")
    state(True, 3_000)
    await recorder.wait(lambda: len(presences()) >= 5, "fresh births")
    reasons = [(p.reason, p.attrs.get("bd_seq")) for p in presences()]
    assert reasons == [
        ("nbirth", first_bd),
        ("dbirth", None),
        ("ndeath", first_bd),
        ("nbirth", (first_bd + 1) % 256),
        ("dbirth", None),
    ]
    await machine.stop()
    recorder.publish(Outbound(host_state_topic(host), b"", 1, True))  # clear the retained STATE


async def test_reboot_and_a_command_it_cannot_read(
    machine: VendingMachine, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(machine.device_id, "reboot", {})
    recorder.publish(message)

    def presences() -> list[str]:
        found = records(recorder, hub, machine.device_id)
        return [r.reason for r in found if isinstance(r, Presence)]

    await recorder.wait(lambda: len(replies(recorder, hub, machine.device_id)) >= 2, "replies")
    assert presences() == ["nbirth", "dbirth", "ndeath", "nbirth", "dbirth"]
    assert [(r.command_id, r.status) for r in replies(recorder, hub, machine.device_id)] == [
        (command_id, "accepted"),
        (command_id, "confirmed"),
    ]
    # a DCMD writing a metric the machine does not have: rejected, with its id
    odd_id = uuid.uuid4().hex
    payload = encode_payload(
        Payload(
            timestamp=1,
            metrics=(
                Metric(name="Cabinet/Light", datatype=DataType.Boolean, value=True),
                Metric(name="Command/Id", datatype=DataType.String, value=odd_id),
                Metric(name="Command/Expiry", datatype=DataType.DateTime, value=2**62),
            ),
        )
    )
    recorder.publish(Outbound(f"spBv1.0/vending/DCMD/{machine.device_id}/vmc", payload, 0, False))
    await recorder.wait(lambda: len(replies(recorder, hub, machine.device_id)) >= 3, "refusal")
    last = replies(recorder, hub, machine.device_id)[-1]
    assert (last.command_id, last.status) == (odd_id, "rejected")
    assert machine.commands[-1].verdict == "rejected"
