"""What the domain records from an event is committed with the event itself: a parcel with
its deposit, whatever happens to the hub; an event whose record the database refuses is
kept, with a dead letter saying why, and ingest goes on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select, text

from firmware_protocols.clock import wall_ms
from firmware_protocols.lockerlink import Deposit, uplink_outbound
from hub.db.engine import is_sqlite
from hub.domain.models import PARCEL
from hub.store.reads import dead_letters, event_count
from tests.support.broker import PrivateMosquitto
from tests.support.devices import locker_online
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.hub_process import HubProcess, serve_env
from tests.support.waiting import async_wait_until, wait_until

REFUSED = "SF-REFUSED-BY-DB"


def refuse_parcels_tracked(engine: Engine, tracking: str) -> None:
    """A database trigger refusing the parcel of one tracking number (the kind of failure
    one event's record can meet: a value the table will not take)."""
    with engine.begin() as conn:
        if is_sqlite(engine):
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_parcel BEFORE INSERT ON parcel"
                    f" WHEN NEW.tracking = '{tracking}'"
                    " BEGIN SELECT RAISE(ABORT, 'parcel refused by the test'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_parcel() RETURNS trigger AS $$ BEGIN"
                    f" IF NEW.tracking = '{tracking}' THEN"
                    " RAISE EXCEPTION 'parcel refused by the test'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_parcel BEFORE INSERT ON parcel"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_parcel()"
                )
            )


def parcel_trackings(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(PARCEL.c.tracking).order_by(PARCEL.c.deposit_seq))
        return [row.tracking for row in rows]


async def test_a_refused_record_keeps_its_event_and_leaves_a_dead_letter(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(database_url=database_url, instance_id="records")
    locker = fleet.lockers[1]  # lockerlink v2
    building = fleet.door_buildings[fleet.doors[1]]  # in the locker's community
    refuse_parcels_tracked(engine, REFUSED)
    async with running_hub(settings, mosquitto_session.url, shared=False):
        device = ScriptedClient(mosquitto_session.url, f"unit-{locker}").connect()
        ts = wall_ms()
        device.publish(f"lockerlink/{locker}/status", locker_online(1, ts))
        trackings = ["SF0000000001", REFUSED, "SF0000000003"]
        for seq, tracking in enumerate(trackings, start=10):
            deposit = Deposit(2, seq, ts + seq, seq - 7, tracking, building, "0101")
            outbound = uplink_outbound(locker, deposit)
            device.publish(outbound.topic, outbound.payload)
        await async_wait_until(
            lambda: event_count(engine, locker, "deposit") == 3,
            what="three deposits stored",
        )
        # The two others have their parcels, committed with them; the refused one has a
        # dead letter naming the device, the event and the database's reason.
        assert parcel_trackings(engine) == ["SF0000000001", "SF0000000003"]
        [letter] = dead_letters(engine, reason="record_failed")
        assert letter.device_id == locker
        assert b'"seq":11' in letter.payload and REFUSED.encode() in letter.payload
        assert "parcel refused by the test" in letter.detail
        # Ingest goes on: the next deposit is stored and recorded.
        deposit = Deposit(2, 20, ts + 20, 8, "SF0000000020", building, "0101")
        outbound = uplink_outbound(locker, deposit)
        device.publish(outbound.topic, outbound.payload)
        await async_wait_until(
            lambda: "SF0000000020" in parcel_trackings(engine), what="a later deposit recorded"
        )
        device.close()


def test_hub_killed_mid_deposits_leaves_no_deposit_without_its_parcel(
    tmp_path: Path, private_mosquitto: PrivateMosquitto, with_tiny_fleet
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet()
    locker = fleet.lockers[1]
    building = fleet.door_buildings[fleet.doors[1]]
    hub = HubProcess(
        serve_env(
            private_mosquitto.url,
            settings.database_url,
            "records-killed",
            ingest_workers=2,
            ingest_batch_size=20,
        ),
        log_path=tmp_path / "hub.log",
    )
    hub.start()
    device = ScriptedClient(private_mosquitto.url, f"unit-{locker}").connect()
    total = 600
    ts = wall_ms()

    def deposits_and_parcels() -> tuple[int, int]:
        with engine.connect() as conn:
            parcels = conn.execute(
                select(func.count()).select_from(PARCEL).where(PARCEL.c.device_id == locker)
            ).scalar_one()
        return event_count(engine, locker, "deposit"), int(parcels)

    try:
        for seq in range(1, total + 1):
            deposit = Deposit(2, seq, ts + seq, 1 + seq % 8, f"SF{seq:010d}", building, "0101")
            outbound = uplink_outbound(locker, deposit)
            device.publish(outbound.topic, outbound.payload)
            if seq == total // 3:
                wait_until(lambda: deposits_and_parcels()[0] > 0, what="first deposits stored")
                hub.kill_all()  # the front and its workers, wherever they are
        stored, parcels = deposits_and_parcels()
        assert stored < total, "the kill must land mid-stream for this test to mean anything"
        assert parcels == stored  # none stored without its parcel
        hub.start()
        wait_until(lambda: deposits_and_parcels()[0] == total, what="every deposit stored")
        assert deposits_and_parcels() == (total, total)
    finally:
        device.close()
        hub.stop()
