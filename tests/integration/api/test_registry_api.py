"""The registry API's rules: scope (404 outside, an unknown location for one outside),
strict bodies and the registry's checks (422 naming the field), clashes (409), the audit
trail and the change feed; residents, cards and PINs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.api.audit.tables import audit_entry
from hub.cli import main
from hub.registry.change_feed import changes_since
from hub.registry.passwords import verify_password
from tests.integration.api.conftest import ApiHub, bearer

NORTH, SOUTH = "testcity-north", "testcity-south"
DOOR = {"kind": "door", "vendor": "HID", "model": "Signo", "firmware_version": "1.0.0"}


def audit(hub: ApiHub, prefix: str = "registry:") -> list[dict[str, Any]]:
    with hub.runtime.engine.connect() as conn:
        rows = conn.execute(select(audit_entry).order_by(audit_entry.c.seq)).all()
    return [dict(r._mapping) for r in rows if r.action.startswith(prefix)]


def problem(response: Any) -> tuple[str, str]:
    """(field, message) of a 422."""
    assert response.status_code == 422, response.text
    [detail] = response.json()["detail"]
    return detail["loc"][-1], detail["msg"]


async def test_devices_are_checked_like_the_csv_import(api: ApiHub) -> None:
    north = bearer(api.operator_token(NORTH))

    async def post(**fields: Any) -> Any:
        body = {**DOOR, "id": "DU-1", "name": "gate", "location": "c0001-b01", **fields}
        return await api.client.post("/api/v1/devices", json=body, headers=north)

    assert problem(await post(location="c0002-b01")) == (
        "location",
        "unknown node code 'c0002-b01'",  # south: outside the caller's scope
    )
    assert problem(await post(location="c0001"))[1] == (
        "'c0001' is a community; a door belongs to a building"
    )
    assert problem(await post(id="a b"))[0] == "id"
    assert problem(await post(id="DOOR-0001")) == (
        "id",
        "'DOOR-0001' differs only in case from device 'door-0001'",
    )
    assert problem(await post(firmware_version="9.0.0"))[0] == "firmware_version"
    assert problem(await post(protocol="lockerlink"))[0] == "protocol"
    assert problem(await post(colour="red"))[0] == "colour"
    assert problem(await post(compartments=[{"number": 1, "size": "S"}]))[0] == "compartments"
    taken = await post(id="door-0001")
    assert taken.status_code == 409 and "already exists" in taken.text
    resident = bearer(api.resident_token(api.resident(api.fleet.doors[0])))
    assert (await api.client.post("/api/v1/devices", json={}, headers=resident)).status_code == 403
    assert audit(api) == []  # nothing refused was written or audited

    long_id = "DU-" + "7" * 125
    created = await post(id=long_id)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == long_id and body["enabled"] and len(body["mqtt_password"]) >= 24
    [row] = audit(api)
    assert (row["action"], row["result"], row["http_status"]) == (
        "registry:device.create",
        "created",
        201,
    )
    assert row["device_id"] == long_id and row["device_path"].endswith("c0001-b01")
    detail = await api.client.get(f"/api/v1/devices/{long_id}", headers=north)
    assert detail.status_code == 200


async def test_changing_devices_and_their_layout(api: ApiHub) -> None:
    north = bearer(api.operator_token(NORTH))
    south_locker = api.fleet.lockers[1]
    outside = await api.client.patch(
        f"/api/v1/devices/{south_locker}", json={"name": "x"}, headers=north
    )
    assert outside.status_code == 404
    locker = api.fleet.lockers[0]
    assert (
        await api.client.patch(f"/api/v1/devices/{locker}", json={}, headers=north)
    ).status_code == 422
    nulled = await api.client.patch(f"/api/v1/devices/{locker}", json={"name": None}, headers=north)
    assert nulled.status_code == 422

    start = max((c.revision for c in changes_since(api.runtime.engine, 0)), default=0)
    renamed = await api.client.patch(
        f"/api/v1/devices/{locker}", json={"name": "Front locker"}, headers=north
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Front locker"
    same = await api.client.patch(
        f"/api/v1/devices/{locker}", json={"name": "Front locker"}, headers=north
    )
    assert same.status_code == 200  # nothing changed: no change entry, no audit row
    assert [(c.entity_id, c.action) for c in changes_since(api.runtime.engine, start)] == [
        (locker, "updated")
    ]
    assert [r["action"] for r in audit(api)] == ["registry:device.update"]

    url = f"/api/v1/devices/{locker}/compartments"
    before = (await api.client.get(f"/api/v1/devices/{locker}", headers=north)).json()
    assert {c["source"] for c in before["compartments"]} == {"registry"}
    twice = {"compartments": [{"number": 1, "size": "S"}, {"number": 1, "size": "L"}]}
    assert problem(await api.client.put(url, json=twice, headers=north)) == (
        "compartments",
        "number 1 appears twice",
    )
    three = [{"number": n, "size": "L"} for n in (1, 2, 3)]
    put = await api.client.put(url, json={"compartments": three}, headers=north)
    assert put.status_code == 200
    assert [(c["number"], c["size"], c["source"]) for c in put.json()] == [
        (n, "L", "registry") for n in (1, 2, 3)
    ]
    vending_url = f"/api/v1/devices/{api.fleet.vending[0]}/compartments"
    assert (
        problem(await api.client.put(vending_url, json={"compartments": []}, headers=north))[0]
        == "compartments"
    )
    slots = [{"number": 1, "product": "cabbage", "price": 350, "capacity": 12}]
    put_slots = await api.client.put(
        f"/api/v1/devices/{api.fleet.vending[0]}/slots", json={"slots": slots}, headers=north
    )
    assert put_slots.status_code == 200 and put_slots.json()[0]["product"] == "cabbage"
    cleared = await api.client.put(url, json={"compartments": []}, headers=north)
    assert cleared.json() == []  # back to what the locker reports: it has not reported yet
    refused = await api.client.post(
        f"/api/v1/devices/{locker}/commands",
        json={"name": "open_compartment", "compartment": 1},
        headers=north,
    )
    assert refused.status_code == 422 and "has no compartment 1" in refused.text


async def test_residents_cards_and_pins(api: ApiHub) -> None:
    north = bearer(api.operator_token(NORTH))
    south = bearer(api.operator_token(SOUTH))

    created = await api.client.post(
        "/api/v1/residents",
        json={"building": "c0001-b01", "unit": "0303", "name": "Li Wei"},
        headers=north,
    )
    assert created.status_code == 201, created.text
    resident = created.json()
    rid = resident["id"]
    assert resident["building"] == "c0001-b01"
    wrong = await api.client.post(
        "/api/v1/residents", json={"building": "c0002-b01", "unit": "1", "name": "x"}, headers=north
    )
    assert problem(wrong) == ("building", "unknown building code 'c0002-b01'")
    community = await api.client.post(
        "/api/v1/residents", json={"building": "c0001", "unit": "1", "name": "x"}, headers=north
    )
    assert problem(community)[1] == "'c0001' is a community, not a building"
    listed = await api.client.get(
        "/api/v1/residents", params={"building": "c0001-b01", "limit": 2}, headers=north
    )
    page = listed.json()
    assert len(page["items"]) == 2 and page["next_cursor"] is not None
    rest = await api.client.get(
        "/api/v1/residents",
        params={"building": "c0001-b01", "cursor": page["next_cursor"]},
        headers=north,
    )
    assert [r["id"] for r in rest.json()["items"]] == [rid]
    assert (await api.client.get(f"/api/v1/residents/{rid}", headers=south)).status_code == 404

    url = f"/api/v1/residents/{rid}/credentials"
    card = {"kind": "card", "card_format": "H10301", "facility_code": 77, "card_number": 4242}
    added = await api.client.post(url, json=card, headers=north)
    assert added.status_code == 201 and added.json()["kind"] == "card"
    again = await api.client.post(url, json=card, headers=north)
    assert again.status_code == 409 and "already registered" in again.text
    too_big = {**card, "facility_code": 300}  # H10301 has an 8-bit facility code
    assert problem(await api.client.post(url, json=too_big, headers=north))[0] == "card"
    pin = await api.client.post(url, json={"kind": "pin", "pin": "8642"}, headers=north)
    assert pin.status_code == 201 and "8642" not in pin.text
    neighbour = api.fleet.residents["c0001-b01/0101"]
    clash = await api.client.post(
        f"/api/v1/residents/{neighbour}/credentials",
        json={"kind": "pin", "pin": "8642"},
        headers=north,
    )
    assert clash.status_code == 409
    assert problem(await api.client.post(url, json={"kind": "pin", "pin": "12a4"}, headers=north))
    assert (await api.client.post(url, json=card, headers=south)).status_code == 404

    card_id = added.json()["id"]
    revoked = await api.client.patch(
        f"/api/v1/credentials/{card_id}", json={"revoked": True}, headers=north
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    hidden = await api.client.patch(
        f"/api/v1/credentials/{card_id}", json={"revoked": False}, headers=south
    )
    assert hidden.status_code == 404

    moved = await api.client.patch(
        f"/api/v1/residents/{rid}", json={"building": "c0001-b01", "unit": "0304"}, headers=north
    )
    assert moved.status_code == 200 and moved.json()["unit"] == "0304"
    credentials = (await api.client.get(url, headers=north)).json()
    assert [(c["kind"], c["revoked"]) for c in credentials] == [("card", True), ("pin", False)]

    token = api.resident_token(rid)
    assert (await api.client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    gone = await api.client.delete(f"/api/v1/residents/{rid}", headers=north)
    assert gone.status_code == 204
    assert (await api.client.get(f"/api/v1/residents/{rid}", headers=north)).status_code == 404
    assert (await api.client.get("/api/v1/me", headers=bearer(token))).status_code == 401

    actions = [(r["action"], r["result"]) for r in audit(api)]
    assert actions == [
        ("registry:resident.create", "created"),
        ("registry:credential.create", "created"),
        ("registry:credential.create", "created"),
        ("registry:credential.update", "revoked"),
        ("registry:resident.update", "updated"),
        ("registry:resident.delete", "deleted"),
    ]
    building_changes = {
        c.building_id for c in changes_since(api.runtime.engine, 0) if c.entity != "registry"
    }
    assert len(building_changes) == 1 and None not in building_changes


async def test_broker_config_follows_the_registry_api(
    api: ApiHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hub broker-config`` reads the registry: a device added through the API gets an
    account (with the password the API handed out), a disabled one loses its account."""
    north = bearer(api.operator_token(NORTH))
    body = {**DOOR, "id": "DU-0412", "name": "gate", "location": "c0001-b01"}
    created = (await api.client.post("/api/v1/devices", json=body, headers=north)).json()
    door = api.fleet.doors[0]
    disabled = await api.client.patch(
        f"/api/v1/devices/{door}", json={"enabled": False}, headers=north
    )
    assert disabled.status_code == 200
    monkeypatch.setenv("HUB_DATABASE_URL", api.runtime.settings.database_url)
    monkeypatch.setenv("HUB_SECRET_KEY", "broker-config-from-the-api-test")
    monkeypatch.setenv("HUB_MQTT_USERNAME", "hub")
    monkeypatch.setenv("HUB_MQTT_PASSWORD", "hub-password")
    out = tmp_path / "broker"
    assert main(["broker-config", "--out", str(out)]) == 0
    accounts = dict(
        line.split(":", 1) for line in (out / "devices.passwd").read_text().splitlines()
    )
    assert verify_password(created["mqtt_password"], accounts["DU-0412"])
    assert door not in accounts and api.fleet.doors[1] in accounts
    acl = (out / "acl").read_text()
    assert "osdp/DU-0412/" in acl and f"osdp/{door}/" not in acl
