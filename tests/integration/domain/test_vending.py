"""Vending machines against a real hub, broker and database: vends lower the stock and
become sales, DEX audits are stored with their totals, and the desired setpoint is sent
when the machine comes online (a sequence gap's rebirth request: tests/contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from firmware_protocols.dex import AuditData, Product, SalesTotals, read_dex, write_dex
from firmware_protocols.sparkplug_b.vending_model import DEX_AUDIT as DEX_METRIC
from firmware_protocols.sparkplug_b.vending_model import slot_metric, vend_values
from hub.domain.dex_audits import product_totals
from hub.domain.models import DEX_AUDIT, VENDING_SALE
from hub.registry.paths import district_of
from hub.store.reads import load_twins
from tests.support.devices import VendingMachine, Wire
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.waiting import async_wait_until

VECTOR = "reneaaron-eva-dts-parser-sample.dex.txt"  # G85 F66D, SE 144, VA1 143500 / 423


def rows(engine: Engine, table: Any, order: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(order)).all())


def stock(twins: Any, device_id: str, slot: int) -> int | None:
    twin = twins.get(device_id)
    return None if twin is None else twin.reported.get("slots", {}).get(str(slot), {}).get("stock")


async def test_vends_sales_stock_and_setpoint(
    database_url, with_tiny_fleet, mosquitto_session
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(
        database_url=database_url, instance_id="domain-vending"
    )
    vending = fleet.vending[0]
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        domain = runtime.workers.local().domain
        runtime.workers.local().twins.desire(vending, {"setpoint_c": 5.5}, 0)
        machine = VendingMachine(
            Wire(ScriptedClient(mosquitto_session.url, f"unit-{vending}").connect()), vending
        ).listen()
        machine.birth()
        # Online: the desired setpoint goes out.
        await async_wait_until(lambda: machine.commands(), what="a command to the machine")
        [setpoint] = machine.commands()
        assert (setpoint.name, setpoint.params, setpoint.node) == (
            "set_temperature",
            {"setpoint_c": 5.5},
            False,
        )
        machine.data(vend_values(2, 400, "v-1"))  # no stock in the message: the hub counts
        machine.data(vend_values(3, 450, "v-2") | {slot_metric(3, "Stock"): 9})  # the machine does
        machine.data(vend_values(2, 400, "v-1"))  # the same vend again, in a new message
        await async_wait_until(
            lambda: len(rows(engine, VENDING_SALE, VENDING_SALE.c.id)) == 2, what="two sales"
        )
        await async_wait_until(
            lambda: stock(runtime.workers.local().twins, vending, 2) == 9 and domain.idle(),
            what="stock lowered",
        )
        assert (
            stock(runtime.workers.local().twins, vending, 3) == 9
        )  # the machine's own count, not 8
        assert stock(runtime.workers.local().twins, vending, 1) == 10
        registry = runtime.workers.local().metrics.registry
        entry = runtime.directory.get(vending)
        assert entry is not None
        district = {"district": district_of(entry.info.path)}  # sales by district
        assert registry.get_sample_value("hub_vending_sales_total", district) == 2
        assert registry.get_sample_value("hub_vending_revenue_fen_total", district) == 850
        await async_wait_until(
            lambda: (load_twins(engine)[vending].reported["slots"]["2"]["stock"]) == 9,
            what="lowered stock stored",
        )
        machine.wire.close()
    sales = rows(engine, VENDING_SALE, VENDING_SALE.c.id)
    assert [(s.device_id, s.slot, s.price, s.vend_id) for s in sales] == [
        (vending, 2, 400, "v-1"),
        (vending, 3, 450, "v-2"),
    ]


async def test_dex_audits_are_stored_with_their_totals(
    database_url, with_tiny_fleet, mosquitto_session, vectors_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    settings, engine, fleet = with_tiny_fleet(database_url=database_url, instance_id="domain-dex")
    vending = fleet.vending[1]
    # The public file is stored with LF; machines send CRLF.
    public = (vectors_dir / "dex" / VECTOR).read_text().replace("\n", "\r\n")
    ours = write_dex(
        AuditData(
            paid_vends=SalesTotals(2_600, 7, 800, 2),
            cash=SalesTotals(1_800, 5),
            cashless=SalesTotals(800, 2),
            products=(Product("1", 350, "spinach", 4, 1_400), Product("2", 400, "leek", 3, 1_200)),
        )
    ).decode()
    async with running_hub(settings, mosquitto_session.url, shared=False) as runtime:
        machine = VendingMachine(
            Wire(ScriptedClient(mosquitto_session.url, f"unit-{vending}").connect()), vending
        ).listen()
        machine.birth()
        machine.data({DEX_METRIC: public})
        machine.data({DEX_METRIC: ours})
        machine.data({DEX_METRIC: "not an audit"})
        await async_wait_until(
            lambda: len(rows(engine, DEX_AUDIT, DEX_AUDIT.c.seq)) == 3, what="three audits"
        )
        assert (
            runtime.workers.local().domain is not None
            and runtime.workers.local().domain.failed == 0
        )
        machine.wire.close()
    first, second, junk = rows(engine, DEX_AUDIT, DEX_AUDIT.c.seq)
    expected = read_dex(public).data
    assert (first.complete, first.g85_ok, first.se_ok, first.error) == (True, True, True, None)
    assert (first.va1_value, first.va1_count) == (143_500, 423)
    assert (first.va1_value_reset, first.va1_count_reset) == (142_450, 421)
    assert (first.ca2_value, first.ca2_count, first.da2_value, first.da2_count) == (
        128_250,
        382,
        15_250,
        41,
    )
    assert first.products == [product_totals(p) for p in expected.products]
    assert len(first.products) == 36
    assert sum(p["value"] for p in first.products) == sum(
        p.value_since_init or 0 for p in expected.products
    )
    assert (second.g85_ok, second.se_ok, second.va1_value, second.va1_count) == (
        True,
        True,
        2_600,
        7,
    )
    assert [(p["selection"], p["count"], p["value"]) for p in second.products] == [
        ("1", 4, 1_400),
        ("2", 3, 1_200),
    ]
    assert (junk.error, junk.complete, junk.va1_value) == ("not_dex", False, None)
    assert {row.device_id for row in (first, second, junk)} == {vending}
