"""Operators through the HTTP API: scope, device lists and detail, history, commands,
audit, fleet summary; tokens and roles."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from device_sims.inventory import Card
from hub.registry.tokens import mint_operator_token, revoke_token
from tests.integration.api.conftest import (
    ApiHub,
    bearer,
    start_door,
    start_locker,
    strike_commands,
)
from tests.support.hub_harness import wait_committed
from tests.support.waiting import async_wait_until

NORTH, SOUTH = "testcity-north", "testcity-south"


async def ids(hub: ApiHub, token: str, **params: object) -> list[str]:
    response = await hub.client.get("/api/v1/devices", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["items"]]


async def test_a_district_operator_sees_only_their_district(api: ApiHub) -> None:
    north = api.operator_token(NORTH)
    assert await ids(api, north) == ["door-0001", "locker-0001", "vending-0001"]
    for path in (
        "/api/v1/devices/locker-0002",
        "/api/v1/devices/locker-0002/telemetry?metric=board_temp_c",
        "/api/v1/devices/locker-0002/events",
    ):
        response = await api.client.get(path, headers=bearer(north))
        assert response.status_code == 404, path
        assert "in your scope" in response.json()["detail"]
    command = await api.client.post(
        "/api/v1/devices/door-0002/commands", json={"name": "unlock"}, headers=bearer(north)
    )
    assert command.status_code == 404
    own = await api.client.get("/api/v1/devices/locker-0001", headers=bearer(north))
    assert own.status_code == 200 and own.json()["path"].startswith("testcity/testcity-north/")
    # Naming the other district in a filter reveals nothing either.
    assert await ids(api, north, district=SOUTH) == []


async def test_device_filters_and_pages(api: ApiHub) -> None:
    city = api.operator_token("testcity")
    everything = await ids(api, city, limit=500)
    assert len(everything) == 6 and everything == sorted(everything)
    assert await ids(api, city, kind="door") == ["door-0001", "door-0002"]
    assert await ids(api, city, community="c0002") == ["door-0002", "locker-0002", "vending-0002"]
    assert await ids(api, city, subdistrict="testcity-south-st", kind="locker") == ["locker-0002"]
    assert await ids(api, city, q="VEND") == ["vending-0001", "vending-0002"]
    assert await ids(api, city, q="%") == []  # wildcards are text
    assert await ids(api, city, has_alarm=True) == []  # no alarm engine yet
    assert await ids(api, city, has_alarm=False) == everything
    assert await ids(api, city, community="nowhere") == []
    seen, cursor = [], None
    while True:
        params: dict[str, object] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        response = await api.client.get("/api/v1/devices", params=params, headers=bearer(city))
        page = response.json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    too_big = await api.client.get("/api/v1/devices?limit=501", headers=bearer(city))
    assert too_big.status_code == 422


async def test_detail_twin_presence_telemetry_and_events(api: ApiHub) -> None:
    city = api.operator_token("testcity")
    locker = await start_locker(api, "locker-0002")
    try:
        assert await ids(api, city, online=True) == ["locker-0002"]
        assert "locker-0002" not in await ids(api, city, online=False)
        number, _ = await locker.deposit(3, building="c0002-b01", unit="0101")
        committed = api.runtime.workers.local().pipeline.committed_messages
        await locker.publish_telemetry()
        await wait_committed(api.runtime, committed + 1)

        async def stored_events() -> list[str]:
            response = await api.client.get(
                "/api/v1/devices/locker-0002/events", headers=bearer(city)
            )
            return [e["type"] for e in response.json()["items"]]

        await async_wait_until(
            lambda: _has(stored_events(), "deposit"), what="deposit event stored"
        )
        detail = (await api.client.get("/api/v1/devices/locker-0002", headers=bearer(city))).json()
        assert detail["online"] is True and detail["presence"]["online"] is True
        assert detail["presence"]["reason"] == "online"
        assert detail["presence_history"][0]["online"] is True
        assert detail["twin"]["reported_version"] >= 1
        assert detail["twin"]["reported"]["compartments"][str(number)]["state"] == "occupied"
        assert [c["number"] for c in detail["compartments"]] == list(range(1, 9))
        assert "board_temp_c" in detail["metrics"]

        now_ms = time.time_ns() // 1_000_000
        raw = await api.client.get(
            "/api/v1/devices/locker-0002/telemetry",
            params={"metric": "board_temp_c", "since": now_ms - 600_000},
            headers=bearer(city),
        )
        assert raw.status_code == 200, raw.text
        points = raw.json()["points"]
        assert len(points) >= 2 and all(p["value"] > 0 for p in points)
        iso_since = datetime.fromtimestamp((now_ms - 600_000) / 1000, UTC).isoformat()
        minute = await api.client.get(
            "/api/v1/devices/locker-0002/telemetry",
            params={"metric": "board_temp_c", "since": iso_since, "bucket": "minute"},
            headers=bearer(city),
        )
        buckets = minute.json()["buckets"]
        assert sum(b["count"] for b in buckets) == len(points)
        too_long = await api.client.get(
            "/api/v1/devices/locker-0002/telemetry",
            params={"metric": "board_temp_c", "since": "2020-01-01T00:00:00Z"},
            headers=bearer(city),
        )
        assert too_long.status_code == 422
        assert "limited to 7 days" in too_long.json()["detail"][0]["msg"]
        not_a_time = await api.client.get(
            "/api/v1/devices/locker-0002/telemetry",
            params={"metric": "board_temp_c", "until": "soon"},
            headers=bearer(city),
        )
        assert not_a_time.status_code == 422

        only = await api.client.get(
            "/api/v1/devices/locker-0002/events",
            params={"type": "deposit", "limit": 1},
            headers=bearer(city),
        )
        page = only.json()
        assert [e["type"] for e in page["items"]] == ["deposit"]
        assert page["items"][0]["data"]["compartment"] == number
    finally:
        await locker.stop()


async def _has(pending: object, item: str) -> bool:
    return item in await pending  # type: ignore[misc]


async def test_operator_command_outcome_audit_and_fleet_summary(api: ApiHub) -> None:
    north, south = api.operator_token(NORTH), api.operator_token(SOUTH)
    door = await start_door(api, "door-0001")
    try:
        url = "/api/v1/devices/door-0001/commands"
        response = await api.client.post(
            url, json={"name": "unlock", "pulse_ms": 500}, headers=bearer(north)
        )
        assert response.status_code == 200, response.text
        outcome = response.json()
        assert outcome["state"] == "confirmed"
        assert strike_commands(door) == [outcome["command_id"]]
        strict = await api.client.post(
            url, json={"name": "unlock", "pulse_ms": 500, "force": True}, headers=bearer(north)
        )
        assert strict.status_code == 422
        wrong_kind = await api.client.post(
            url, json={"name": "set_temperature", "setpoint_c": 4.0}, headers=bearer(north)
        )
        assert wrong_kind.status_code == 422
        assert "vending" in wrong_kind.json()["detail"][0]["msg"]
        offline = await api.client.post(
            "/api/v1/devices/locker-0001/commands",
            json={"name": "open_compartment", "compartment": 2},
            headers=bearer(north),
        )
        assert offline.status_code == 409
        no_such = await api.client.post(
            "/api/v1/devices/locker-0001/commands",
            json={"name": "open_compartment", "compartment": 99},
            headers=bearer(north),
        )
        assert no_such.status_code == 422

        command_path = f"/api/v1/commands/{outcome['command_id']}"

        async def confirmed_with_reply() -> bool:
            got = await api.client.get(command_path, headers=bearer(north))
            body = got.json()
            return body["state"] == "confirmed" and len(body["replies"]) == 1

        await async_wait_until(confirmed_with_reply, what="command persisted")
        assert (await api.client.get(command_path, headers=bearer(south))).status_code == 404

        audit = (await api.client.get("/api/v1/audit", headers=bearer(north))).json()["items"]
        assert [(a["action"], a["result"]) for a in audit] == [
            ("command:open_compartment", "offline"),
            ("command:unlock", "confirmed"),
        ]
        assert audit[1]["command_id"] == outcome["command_id"]
        assert audit[1]["actor"].startswith("operator-token:")
        assert (await api.client.get("/api/v1/audit", headers=bearer(south))).json()["items"] == []

        summary = await api.client.get("/api/v1/fleet/summary", headers=bearer(north))
        body = summary.json()
        assert body["scope"] == "testcity/testcity-north"
        assert body["devices"] == {
            "locker": {"total": 1, "online": 0},
            "vending": {"total": 1, "online": 0},
            "door": {"total": 1, "online": 1},
        }
        assert body["alarms_by_severity"] == {}
        assert body["messages_per_second"] >= 0
    finally:
        await door.stop()


async def test_tokens_missing_unknown_revoked_expired_and_wrong_role(api: ApiHub) -> None:
    devices = "/api/v1/devices"
    missing = await api.client.get(devices)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    unknown = await api.client.get(devices, headers=bearer("hub_" + uuid.uuid4().hex))
    assert unknown.status_code == 401
    assert (
        await api.client.get(devices, headers={"Authorization": "Basic eDp5"})
    ).status_code == 401
    token = api.operator_token(NORTH)
    assert (await api.client.get(devices, headers=bearer(token))).status_code == 200
    with Session(api.runtime.engine) as session:
        revoke_token(session, token)
        expired = mint_operator_token(
            session,
            NORTH,
            "old",
            timedelta(minutes=1),
            now=datetime.now(UTC) - timedelta(hours=1),
        )
    assert (await api.client.get(devices, headers=bearer(token))).status_code == 401
    assert (await api.client.get(devices, headers=bearer(expired))).status_code == 401

    resident = api.resident_token(api.resident("door-0001"))
    forbidden = await api.client.get(devices, headers=bearer(resident))
    assert forbidden.status_code == 403 and "operator" in forbidden.json()["detail"]
    operator = api.operator_token(NORTH)
    unlock = await api.client.post(
        "/api/v1/doors/door-0001/unlock",
        headers=bearer(operator) | {"Idempotency-Key": "k1"},
    )
    assert unlock.status_code == 403 and "resident" in unlock.json()["detail"]
    me = (await api.client.get("/api/v1/me", headers=bearer(resident))).json()
    assert me["building"] == "c0001-b01" and me["unit"] == "0101"
    doors = (await api.client.get("/api/v1/me/doors", headers=bearer(resident))).json()
    assert doors == [{"device_id": "door-0001", "name": "door-0001", "online": False}]
    no_key = await api.client.post("/api/v1/doors/door-0001/unlock", headers=bearer(resident))
    assert no_key.status_code == 422


async def test_door_access_decisions_are_listed_in_scope(api: ApiHub) -> None:
    resident = api.resident("door-0001")
    card_format, facility, number = api.fleet.cards[resident]
    door = await start_door(api, "door-0001")
    try:
        await door.present_card(Card(card_format, facility, number))
        await door.present_card(Card("H10301", 250, 60_000))
        north = api.operator_token(NORTH)

        async def decisions() -> list[dict[str, object]]:
            response = await api.client.get("/api/v1/audit/door-access", headers=bearer(north))
            items: list[dict[str, object]] = response.json()["items"]
            return items if len(items) == 2 else []

        found = await async_wait_until(decisions, what="two access decisions")
        assert [(d["result"], d["resident_id"]) for d in found] == [
            ("denied", None),
            ("granted", resident),
        ]
        south = api.operator_token(SOUTH)
        other = await api.client.get("/api/v1/audit/door-access", headers=bearer(south))
        assert other.json()["items"] == []
    finally:
        await door.stop()


async def test_openapi_and_docs_are_served(api: ApiHub) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    unlock = document["paths"]["/api/v1/doors/{device_id}/unlock"]["post"]
    assert {"200", "403", "409", "429", "504"} <= set(unlock["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in unlock["parameters"])
    body = document["paths"]["/api/v1/devices/{device_id}/commands"]["post"]["requestBody"]
    assert body["required"] is True
    docs = await api.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
