"""Telemetry and events of all three kinds reach the store and the twins, through the
vendors' own wire formats, on a real broker and both stores."""

from __future__ import annotations

from firmware_protocols.clock import wall_ms
from firmware_protocols.osdp.device import encode_report
from firmware_protocols.osdp.door import inputs_reply
from firmware_protocols.osdp.replies import RawCardReply
from firmware_protocols.osdp.status import DeviceStatus, encode_status
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.vending_model import (
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
    vend_values,
)
from firmware_protocols.wiegand import WiegandCard, encode_bits
from hub.db.engine import make_engine
from hub.store.queries import count_by_reason, event_count, telemetry_count
from tests.support.devices import locker_online, locker_telemetry_v2
from tests.support.hub_harness import ScriptedClient, running_hub, wait_committed
from tests.support.tiny_fleet import create_tiny_fleet


async def test_lockers_vending_and_doors_reach_store_and_twins(
    database_url, settings_factory, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(database_url=database_url, instance_id="core-all-kinds")
    engine = make_engine(database_url)
    fleet = create_tiny_fleet(engine, settings.effective_secret_key)
    locker, vending, door = fleet.lockers[1], fleet.vending[0], fleet.doors[0]
    async with running_hub(settings, mosquitto_session.url) as runtime:
        client = ScriptedClient(mosquitto_session.url, "all-kinds-devices").connect()
        ts = wall_ms()
        # Locker (lockerlink v2).
        client.publish(f"lockerlink/{locker}/status", locker_online(1, ts))
        client.publish(f"lockerlink/{locker}/telemetry", locker_telemetry_v2(2, ts, occupied=2))
        # Vending machine (Sparkplug B): births then a vend.
        node = EdgeNode("vending", vending)
        node.connect(ts)
        slots = {n: SlotState(stock=8, price=350, capacity=10) for n in range(1, 5)}
        for message in (
            node.nbirth(node_birth_metrics("2.0.0", "test"), ts),
            node.dbirth(
                "vmc",
                device_birth_metrics(
                    temperature_c=4.5,
                    setpoint_c=4.0,
                    door_open=False,
                    compressor_on=True,
                    slots=slots,
                ),
                ts,
            ),
            node.ddata("vmc", vend_values(2, 350, "v-1"), ts + 1),
        ):
            client.publish(message.topic, message.payload, qos=message.qos)
        # Door unit (OSDP in envelopes): status, a card read, the door contact.
        client.publish(
            f"osdp/{door}/status", encode_status(DeviceStatus(online=True, firmware="1.0.0", ts=ts))
        )
        card = encode_bits(WiegandCard("H10301", 12, 3456))
        client.publish(f"osdp/{door}/up", encode_report(1, ts, [RawCardReply(reader=0, bits=card)]))
        client.publish(f"osdp/{door}/up", encode_report(2, ts + 5, [inputs_reply(True, False)]))
        client.publish(f"osdp/{door}/up", b"OM\x01garbage")  # malformed: dead letter
        await wait_committed(runtime, 9)
        client.close()

        for device_id in (locker, vending, door):
            assert runtime.workers.local().presence.is_online(device_id), device_id
        locker_twin, vending_twin, door_twin = (
            runtime.workers.local().twins.get(locker),
            runtime.workers.local().twins.get(vending),
            runtime.workers.local().twins.get(door),
        )
        assert locker_twin is not None and locker_twin.reported["compartments"]["2"]["occupied"]
        assert vending_twin is not None and "slots" in vending_twin.reported
        assert door_twin is not None and door_twin.reported.get("door") == "open"

    assert telemetry_count(engine, locker) > 0
    assert telemetry_count(engine, vending) > 0
    assert telemetry_count(engine, door) > 0
    assert event_count(engine, vending, type="vend") == 1
    assert event_count(engine, door, type="card_read") == 1
    assert event_count(engine, door, type="inputs") == 1
    assert sum(count_by_reason(engine).values()) == 1
    engine.dispose()
