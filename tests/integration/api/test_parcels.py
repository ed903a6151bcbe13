"""Residents see and collect their parcels: a simulated locker, the domain's parcel book
and the API, end to end."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from hub.api.audit.tables import audit_entry
from tests.integration.api.conftest import ApiHub, bearer, start_locker
from tests.support.waiting import async_wait_until


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def parcels(hub: ApiHub, token: str) -> list[dict[str, Any]]:
    response = await hub.client.get("/api/v1/me/parcels", headers=bearer(token))
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_a_resident_collects_their_parcel(api: ApiHub) -> None:
    owner = api.resident_token(api.fleet.residents["c0001-b01/0101"])
    neighbour = api.resident_token(api.fleet.residents["c0001-b01/0102"])
    locker = await start_locker(api, "locker-0001")
    try:
        number, _ = await locker.deposit(5, building="c0001-b01", unit="0101")
        found = await async_wait_until(lambda: parcels(api, owner), what="parcel recorded")
        assert len(found) == 1
        parcel = found[0]
        assert parcel["state"] == "waiting" and parcel["compartment"] == number
        assert len(parcel["pickup_code"]) == 6
        assert await parcels(api, neighbour) == []
        url = f"/api/v1/parcels/{parcel['id']}/collect"

        refused = await api.client.post(url, headers=bearer(neighbour) | key())
        assert refused.status_code == 403
        assert locker.commands == type(locker.commands)()  # nothing reached the locker

        headers = bearer(owner) | key()
        response = await api.client.post(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result"] == "confirmed" and body["parcel_id"] == str(parcel["id"])
        opened = [c for c in locker.commands if c.name == "open_compartment"]
        assert [(c.command_id, c.params["reason"]) for c in opened] == [
            (body["command_id"], "resident_pickup")
        ]

        async def collected() -> bool:
            return (await parcels(api, owner))[0]["state"] == "collected"

        await async_wait_until(collected, what="the locker reported the pickup")
        again = await api.client.post(url, headers=headers)  # same key: the first answer
        assert again.status_code == 200 and again.json() == body
        fresh = await api.client.post(url, headers=bearer(owner) | key())
        assert fresh.status_code == 409 and "collected" in fresh.json()["detail"]
        missing = await api.client.post(
            "/api/v1/parcels/999999/collect", headers=bearer(owner) | key()
        )
        assert missing.status_code == 404
        assert len([c for c in locker.commands if c.name == "open_compartment"]) == 1
    finally:
        await locker.stop()
    with api.runtime.engine.connect() as conn:
        rows = conn.execute(
            select(audit_entry.c.action, audit_entry.c.result, audit_entry.c.device_id).order_by(
                audit_entry.c.seq
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("collect", "forbidden", "locker-0001"),
        ("collect", "confirmed", "locker-0001"),
        ("collect", "replayed", "locker-0001"),
        ("collect", "not_waiting", "locker-0001"),
        ("collect", "not_found", None),
    ]
    assert api.runtime.metrics.unlocks.labels("locker", "confirmed")._value.get() == 1
