"""DEX audits in the API and the monthly reports (JSON and CSV), against a real hub with
simulated devices: audits checked and compared with the live vends, a garbled audit
flagged, and each report's figures equal to what the devices did."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from hub.city_clock import CityClock
from tests.integration.api.conftest import (
    ApiHub,
    bearer,
    start_door,
    start_locker,
    start_vending,
)
from tests.support.waiting import async_wait_until


async def get(hub: ApiHub, token: str, path: str, **params: Any) -> Any:
    response = await hub.client.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


def this_month() -> str:
    day = CityClock("Asia/Shanghai").day_of(time.time_ns() // 1_000_000)
    return f"{day.year:04d}-{day.month:02d}"


async def test_dex_audits_compared_with_live_vends_and_the_sales_report(both_api: ApiHub) -> None:
    api = both_api
    token = api.operator_token("testcity")
    machine = await start_vending(api, "vending-0001")
    path = "/api/v1/devices/vending-0001/dex-audits"
    try:
        await machine.vend(1)
        await machine.vend(2)
        machine.publish_audit()  # the baseline: 2 vends since initialisation
        for slot in (1, 3, 3):
            await machine.vend(slot)
        machine.publish_audit()  # 3 more
        machine.publish_audit(corrupt=True)  # VA1 garbled after the CRC
        machine.temperature_c = 9.46  # the cabinet warms past the band
        await machine.publish_telemetry()

        async def stored() -> Any:
            body = await get(api, token, path)
            vends = await get(api, token, "/api/v1/devices/vending-0001/vends", limit=10)
            return body if len(body["items"]) == 3 and len(vends["items"]) == 5 else None

        body = await async_wait_until(stored, what="three audits and five vends")
        garbled, second, first = body["items"]
        assert (first["valid"], first["problems"], first["since_previous"]) == (True, [], None)
        assert first["paid_since_init"] == {"vends": 2, "value_fen": 350 + 400}
        assert first["decimal_places"] == 2 and len(first["products"]) == 4
        assert second["valid"] and second["g85_ok"] and second["se_ok"]
        compared = second["since_previous"]
        assert compared["previous_audit_id"] == first["id"]
        assert (compared["audit_vends"], compared["live_vends"]) == (3, 3)
        assert compared["audit_value_fen"] == compared["live_value_fen"] == 350 + 450 + 450
        assert (compared["vends_difference"], compared["disagrees"]) == (0, False)
        assert (garbled["valid"], garbled["problems"]) == (False, ["crc_failed"])
        assert garbled["g85_ok"] is False and garbled["se_ok"] is True
        assert garbled["since_previous"] is None
        page = await get(api, token, path, limit=2)
        assert page["next_cursor"] == second["id"]
        rest = await get(api, token, path, cursor=page["next_cursor"])
        assert [a["id"] for a in rest["items"]] == [first["id"]]

        month = this_month()
        sales = await get(api, token, "/api/v1/reports/sales", month=month, place="c0001")
        assert sales["group"] == "device" and sales["place"]["code"] == "c0001"
        (row,) = sales["rows"]
        assert row["device_id"] == "vending-0001" and row["community"] == "c0001"
        assert (row["live_vends"], row["live_value_fen"]) == (5, 350 * 2 + 400 + 450 * 2)
        assert (row["audits"], row["invalid_audits"]) == (3, 1)
        assert (row["dex_vends"], row["live_vends_in_audited_intervals"]) == (3, 3)
        assert (row["vends_difference"], row["value_difference_fen"]) == (0, 0)
        districts = await get(api, token, "/api/v1/reports/sales", month=month, group="district")
        by_district = {r["district"]: r for r in districts["rows"]}
        assert by_district["testcity-north"]["live_vends"] == 5
        assert by_district["testcity-south"]["live_vends"] == 0

        async def warm() -> Any:
            report = await get(api, token, "/api/v1/reports/cold-chain", month=month)
            return report if report["rows"] and report["rows"][0]["minutes_outside"] else None

        cold = await async_wait_until(warm, what="a minute outside the band")
        (day,) = cold["rows"]
        assert day["device_id"] == "vending-0001" and day["minutes_measured"] >= 1
        assert (day["band_min_c"], day["band_max_c"]) == (0.0, 8.0)
        download = await api.client.get(
            "/api/v1/reports/cold-chain",
            params={"month": month, "format": "csv", "group": "community"},
            headers=bearer(token),
        )
        assert download.status_code == 200
        assert download.headers["content-type"] == "text/csv; charset=utf-8"
        assert download.headers["content-disposition"] == (
            f'attachment; filename="cold-chain-testcity-{month}-community.csv"'
        )
        text = download.content.decode("utf-8")
        assert text.startswith("\ufeff")
        (csv_row,) = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
        assert csv_row["community"] == "c0001" and csv_row["machines"] == "1"
        assert int(csv_row["minutes_outside"]) == day["minutes_outside"]
    finally:
        await machine.stop()


async def test_parcel_and_door_reports(both_api: ApiHub) -> None:
    api = both_api
    token = api.operator_token("testcity")
    locker = await start_locker(api, "locker-0001")
    door = await start_door(api, "door-0001")
    month = this_month()
    try:
        await locker.deposit(2, building="c0001-b01", unit="0101")
        await locker.deposit(4, building="c0001-b01", unit="0102")
        await locker.collect(2)
        await door.force_open(0.5)

        async def parcels() -> Any:
            report = await get(api, token, "/api/v1/reports/parcels", month=month)
            rows = {r["device_id"]: r for r in report["rows"]}
            done = rows["locker-0001"]["collected"] == 1 and rows["locker-0001"]["deposited"] == 2
            return rows if done else None

        rows = await async_wait_until(parcels, what="two parcels, one collected")
        mine = rows["locker-0001"]
        assert (mine["uncollected"], mine["overdue"], mine["returned"]) == (1, 0, 0)
        assert mine["dwell_median_h"] is not None and mine["dwell_median_h"] >= 0
        assert rows["locker-0002"]["deposited"] == 0

        async def doors() -> Any:
            report = await get(api, token, "/api/v1/reports/door-incidents", month=month)
            by_building = {r["building"]: r for r in report["rows"]}
            return by_building if by_building["c0001-b01"]["forced_open"] == 1 else None

        by_building = await async_wait_until(doors, what="the forced door in the report")
        assert by_building["c0001-b01"]["doors"] == 1
        assert by_building["c0002-b01"]["forced_open"] == 0
        refused = await api.client.get(
            "/api/v1/reports/parcels", params={"month": "2026-13"}, headers=bearer(token)
        )
        assert refused.status_code == 422 and "month" in refused.text
        wrong_group = await api.client.get(
            "/api/v1/reports/sales", params={"group": "building"}, headers=bearer(token)
        )
        assert wrong_group.status_code == 422
        unknown = await api.client.get("/api/v1/reports/weather", headers=bearer(token))
        assert unknown.status_code == 422
    finally:
        await door.stop()
        await locker.stop()
