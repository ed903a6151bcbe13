"""Hub core against a real Mosquitto and both stores: ingest, dedup, dead letters, twins,
presence by will and by heartbeat."""

from __future__ import annotations

from sqlalchemy import func, select

from firmware_protocols.clock import wall_ms
from firmware_protocols.lockerlink import encode_will
from hub.store.schema import dead_letter, presence_change, telemetry
from tests.support.devices import locker_online, locker_telemetry_v1, locker_telemetry_v2
from tests.support.hub_harness import ScriptedClient, running_hub, wait_committed
from tests.support.waiting import async_wait_until


def count(engine, table, *where) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


async def test_telemetry_twins_dedup_and_dead_letters(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(database_url=database_url, instance_id="core-ingest")
    v1, v2 = fleet.lockers  # locker-0001 runs firmware 1.x, locker-0002 firmware 2.x
    async with running_hub(settings, mosquitto_session.url) as runtime:
        device = ScriptedClient(mosquitto_session.url, "test-core-ingest").connect()
        ts = wall_ms()
        device.publish(f"lockerlink/{v2}/status", locker_online(1, ts), retain=False)
        device.publish(f"lockerlink/{v2}/telemetry", locker_telemetry_v2(2, ts, occupied=3))
        device.publish(f"lockerlink/{v1}/telemetry", locker_telemetry_v1(7, ts))
        # The same QoS 1 message twice: the second delivery adds no row.
        device.publish(f"lockerlink/{v2}/telemetry", locker_telemetry_v2(2, ts, occupied=3))
        # Malformed: a dead letter, and the loop goes on. A device the registry does not
        # know is heard only through its status (the workers subscribe to registered
        # devices' topics): a dead letter too.
        device.publish(f"lockerlink/{v2}/telemetry", b"{not json")
        device.publish("lockerlink/locker-9999/telemetry", locker_telemetry_v2(1, ts))
        device.publish("lockerlink/locker-9999/status", locker_online(1, ts), retain=False)
        device.publish(f"lockerlink/{v2}/telemetry", locker_telemetry_v2(3, ts + 1000, occupied=4))
        await wait_committed(runtime, 6)
        # Only this test's devices count: the session's broker keeps the retained statuses
        # (lockerlink's status is retained) of devices earlier tests left behind, and a
        # new hub hears them as unknown devices too.
        ours = dead_letter.c.device_id.in_([v1, v2, "locker-9999"])
        await async_wait_until(
            lambda: count(engine, dead_letter, ours, dead_letter.c.reason == "unknown_device") == 1,
            what="the unknown device's status as a dead letter",
        )
        device.close()

        twin = runtime.workers.local().twins.get(v2)
        assert twin is not None
        assert twin.reported["compartments"]["4"]["state"] == "occupied"
        assert twin.reported_version >= 2
        v1_twin = runtime.workers.local().twins.get(v1)
        assert v1_twin is not None and v1_twin.reported["compartments"]["2"]["door"] == "open"
        assert runtime.workers.local().presence.is_online(v2)

    # seq 2 was delivered twice but stored once; seq 3 once.
    assert count(engine, telemetry, telemetry.c.device_id == v2, telemetry.c.seq == 2) == 1
    assert count(engine, telemetry, telemetry.c.device_id == v2) == 2
    assert count(engine, telemetry, telemetry.c.device_id == v1) > 0
    assert count(engine, dead_letter, ours) == 2
    assert count(engine, dead_letter, ours, dead_letter.c.reason == "unknown_device") == 1
    assert count(engine, dead_letter, dead_letter.c.device_id == v2) == 1
    assert count(engine, presence_change, presence_change.c.device_id == v2) == 1


async def test_will_and_heartbeat_mark_devices_offline_with_reason(
    sqlite_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(
        database_url=sqlite_url, instance_id="core-presence", device_keepalive_s=1
    )
    dying, hanging = fleet.lockers
    async with running_hub(settings, mosquitto_session.url) as runtime:
        will = (f"lockerlink/{dying}/status", encode_will(2))
        first = ScriptedClient(mosquitto_session.url, dying, will=will).connect()
        second = ScriptedClient(mosquitto_session.url, hanging).connect()
        first.publish(f"lockerlink/{dying}/status", locker_online(1, wall_ms()))
        second.publish(f"lockerlink/{hanging}/status", locker_online(1, wall_ms()))
        await async_wait_until(
            lambda: runtime.presence.is_online(dying) and runtime.presence.is_online(hanging),
            what="both online",
        )
        first.kill()  # the broker publishes the will
        # `hanging` stays connected but says nothing: the heartbeat sweep takes it offline.
        await async_wait_until(
            lambda: (
                not runtime.presence.is_online(dying) and not runtime.presence.is_online(hanging)
            ),
            what="both offline",
        )
        dying_state = runtime.presence.get(dying)
        hanging_state = runtime.presence.get(hanging)
        assert dying_state is not None and hanging_state is not None
        assert dying_state.reason == "connection_lost"
        assert hanging_state.reason == "heartbeat_timeout"
        await async_wait_until(
            lambda: count(engine, presence_change, presence_change.c.online.is_(False)) == 2,
            what="offline transitions stored",
        )
        second.close()
    with engine.connect() as conn:
        reasons = dict(
            conn.execute(
                select(presence_change.c.device_id, presence_change.c.reason).where(
                    presence_change.c.online.is_(False)
                )
            ).all()
        )
    assert reasons == {dying: "connection_lost", hanging: "heartbeat_timeout"}
