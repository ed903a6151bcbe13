"""Vending machines into and out of alarms through Sparkplug B: cold chain (with its stock
hold) and low stock; the live stream and the gauge follow every step."""

from __future__ import annotations

from tests.integration.alarms.conftest import MINUTE_MS, AlarmHub


async def test_cold_chain_lifecycle_and_stock_hold(both_hub: AlarmHub) -> None:
    hub = both_hub
    machine = hub.vending()
    device = machine.device_id
    machine.birth(temperature_c=4.0, stock={1: 8, 2: 8, 3: 8, 4: 8})
    await hub.committed()
    machine.temperature(9.5)
    await hub.committed()
    await hub.tick(9 * MINUTE_MS)
    assert await hub.alarms(device=device) == []  # nine minutes above 8 °C: not yet
    machine.temperature(11.0)
    await hub.committed()
    await hub.tick(MINUTE_MS + 1)

    alarm = await hub.alarm(device, "cold_chain")
    assert alarm["state"] == "active" and alarm["severity"] == "critical"
    assert alarm["occurrences"] == 1 and alarm["condition_active"]
    assert alarm["stock_unsellable"] and alarm["details"]["unsellable_slots"] == [1, 2, 3, 4]
    assert alarm["details"]["peak_c"] == 11.0
    assert hub.gauge("vending", "cold_chain", "critical") == 1
    assert hub.actions(device, "cold_chain") == ["raised"]

    # Seen while still hot: acknowledged, the stock stays held.
    acked = await hub.acknowledged(alarm)
    assert acked["stock_unsellable"]
    assert (await hub.ack(alarm["id"])).json() == acked  # idempotent

    # Back below 8 °C: the condition ends, but the stock waits for an operator.
    machine.temperature(5.0)
    await hub.committed()
    ended = await hub.alarm(device, "cold_chain")
    assert ended["state"] == "acknowledged" and not ended["condition_active"]
    assert ended["stock_unsellable"] and ended["condition_ended_ms"] == hub.clock.now
    assert hub.gauge("vending", "cold_chain", "critical") == 1

    # A second excursion before the release: one alarm, two occurrences.
    machine.temperature(10.0)
    await hub.committed()
    await hub.tick(10 * MINUTE_MS)
    again = await hub.alarm(device, "cold_chain")
    assert again["id"] == alarm["id"] and again["occurrences"] == 2
    assert again["condition_active"] and again["state"] == "acknowledged"
    assert len(await hub.alarms(device=device)) == 1

    machine.temperature(6.0)
    await hub.committed()
    released = (await hub.ack(alarm["id"], scope="testcity-north")).json()
    assert released["state"] == "cleared" and not released["stock_unsellable"]
    assert released["acknowledged_by"] == acked["acknowledged_by"]  # the first one stays
    assert released["cleared_by"] == hub.actor("testcity-north") != acked["acknowledged_by"]
    assert hub.gauge("vending", "cold_chain", "critical") == 0
    assert hub.actions(device, "cold_chain") == [
        "raised",
        "acknowledged",
        "condition_ended",
        "repeated",
        "condition_ended",
        "cleared",
    ]
    detail = await hub.api.get(f"/api/v1/alarms/{alarm['id']}", headers=hub.token())
    assert [h["action"] for h in detail.json()["history"]] == hub.actions(device, "cold_chain")


async def test_low_stock_lifecycle(hub: AlarmHub) -> None:
    machine = hub.vending(1)
    device = machine.device_id
    machine.birth(temperature_c=4.0, stock={1: 8, 2: 8, 3: 2, 4: 8})
    await hub.committed()
    assert await hub.alarms(device=device) == []  # 2 of 10 is not below 20 %
    machine.stock(s3=1)
    await hub.committed()
    alarm = await hub.alarm(device, "low_stock")
    assert alarm["state"] == "active" and alarm["severity"] == "warning"
    assert alarm["details"]["slots"] == [{"slot": 3, "stock": 1, "capacity": 10}]
    assert hub.gauge("vending", "low_stock", "warning") == 1
    machine.stock(s3=0)  # the same slot lower: no new occurrence
    machine.stock(s1=1)  # another slot: one more
    await hub.committed()
    alarm = await hub.alarm(device, "low_stock")
    assert alarm["occurrences"] == 2
    assert [s["slot"] for s in alarm["details"]["slots"]] == [1, 3]
    acked = await hub.acknowledged(alarm, scope="testcity-south")
    machine.stock(s1=10, s3=10)  # restocked
    await hub.committed()
    cleared = await hub.alarm(device, "low_stock")
    assert cleared["state"] == "cleared" and cleared["cleared_by"] is None
    assert cleared["acknowledged_by"] == acked["acknowledged_by"]
    assert hub.gauge("vending", "low_stock", "warning") == 0
    assert hub.actions(device, "low_stock") == ["raised", "repeated", "acknowledged", "cleared"]
