"""The DEX audit alarm through Sparkplug B: an audit failing its G85 CRC raises it, an
audit whose vends disagree with the live vends repeats it, a good audit clears it; the
invalid audit is counted in hub_dex_audits by district and result."""

from __future__ import annotations

import uuid

from device_sims.vending import garble_va1
from firmware_protocols.dex import AuditData, Currency, SalesTotals, write_dex
from firmware_protocols.sparkplug_b.vending_model import DEX_AUDIT, vend_values
from tests.integration.alarms.conftest import MINUTE_MS, NORTH, AlarmHub

SETTLED_MS = 3 * MINUTE_MS  # past the rule's settle_s (120 s) after each audit


def audit(vends: int, value: int) -> str:
    data = AuditData(
        currency=Currency(decimal_places=2, numeric_code="1156", alpha_code="CNY"),
        paid_vends=SalesTotals(value, vends, value, vends),
    )
    return write_dex(data).decode()


async def test_bad_crc_raises_disagreeing_vends_repeat_a_good_audit_clears(
    both_hub: AlarmHub,
) -> None:
    hub = both_hub
    machine = hub.vending()
    device = machine.device_id
    machine.birth(temperature_c=4.0, stock={1: 8, 2: 8})

    async def judged() -> None:
        await hub.committed()
        await hub.domain_settled()
        await hub.tick(SETTLED_MS)

    machine.data({DEX_AUDIT: audit(2, 700)})  # the baseline
    for _ in range(3):
        machine.data(vend_values(1, 350, uuid.uuid4().hex))
    machine.data({DEX_AUDIT: audit(5, 1_750)})  # three more, as the hub heard them
    await judged()
    assert await hub.alarms(device=device, type="dex_audit") == []

    machine.data({DEX_AUDIT: garble_va1(audit(5, 1_750))})
    await judged()
    alarm = await hub.alarm(device, "dex_audit")
    assert (alarm["state"], alarm["severity"], alarm["occurrences"]) == ("active", "major", 1)
    assert alarm["details"]["problems"] == ["crc_failed"]
    assert hub.gauge("vending", "dex_audit", "major", district=NORTH) == 1
    worker = hub.runtime.workers.local().metrics.registry  # counted where it was stored
    counted = worker.get_sample_value(
        "hub_dex_audits_total", {"district": NORTH, "result": "crc_failed"}
    )
    valid = worker.get_sample_value("hub_dex_audits_total", {"district": NORTH, "result": "valid"})
    assert (counted, valid) == (1.0, 2.0)

    machine.data({DEX_AUDIT: audit(12, 4_200)})  # seven vends the hub never heard of
    await judged()
    repeated = await hub.alarm(device, "dex_audit")
    assert repeated["id"] == alarm["id"] and repeated["occurrences"] == 2
    details = repeated["details"]
    assert details["problems"] == ["vends_disagree"]
    assert (details["audit_vends"], details["live_vends"], details["vends_difference"]) == (7, 0, 7)

    machine.data(vend_values(2, 350, uuid.uuid4().hex))
    machine.data({DEX_AUDIT: audit(13, 4_550)})  # one more, heard live: agrees
    await judged()
    cleared = await hub.alarm(device, "dex_audit")
    assert cleared["id"] == alarm["id"] and cleared["state"] == "cleared"
    assert hub.actions(device, "dex_audit") == ["raised", "repeated", "cleared"]
    assert hub.gauge("vending", "dex_audit", "major") == 0
