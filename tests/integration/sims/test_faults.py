"""Fault injection and firmware rules shared by every kind: malformed frames the hub
refuses, duplicates, missing replies, last wills, hangs and broker outages."""

from __future__ import annotations

import pytest

from device_sims.device import SimOptions
from device_sims.faults import FaultProfile
from device_sims.locker import Locker
from firmware_protocols.base import CodecError, CommandReply, Presence, Telemetry
from mqtt_link.address import BrokerAddress
from tests.integration.sims.conftest import FAST, HubView, Recorder, make_device
from tests.support.broker import PrivateMosquitto

pytestmark = pytest.mark.broker
KINDS = ["locker", "vending", "door"]


def telemetry_topic(topic: str) -> bool:
    return topic.endswith(("/telemetry", "/up")) or "/DDATA/" in topic


@pytest.mark.parametrize("kind", KINDS)
async def test_malformed_frames_are_refused_by_the_hub_decoder(
    kind: str, broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    faulty = FaultProfile("malformed", malformed_ratio=0.3)
    device = make_device(kind, broker, hub, SimOptions(speed=1000, behaviour=False, faults=faulty))
    await device.start()
    for _ in range(60):
        await device.publish_telemetry()
    await device.stop()
    expected = device.sent["telemetry" if kind == "locker" else "up" if kind == "door" else "vmc"]
    assert expected >= 60

    def data() -> list[bytes]:
        return [m.payload for m in recorder.of(device.device_id) if telemetry_topic(m.topic)]

    await recorder.wait(lambda: len(data()) >= 60, "all telemetry")
    session = hub.session(device.device_id)
    refused, decoded = 0, 0
    for seen in recorder.of(device.device_id):
        routed = hub.codecs.route(seen.topic)
        if routed is None:
            continue
        try:
            records = session.decode(routed[2], seen.payload)
        except CodecError:
            refused += 1
        else:
            decoded += sum(1 for r in records if isinstance(r, Telemetry))
    assert device.faults.malformed_sent > 5
    assert refused == device.faults.malformed_sent
    assert decoded >= 60 - refused


async def test_duplicates_carry_the_same_sequence_number(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    doubled = FaultProfile("duplicates", duplicate_ratio=0.5)
    device = make_device(
        "locker", broker, hub, SimOptions(speed=1000, behaviour=False, faults=doubled)
    )
    await device.start()
    for _ in range(20):
        await device.publish_telemetry()
    total = 20 + device.faults.duplicates_sent

    def seqs() -> list[int]:
        found = hub.records(recorder, device.device_id)
        return [r.seq for r in found if isinstance(r, Telemetry)]

    await recorder.wait(lambda: len(seqs()) >= total + 1, "telemetry with duplicates")
    await device.stop()
    assert device.faults.duplicates_sent > 3
    assert len(seqs()) == total + 1  # the one after the online status, the 20, the copies
    assert len(set(seqs())) == 21


async def test_missing_reply_still_executes(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    silent = FaultProfile("silent", missing_reply_ratio=1.0)
    locker = make_device(
        "locker", broker, hub, SimOptions(speed=1000, behaviour=False, faults=silent)
    )
    assert isinstance(locker, Locker)
    await locker.start()
    _, message = hub.command(
        locker.device_id, "open_compartment", {"compartment": 1, "reason": "service"}
    )
    recorder.publish(message)
    await recorder.wait(lambda: locker.slots[1].door_open, "door opened")
    locker.tamper()  # a later event proves the broker passed on everything sent before
    await recorder.wait(
        lambda: [
            r for r in hub.records(recorder, locker.device_id) if getattr(r, "type", "") == "tamper"
        ],
        "tamper event",
    )
    await locker.stop()
    assert not [r for r in hub.records(recorder, locker.device_id) if isinstance(r, CommandReply)]
    assert [c.verdict for c in locker.commands] == ["accepted"]


@pytest.mark.parametrize("kind", KINDS)
async def test_last_will_when_killed(
    kind: str, broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    device = make_device(kind, broker, hub)
    await device.start()
    await device.kill()

    def offline() -> list[Presence]:
        found = hub.records(recorder, device.device_id)
        return [r for r in found if isinstance(r, Presence) and not r.online]

    found = await recorder.wait(offline, "last will")
    assert found[0].reason in ("connection_lost", "lwt", "ndeath")


async def test_hung_firmware_is_dropped_by_the_broker(
    broker: BrokerAddress, hub: HubView, recorder: Recorder
) -> None:
    device = make_device(
        "door", broker, hub, SimOptions(speed=1000, behaviour=False, keepalive_s=1)
    )
    await device.start()
    device.hang()
    await device.publish_telemetry()  # a hung firmware sends nothing
    found = await recorder.wait(
        lambda: [
            r
            for r in hub.records(recorder, device.device_id)
            if isinstance(r, Presence) and not r.online
        ],
        "will after 1.5 x keepalive",
    )
    assert found[0].reason == "lwt"
    reports = [r for r in hub.records(recorder, device.device_id) if isinstance(r, Telemetry)]
    assert len(reports) == 1  # only the one sent right after connecting
    await device.kill()


async def test_telemetry_buffered_over_a_broker_restart_arrives(
    private_mosquitto: PrivateMosquitto, hub: HubView
) -> None:
    recorder = Recorder(private_mosquitto.url, persistent=True)
    recorder.start()
    broker = BrokerAddress.parse(private_mosquitto.url)
    device = make_device("locker", broker, hub, FAST)
    await device.start()
    try:
        private_mosquitto.stop()
        await recorder.wait(lambda: not device.online.is_set(), "connection lost")
        for _ in range(5):
            await device.publish_telemetry()
        kept = len(device.buffer)
        assert kept == 5
        private_mosquitto.start()
        await recorder.wait(device.online.is_set, "reconnected")
        assert len(device.buffer) == 0

        def telemetry() -> list[Telemetry]:
            found = hub.records(recorder, device.device_id)
            return [r for r in found if isinstance(r, Telemetry)]

        # one after the first connect, the five buffered, one after the reconnect
        await recorder.wait(lambda: len({t.seq for t in telemetry()}) >= 7, "buffered telemetry")
        assert device.link.connects == 2
    finally:
        await device.stop()
        recorder.stop()
