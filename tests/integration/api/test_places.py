"""The operator's city through the API, against a real hub with simulated devices: places
from the city down to a building with their figures, scoped (a district operator sees
nothing of another district), each kind of device as it is (compartments and parcels,
cabinet and slots, vends, door access and incidents), and charts sized on the server."""

from __future__ import annotations

from typing import Any

from device_sims.inventory import Card
from tests.integration.api.conftest import (
    ApiHub,
    bearer,
    start_door,
    start_locker,
    start_vending,
)
from tests.support.waiting import async_wait_until

NORTH, SOUTH = "testcity-north", "testcity-south"


async def get(hub: ApiHub, token: str, path: str, **params: Any) -> Any:
    response = await hub.client.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


async def status(hub: ApiHub, token: str, path: str, **params: Any) -> int:
    response = await hub.client.get(path, params=params, headers=bearer(token))
    return response.status_code


def codes(places: list[dict[str, Any]]) -> list[str]:
    return [p["place"]["code"] if "place" in p else p["code"] for p in places]


async def test_drill_down_from_the_city_to_a_building(both_api: ApiHub) -> None:
    api = both_api
    city = api.operator_token("testcity")
    locker = await start_locker(api, "locker-0001")
    try:
        top = await get(api, city, "/api/v1/places")
        assert top["place"] == {
            "code": "testcity",
            "name": "Testcity",
            "level": "city",
            "path": "testcity",
        }
        assert codes(top["trail"]) == ["testcity"]
        assert codes(top["children"]) == [NORTH, SOUTH]
        assert top["timezone"] == "Asia/Shanghai"
        devices = top["figures"]["devices"]
        assert {k: (v["total"], v["online"]) for k, v in devices.items()} == {
            "locker": (2, 1),
            "vending": (2, 0),
            "door": (2, 0),
        }
        assert top["figures"]["online_share"] == 1 / 6
        north, south = top["children"]
        assert north["figures"]["devices"]["locker"] == {"total": 1, "online": 1}
        assert south["figures"]["devices"]["locker"] == {"total": 1, "online": 0}
        assert top["devices"] == []  # nothing is installed at city level

        await locker.deposit(3, building="c0001-b01", unit="0101")

        async def waiting() -> bool:
            body = await get(api, city, "/api/v1/places")
            return body["figures"]["parcels_waiting"] == 1

        await async_wait_until(waiting, what="the parcel counted at the city")
        district = await get(api, city, f"/api/v1/places/{NORTH}")
        assert district["place"]["level"] == "district"
        assert codes(district["trail"]) == ["testcity", NORTH]
        assert codes(district["children"]) == [f"{NORTH}-st"]
        assert district["figures"]["parcels_waiting"] == 1
        community = await get(api, city, "/api/v1/places/c0001")
        assert codes(community["trail"]) == ["testcity", NORTH, f"{NORTH}-st", "c0001"]
        assert codes(community["children"]) == ["c0001-b01"]
        here = {d["id"]: d for d in community["devices"]}
        assert sorted(here) == ["locker-0001", "vending-0001"]
        assert here["locker-0001"]["online"] and here["locker-0001"]["parcels_waiting"] == 1
        assert not here["vending-0001"]["online"]
        building = await get(api, city, "/api/v1/places/c0001-b01")
        assert building["place"]["level"] == "building"
        assert [d["id"] for d in building["devices"]] == ["door-0001"]
        assert building["figures"]["parcels_waiting"] == 0
        south_body = await get(api, city, f"/api/v1/places/{SOUTH}")
        assert south_body["figures"]["parcels_waiting"] == 0

        assert await status(api, city, "/api/v1/places/no-such-place") == 404
        assert await status(api, city, "/api/v1/places/Not_A_Code") == 404
    finally:
        await locker.stop()


async def test_a_district_operator_sees_only_their_district(api: ApiHub) -> None:
    south = api.operator_token(SOUTH)
    top = await get(api, south, "/api/v1/places")
    assert top["place"]["code"] == SOUTH
    assert codes(top["trail"]) == [SOUTH]
    community = await get(api, south, "/api/v1/places/c0002")
    assert codes(community["trail"]) == [SOUTH, f"{SOUTH}-st", "c0002"]
    for path in (
        "/api/v1/places/testcity",
        f"/api/v1/places/{NORTH}",
        "/api/v1/places/c0001",
        "/api/v1/places/c0001-b01",
        "/api/v1/devices/locker-0001/compartments",
        "/api/v1/devices/vending-0001/cabinet",
        "/api/v1/devices/vending-0001/dex-audits",
        "/api/v1/devices/door-0001/access",
        "/api/v1/devices/locker-0001/series",
    ):
        response = await api.client.get(path, params={"metric": "x"}, headers=bearer(south))
        assert response.status_code == 404, path
        assert "in your scope" in response.json()["detail"], path
    report = await api.client.get(
        "/api/v1/reports/sales", params={"place": NORTH}, headers=bearer(south)
    )
    assert report.status_code == 404
    assert (await get(api, south, "/api/v1/devices/locker-0002/compartments"))["device_id"]


