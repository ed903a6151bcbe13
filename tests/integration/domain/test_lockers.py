"""Lockers against a real hub, broker and database: a courier's deposit creates a parcel
for the right resident with a pickup code, a pickup closes it, and the occupancy gauge
follows the compartments."""

from __future__ import annotations

from sqlmodel import Session, col, select

from firmware_protocols.clock import wall_ms
from firmware_protocols.lockerlink import Deposit, Pickup, uplink_outbound
from hub.domain.models import Parcel
from hub.domain.parcels import resident_parcels
from hub.live import LiveEvent
from tests.support.devices import locker_online, locker_telemetry_v2
from tests.support.hub_harness import ScriptedClient, hub_metric, running_hub
from tests.support.waiting import async_wait_until


async def test_deposits_make_parcels_and_pickups_close_them(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(
        database_url=database_url, instance_id="domain-lockers"
    )
    locker = fleet.lockers[1]  # community c0002, firmware generation 2
    building = fleet.door_buildings[fleet.doors[1]]  # c0002-b01, in the locker's community
    other_building = fleet.door_buildings[fleet.doors[0]]  # another community's
    recipient = fleet.residents[f"{building}/0102"]
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        domain = runtime.workers.local().domain
        live = runtime.live.subscribe()
        device = ScriptedClient(mosquitto_session.url, f"unit-{locker}").connect()
        ts = wall_ms()
        device.publish(f"lockerlink/{locker}/status", locker_online(1, ts))
        device.publish(f"lockerlink/{locker}/telemetry", locker_telemetry_v2(2, ts, occupied=3))

        def gauge(state: str) -> float | None:
            return hub_metric(runtime, "hub_locker_compartments", {"state": state})

        await async_wait_until(lambda: gauge("occupied") == 3, what="occupancy gauge")
        assert gauge("empty") == 5 and gauge("open") == 0 and gauge("fault") == 0

        def send(message: Deposit | Pickup) -> None:
            outbound = uplink_outbound(locker, message)
            device.publish(outbound.topic, outbound.payload)

        deposits = [
            # The courier types the building code in upper case; the unit is registered.
            Deposit(2, 10, ts + 10, 3, "SF1402937465", building.upper(), "0102"),
            Deposit(2, 11, ts + 11, 4, "YT0000000001", building, "9999"),
            Deposit(2, 12, ts + 12, 5, "JD0000000002", other_building, "0101"),
            Deposit(2, 13, ts + 13, 6, "ZT0000000003", "no-such-building", "0101"),
        ]
        for deposit in deposits:
            send(deposit)
        send(deposits[0])  # delivered twice: still one parcel
        send(Pickup(2, 20, ts + 20, 3, "app"))
        send(Pickup(2, 21, ts + 21, 4, "courier_return"))
        send(Pickup(2, 22, ts + 22, 8, "code"))  # nothing waits in compartment 8

        def parcel_states() -> list[str]:
            with Session(engine) as session:
                return [p.state for p in session.exec(select(Parcel).order_by(col(Parcel.id)))]

        await async_wait_until(
            lambda: parcel_states() == ["collected", "returned", "waiting", "waiting"],
            what="parcels deposited and two collected",
            detail=lambda: str(parcel_states()),
        )
        with Session(engine) as session:
            mine = resident_parcels(session, recipient)
        assert [(p.compartment, p.state) for p in mine] == [(3, "collected")]
        await async_wait_until(domain.idle, what="domain work done")
        # The parcel events come from the ingest worker through its link to the front:
        # they may arrive after the worker's domain is idle, so wait for all six.
        events: list[LiveEvent] = []

        def parcel_events() -> int:
            while not live.queue.empty():
                events.append(live.queue.get_nowait())
            return sum(e.type in ("parcel_deposited", "parcel_collected") for e in events)

        await async_wait_until(
            lambda: parcel_events() >= 6,
            what="four deposits and two collections on the live bus",
            detail=lambda: str([e.type for e in events]),
        )
        live.close()
        device.close()

    with Session(engine) as session:
        parcels = session.exec(select(Parcel).order_by(col(Parcel.deposit_seq))).all()
    assert [(p.compartment, p.resident_id, p.resolution, p.state) for p in parcels] == [
        (3, recipient, None, "collected"),
        (4, None, "unknown_unit", "returned"),
        (5, None, "other_community", "waiting"),
        (6, None, "unknown_building", "waiting"),
    ]
    first = parcels[0]
    assert first.tracking == "SF1402937465" and first.device_id == locker
    assert len(first.pickup_code) == 6 and first.pickup_code.isdigit()
    assert (first.deposited_ms, first.collected_ms, first.pickup_method) == (
        ts + 10,
        ts + 20,
        "app",
    )
    assert len({p.pickup_code for p in parcels}) >= 2  # random, not a constant
    deposited = [e for e in events if e.type == "parcel_deposited"]
    collected = [e for e in events if e.type == "parcel_collected"]
    assert [e.data["compartment"] for e in deposited] == [3, 4, 5, 6]
    assert deposited[0].data["resident_id"] == recipient
    assert all("pickup_code" not in e.data for e in deposited)  # operators never see codes
    assert [(e.data["compartment"], e.data["state"]) for e in collected] == [
        (3, "collected"),
        (4, "returned"),
    ]
