"""A simulated door unit (OSDP envelopes) against a real Mosquitto, decoded by the hub's
OSDP definition."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from device_sims.door import Door
from device_sims.faults import IDEAL
from device_sims.inventory import Card
from firmware_protocols.base import CommandReply, Event, Outbound, Presence, Telemetry, Uplink
from firmware_protocols.osdp.commands import MfgCommand
from firmware_protocols.osdp.door import strike_pulse
from firmware_protocols.osdp.downlink import encode_command_envelope
from mqtt_link.address import BrokerAddress
from tests.integration.sims.conftest import FAST, HubView, Recorder, door_spec, residents_of

pytestmark = pytest.mark.broker


@pytest.fixture
async def door(broker: BrokerAddress, hub: HubView, recorder: Recorder) -> AsyncIterator[Door]:
    spec = door_spec()
    hub.register(spec)
    device = Door(spec, broker, options=FAST, residents=residents_of("c0001-b1"))
    await device.start()
    yield device
    await device.stop()


def records(recorder: Recorder, hub: HubView, door: Door) -> list[Uplink]:
    return hub.records(recorder, door.device_id)


def events(recorder: Recorder, hub: HubView, door: Door, kind: str) -> list[Event]:
    found = records(recorder, hub, door)
    return [r for r in found if isinstance(r, Event) and r.type == kind]


def door_states(recorder: Recorder, hub: HubView, door: Door) -> list[str]:
    """Door contact as reported by osdp_ISTATR reports after connecting."""
    return [e.data["door"] for e in events(recorder, hub, door, "inputs")][1:]


def replies(recorder: Recorder, hub: HubView, door: Door) -> list[CommandReply]:
    return [r for r in records(recorder, hub, door) if isinstance(r, CommandReply)]


async def test_online_status_and_heartbeat_report(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    found = await recorder.wait(
        lambda: [r for r in records(recorder, hub, door) if isinstance(r, Telemetry)], "report"
    )
    assert found[0].metrics == {"door_open": 0.0}
    presence = [r for r in records(recorder, hub, door) if isinstance(r, Presence)]
    assert presence[0].online and presence[0].attrs["firmware"] == door.spec.firmware_version


async def test_card_read_and_keypad_decode(door: Door, recorder: Recorder, hub: HubView) -> None:
    resident = residents_of("c0001-b1")[0]
    assert resident.card is not None and resident.pin is not None
    await door.present_card(resident.card)
    await door.present_card(Card("H10306", 300, 4242))
    await door.enter_pin(resident.pin)
    await recorder.wait(lambda: events(recorder, hub, door, "keypad"), "keypad")
    reads = [
        (e.data["wiegand_format"], e.data["facility"], e.data["card"])
        for e in events(recorder, hub, door, "card_read")
    ]
    assert reads == [("H10301", 42, resident.card.number), ("H10306", 300, 4242)]
    assert events(recorder, hub, door, "keypad")[0].data["digits"] == resident.pin + "#"


async def test_grant_releases_strike_then_contact_opens_and_closes(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(door.device_id, "grant_access", {"pulse_ms": 3000})
    recorder.publish(message)
    got = await recorder.wait(lambda: replies(recorder, hub, door), "reply")
    assert [(r.command_id, r.status) for r in got] == [(command_id, "confirmed")]
    assert list(door.log.strikes) == [command_id]
    await recorder.wait(lambda: door_states(recorder, hub, door)[-2:] == ["open", "closed"], "pass")


async def test_expired_and_replayed_grants_do_not_open(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    late_id, late = hub.command(door.device_id, "grant_access", {}, ttl_ms=-5)
    recorder.publish(late)
    await recorder.wait(lambda: replies(recorder, hub, door), "expired reply")
    command_id, message = hub.command(door.device_id, "grant_access", {})
    recorder.publish(message)
    await recorder.wait(lambda: len(replies(recorder, hub, door)) >= 2, "confirmed")
    await recorder.wait(lambda: door_states(recorder, hub, door)[-2:] == ["open", "closed"], "pass")
    recorder.publish(message)
    await recorder.wait(lambda: len(replies(recorder, hub, door)) >= 3, "replayed reply")
    assert [(r.command_id, r.status) for r in replies(recorder, hub, door)] == [
        (late_id, "expired"),
        (command_id, "confirmed"),
        (command_id, "replayed"),
    ]
    assert [c.verdict for c in door.commands] == ["expired", "accepted", "replayed"]
    assert list(door.log.strikes) == [command_id]
    assert door_states(recorder, hub, door) == ["open", "closed"]


async def test_deny_lights_red_without_opening(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(door.device_id, "deny_access", {})
    recorder.publish(message)
    got = await recorder.wait(lambda: replies(recorder, hub, door), "reply")
    assert [(r.command_id, r.status) for r in got] == [(command_id, "confirmed")]
    assert door.commands[-1].name == "deny_access"
    assert not door.log.strikes and not door.door_open


async def test_exit_button_and_forced_door(door: Door, recorder: Recorder, hub: HubView) -> None:
    await door.press_exit()
    await door.force_open(open_s=5)
    await recorder.wait(lambda: len(door_states(recorder, hub, door)) >= 5, "inputs")
    inputs = [e.data for e in events(recorder, hub, door, "inputs")][1:]
    assert inputs == [
        {"door": "closed", "exit_request": True},
        {"door": "open", "exit_request": False},
        {"door": "closed", "exit_request": False},
        {"door": "open", "exit_request": False},
        {"door": "closed", "exit_request": False},
    ]
    assert not door.log.strikes  # neither opened the strike


async def test_offline_fallback_uses_the_pushed_allowlist(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    resident = residents_of("c0001-b1")[1]
    assert resident.card is not None
    entry = {"format": "H10301", "facility": 42, "card": resident.card.number}
    _, message = hub.command(door.device_id, "push_allowlist", {"version": 7, "entries": [entry]})
    recorder.publish(message)
    await recorder.wait(lambda: door.allowlist is not None, "allow-list stored")
    door.go_offline()
    await door.present_card(Card("H10301", 42, 9999))  # not on the list
    await door.present_card(resident.card)
    assert [s.split(":")[0] for s in door.log.strikes] == ["allowlist"]
    await door.go_online()

    def cards() -> dict[int, int]:
        """Card number by report seq (QoS 1 may deliver a report twice, same seq)."""
        return {e.seq: e.data["card"] for e in events(recorder, hub, door, "card_read")}

    await recorder.wait(lambda: len(cards()) >= 2, "buffered card reads")
    assert sorted(cards().items()) == sorted(
        zip(sorted(cards()), [9999, resident.card.number], strict=True)
    )


async def test_unanswered_read_falls_back_to_the_allowlist(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    resident = residents_of("c0001-b1")[2]
    assert resident.card is not None
    entry = {"format": "H10301", "facility": 42, "card": resident.card.number}
    _, message = hub.command(door.device_id, "push_allowlist", {"version": 3, "entries": [entry]})
    recorder.publish(message)
    await recorder.wait(lambda: door.allowlist is not None, "allow-list stored")
    await door.present_card(resident.card)  # online, but no hub answers within 2 s
    await recorder.wait(lambda: list(door.log.strikes), "local decision")
    assert list(door.log.strikes) == [f"allowlist:42:{resident.card.number}"]


async def test_unknown_packets_are_refused_before_anything_runs(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    foreign = MfgCommand(0x123456, b"\x01\x02")
    command_id = uuid.uuid4().hex
    payload = encode_command_envelope(
        command_id, int(time.time() * 1000) + 30_000, [strike_pulse(3000), foreign]
    )
    recorder.publish(Outbound(f"osdp/{door.device_id}/cmd", payload, 1, False))
    got = await recorder.wait(lambda: replies(recorder, hub, door), "reply")
    assert [(r.command_id, r.status, r.reason) for r in got] == [
        (command_id, "rejected", "nak_unknown_command")
    ]
    assert door.commands[-1].verdict == "rejected"
    assert not door.log.strikes


async def test_a_frame_with_a_bad_crc_is_refused(
    door: Door, recorder: Recorder, hub: HubView
) -> None:
    command_id, message = hub.command(door.device_id, "grant_access", {})
    broken = message.payload[:-1] + bytes([message.payload[-1] ^ 0xFF])  # last CRC byte
    recorder.publish(Outbound(message.topic, broken, 1, False))
    got = await recorder.wait(lambda: replies(recorder, hub, door), "reply")
    assert [(r.command_id, r.status, r.reason) for r in got] == [
        (command_id, "rejected", "nak_bad_check")
    ]
    assert not door.log.strikes


async def test_after_its_offline_status_a_door_publishes_nothing_on_that_connection(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    """A reply still due when the unit announces it is going offline (a slow reply's
    timer) is kept for the next connection, after the online status."""
    spec = door_spec()
    hub.register(spec)
    slow = replace(FAST, faults=replace(IDEAL, slow_reply_ratio=1.0, slow_reply_s=0.3))
    door = Door(spec, broker, options=slow)
    await door.start()
    try:
        await recorder.wait(lambda: recorder.of(door.device_id), "online status")
        command_id, message = hub.command(door.device_id, "grant_access", {})
        recorder.publish(message)
        await recorder.wait(lambda: door.commands, "the grant taken")
        await door.say_goodbye("maintenance")
        await recorder.wait(lambda: door.buffer.items(), "the due reply kept for later")
        presence = [r for r in records(recorder, hub, door) if isinstance(r, Presence)]
        assert [p.online for p in presence] == [True, False]
        assert replies(recorder, hub, door) == []  # nothing after the offline status

        await door.link.disconnect()
        await door.go_online()
        got = await recorder.wait(lambda: replies(recorder, hub, door), "the kept reply")
        assert [(r.command_id, r.status) for r in got] == [(command_id, "confirmed")]
        found = records(recorder, hub, door)
        online_again = [i for i, r in enumerate(found) if isinstance(r, Presence) and r.online]
        assert online_again[1] < found.index(got[0])  # the reply came after the new status
    finally:
        await door.stop()