async def test_a_lockers_compartments_and_parcels(api: ApiHub) -> None:
    token = api.operator_token("testcity")
    locker = await start_locker(api, "locker-0001")
    try:
        await locker.deposit(3, building="c0001-b01", unit="0101")
        await locker.deposit(6, building="nowhere", unit="9")
        path = "/api/v1/devices/locker-0001/compartments"

        async def both_waiting() -> Any:
            body = await get(api, token, path)
            return body if body["parcels_waiting"] == 2 else None

        body = await async_wait_until(both_waiting, what="two parcels waiting")
        assert [c["number"] for c in body["compartments"]] == list(range(1, 9))
        third = body["compartments"][2]
        assert (third["state"], third["door"], third["size"]) == ("occupied", "closed", "S")
        (parcel,) = third["parcels"]
        assert parcel["resident_id"] == api.fleet.residents["c0001-b01/0101"]
        assert parcel["building"] == "c0001-b01" and parcel["age_s"] >= 0
        assert "pickup_code" not in parcel
        sixth = body["compartments"][5]["parcels"][0]
        assert sixth["resident_id"] is None and sixth["resolution"] == "unknown_building"
        assert body["counts"]["occupied"] == 2 and body["counts"]["empty"] == 6
        assert body["online"] is True
        wrong_kind = await api.client.get(
            "/api/v1/devices/vending-0001/compartments", headers=bearer(token)
        )
        assert wrong_kind.status_code == 404
        assert "parcel locker" in wrong_kind.json()["detail"]
    finally:
        await locker.stop()


async def test_a_vending_machines_cabinet_vends_and_chart(both_api: ApiHub) -> None:
    api = both_api
    token = api.operator_token("testcity")
    machine = await start_vending(api, "vending-0001")
    try:
        await machine.vend(1)
        await machine.vend(1)
        await machine.vend(2)

        async def cabinet() -> Any:
            body = await get(api, token, "/api/v1/devices/vending-0001/cabinet")
            return body if body["sales_today"]["vends"] == 3 else None

        body = await async_wait_until(cabinet, what="three vends today")
        assert body["sales_today"]["value_fen"] == 350 + 350 + 400
        assert (body["band_min_c"], body["band_max_c"]) == (0.0, 8.0)
        temperature = body["temperature_c"]
        assert temperature is not None and temperature == round(temperature, 1)
        assert body["in_band"] is True and body["setpoint_c"] == 4.0
        slots = {s["number"]: s for s in body["slots"]}
        assert sorted(slots) == [1, 2, 3, 4]
        assert slots[1]["product"] == "veg-1" and slots[1]["price_fen"] == 350
        assert (slots[1]["stock"], slots[1]["capacity"], slots[1]["low"]) == (8, 10, False)

        vends = await get(api, token, "/api/v1/devices/vending-0001/vends", limit=2)
        assert [v["slot"] for v in vends["items"]] == [2, 1]
        assert vends["items"][0]["product"] == "veg-2" and vends["next_cursor"] is not None

        series = await get(
            api, token, "/api/v1/devices/vending-0001/series", metric="cabinet_temp_c", range="1h"
        )
        assert series["bucket_ms"] == 60_000 and series["unit"] == "°C"
        assert series["until_ms"] - series["since_ms"] == 3_600_000
        assert series["points"], "the telemetry sent on connecting"
        for point in series["points"]:
            assert point["mean"] == round(point["mean"], 1)
        month = await get(
            api, token, "/api/v1/devices/vending-0001/series", metric="cabinet_temp_c", range="30d"
        )
        assert month["bucket_ms"] == 6 * 3_600_000
        bad = await api.client.get(
            "/api/v1/devices/vending-0001/series",
            params={"metric": "cabinet_temp_c", "range": "2h"},
            headers=bearer(token),
        )
        assert bad.status_code == 422
    finally:
        await machine.stop()


async def test_a_doors_access_log_and_incidents(api: ApiHub) -> None:
    token = api.operator_token("testcity")
    door = await start_door(api, "door-0001")
    resident = api.resident("door-0001")
    fmt, facility, number = api.fleet.cards[resident]
    try:
        # Forced first: a door opened within a grant's window is not forced.
        await door.force_open(1.0)

        async def forced() -> Any:
            body = await get(api, token, "/api/v1/devices/door-0001/door")
            return body if any(i["type"] == "door_forced_open" for i in body["incidents"]) else None

        view = await async_wait_until(forced, what="the forced door as an incident")
        assert view["held_open_limit_s"] == 30 and view["tamper"] is False
        assert view["door"] in ("open", "closed")
        await door.present_card(Card(fmt, facility, number))
        await door.present_card(Card("H10301", 200, 4242))
        unlock = await api.client.post(
            "/api/v1/devices/door-0001/commands",
            json={"name": "unlock", "pulse_ms": 500},
            headers=bearer(token),
        )
        assert unlock.status_code == 200 and unlock.json()["state"] == "confirmed"

        async def entries() -> Any:
            body = await get(api, token, "/api/v1/devices/door-0001/access")
            return body["items"] if len(body["items"]) == 3 else None

        items = await async_wait_until(entries, what="three access entries")
        by_method = {(i["method"], i["result"]): i for i in items}
        card = by_method[("card", "granted")]
        assert card["resident_id"] == resident and card["reason"] == "card_ok"
        assert card["card"] == f"{fmt} {facility}:{number}"
        assert by_method[("card", "denied")]["reason"] == "unknown_card"
        operator = by_method[("operator", "granted")]
        assert operator["actor"].startswith("operator-token:") and operator["reason"] == "confirmed"
        assert [i["ts_ms"] for i in items] == sorted((i["ts_ms"] for i in items), reverse=True)
        page = await get(api, token, "/api/v1/devices/door-0001/access", limit=1)
        older = await get(
            api, token, "/api/v1/devices/door-0001/access", before_ms=page["next_before_ms"]
        )
        assert page["items"][0] not in older["items"]
    finally:
        await door.stop()
