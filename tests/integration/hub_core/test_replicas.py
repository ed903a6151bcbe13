"""Two hub replicas on one PostgreSQL with a shared subscription split the telemetry."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from firmware_protocols.clock import wall_ms
from hub.db.engine import make_engine
from hub.store.schema import telemetry
from tests.support.devices import locker_telemetry_v2
from tests.support.hub_harness import ScriptedClient, committed_messages, running_hub
from tests.support.tiny_fleet import create_tiny_fleet
from tests.support.waiting import async_wait_until


async def test_two_replicas_split_shared_telemetry_and_store_each_once(
    postgres_url, settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    group = f"split{time.monotonic_ns() % 1_000_000}"
    first = settings_factory(database_url=postgres_url, instance_id="replica-a", share_group=group)
    second = settings_factory(database_url=postgres_url, instance_id="replica-b", share_group=group)
    engine = make_engine(postgres_url)
    fleet = create_tiny_fleet(engine, first.effective_secret_key)
    per_locker = 300
    base_ts = wall_ms()
    async with (
        running_hub(first, private_mosquitto.url) as replica_a,
        running_hub(second, private_mosquitto.url) as replica_b,
    ):
        device = ScriptedClient(private_mosquitto.url, f"{group}-device").connect()
        for seq in range(1, per_locker + 1):
            for locker in fleet.lockers:
                device.publish(
                    f"lockerlink/{locker}/telemetry", locker_telemetry_v2(seq, base_ts + seq)
                )
        device.close()
        total = per_locker * len(fleet.lockers)
        await async_wait_until(
            lambda: committed_messages(replica_a) + committed_messages(replica_b) >= total,
            what="both replicas together committed every message",
        )
        a_share = committed_messages(replica_a)
        b_share = committed_messages(replica_b)
    assert a_share > 0 and b_share > 0, (a_share, b_share)
    assert a_share + b_share == total
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(
                select(telemetry.c.device_id, telemetry.c.seq).distinct().subquery()
            )
        ).scalar_one()
    assert stored == total
    engine.dispose()
