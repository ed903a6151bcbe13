"""The ingest pipeline's contracts, through a whole worker: acknowledged only once
committed, redelivered messages stored once and told once, bad input a dead letter
(stored, counted, logged once per device and reason), each device's messages applied in
the order it sent them."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import Engine, select, text

from firmware_protocols.clock import wall_ms
from hub.domain.models import PARCEL
from hub.ipc.signals import PresenceChanges
from hub.store.reads import load_twins
from hub.store.schema import dead_letter, event, presence_change, telemetry
from hub.transport.base import InboundMessage
from tests.support.contract_hub import ContractHub
from tests.support.devices import Locker, locker_online, locker_telemetry_v2


def move_table(engine: Engine, name: str, to: str) -> None:
    """Take a store table away (the store then fails every batch), or bring it back."""
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {name} RENAME TO {to}"))


def telemetry_rows(hub: ContractHub, device_id: str, seq: int | None = None) -> int:
    where = [telemetry.c.device_id == device_id]
    if seq is not None:
        where.append(telemetry.c.seq == seq)
    return hub.count(telemetry, *where)


async def test_a_message_is_acknowledged_only_once_its_batch_is_committed(
    hub: ContractHub,
) -> None:
    locker = Locker(hub.wire, hub.fleet.lockers[1])
    stored_when_acked: list[bool] = []

    def on_ack(message: InboundMessage) -> None:
        seq = json.loads(message.payload)["seq"]
        stored_when_acked.append(telemetry_rows(hub, locker.device_id, seq) == 1)

    hub.transport.on_ack = on_ack
    locker.telemetry(c1="occupied")
    await hub.committed()
    assert stored_when_acked == [True]

    # The store fails: the batch is retried, nothing is acknowledged meanwhile.
    move_table(hub.engine, "telemetry", "telemetry_away")
    for _ in range(3):
        locker.telemetry(c2="occupied")
    await hub.wait(lambda: hub.worker.pipeline.commit_failures >= 1, "a failed commit")
    assert len(hub.transport.acked) == 1
    assert hub.worker.pipeline.committed_messages == 1
    assert len(hub.transport.unacked) == 3

    move_table(hub.engine, "telemetry_away", "telemetry")
    await hub.committed()
    assert stored_when_acked == [True] * 4
    assert hub.transport.unacked == {}
    assert telemetry_rows(hub, locker.device_id) == 4


async def test_messages_delivered_again_are_stored_once_and_told_once(hub: ContractHub) -> None:
    """The connection drops while a batch is being committed: its acks are lost, the
    broker delivers the messages again, the store's keys keep one row each and the
    domain hears of each event once."""
    locker = Locker(hub.wire, hub.fleet.lockers[1])
    building = hub.fleet.door_buildings[hub.fleet.doors[1]]  # in the locker's community
    move_table(hub.engine, "telemetry", "telemetry_away")
    locker.telemetry(c3="occupied")
    locker.deposit(3, wall_ms(), building)
    locker.telemetry(c4="occupied")
    await hub.wait(lambda: hub.worker.pipeline.commit_failures >= 1, "a failed commit")
    hub.transport.disconnect()
    move_table(hub.engine, "telemetry_away", "telemetry")
    await hub.committed(3)
    assert hub.transport.stale_acks == 3 and hub.transport.acked == []

    hub.transport.reconnect()
    await hub.committed(6)
    await hub.settled()
    assert hub.transport.redelivered == 3 and len(hub.transport.acked) == 3
    assert telemetry_rows(hub, locker.device_id) == 2
    assert hub.count(event, event.c.device_id == locker.device_id) == 1
    assert hub.count(PARCEL) == 1
    # One more deposit: once its live event is at the front, so is anything told before.
    locker.deposit(5, wall_ms(), building)
    await hub.wait(lambda: hub.count(PARCEL) == 2, "the second parcel")
    await hub.wait(
        lambda: [e.data["compartment"] for e in hub.live_events("parcel_deposited")] == [3, 5],
        "each deposit told once",
        lambda: str(hub.live_events("parcel_deposited")),
    )
    duplicates = hub.worker.metrics.registry.get_sample_value
    assert duplicates("hub_store_duplicates_total", {"table": "telemetry"}) == 2
    assert duplicates("hub_store_duplicates_total", {"table": "event"}) == 1


async def test_bad_input_is_a_dead_letter_counted_stored_and_logged_once(
    hub: ContractHub, caplog: pytest.LogCaptureFixture
) -> None:
    locker, door = hub.fleet.lockers[1], hub.fleet.doors[0]
    caplog.set_level(logging.WARNING)
    bad = [
        (f"lockerlink/{locker}/telemetry", b"{not json"),
        (f"lockerlink/{locker}/telemetry", b"[also not json"),
        (f"osdp/{door}/up", b"OM\x01garbage"),
        ("lockerlink/locker-9999/status", locker_online(1, wall_ms())),  # not registered
    ]
    for topic, payload in bad:
        hub.wire.publish(topic, payload)
    hub.wire.publish(f"lockerlink/{locker}/telemetry", locker_telemetry_v2(7, wall_ms()))
    await hub.wait(lambda: hub.count(dead_letter) == 4, "four dead letters")
    await hub.committed(4)  # the worker's share: the rest went to the command lane
    assert telemetry_rows(hub, locker, 7) == 1  # the loop went on

    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(dead_letter.c.device_id, dead_letter.c.reason, dead_letter.c.payload)
        ).all()
    assert sorted((row.device_id, row.reason) for row in rows) == [
        (door, "bad_kind"),
        (locker, "bad_json"),
        (locker, "bad_json"),
        ("locker-9999", "unknown_device"),
    ]
    assert {bytes(row.payload) for row in rows} == {payload for _, payload in bad}

    worker = hub.worker.metrics.registry.get_sample_value
    assert worker("hub_dead_letters_total", {"reason": "bad_json"}) == 2
    assert worker("hub_messages_rejected_total", {"kind": "locker", "reason": "bad_json"}) == 2
    front = hub.front.metrics.registry.get_sample_value
    assert front("hub_dead_letters_total", {"reason": "unknown_device"}) == 1
    logged = [r.getMessage() for r in caplog.records if "dead letter" in r.getMessage()]
    assert sum(f"device={locker}" in line and "bad_json" in line for line in logged) == 1
    assert sum(f"device={door}" in line for line in logged) == 1
    assert sum("locker-9999" in line for line in logged) == 1


async def test_each_device_is_applied_in_the_order_it_sent(hub: ContractHub) -> None:
    """Two lockers interleaved, many messages in few batches: each one's twin ends at its
    last report (a version for every report that changed it, stored as it is in
    memory), and its presence changes are stored and reach the front in the order it sent
    them."""
    first, second = (Locker(hub.wire, device) for device in reversed(hub.fleet.lockers))
    first.online()
    second.online()
    for step in range(1, 9):
        first.telemetry(**{f"c{step}": "occupied"})
        second.telemetry(**{f"c{9 - step}": "open"})
        if step == 4:
            first.offline()
        if step == 6:
            first.online()
    await hub.settled()

    twins = hub.worker.twins
    for locker, state in ((first, "occupied"), (second, "open")):
        twin = twins.get(locker.device_id)
        assert twin is not None
        reported = {n: c["state"] for n, c in twin.reported["compartments"].items()}
        assert reported == {str(n): state for n in range(1, 9)}
        assert twin.reported_version >= 8
        assert load_twins(hub.engine)[locker.device_id].reported_version == twin.reported_version
    with hub.engine.connect() as conn:
        stored_changes = conn.execute(
            select(presence_change.c.online, presence_change.c.reason)
            .where(presence_change.c.device_id == first.device_id)
            .order_by(presence_change.c.id)
        ).all()
    # Stored in the order sent. The key that lets replicas store one transition once has
    # one-second resolution, so the second "online" of a flap within a second is not
    # stored again: the history holds a prefix here.
    sent = [(True, "online"), (False, "maintenance"), (True, "online")]
    stored = [tuple(row) for row in stored_changes]
    assert stored == sent[: len(stored)] and len(stored) >= 2

    def told() -> list[bool]:
        return [
            t.online
            for signal in hub.front.received
            if isinstance(signal, PresenceChanges)
            for t in signal.transitions
            if t.device_id == first.device_id
        ]

    await hub.wait(lambda: told() == [True, False, True], "the changes at the front", told)
    assert hub.front.presence.is_online(first.device_id)
    assert hub.front.presence.is_online(second.device_id)
