"""Steps the campaign tests share: a fleet of simulated devices, an uploaded image, a
campaign created through the API and followed until it ends."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Engine, select

from device_sims.fleet import Fleet
from device_sims.inventory import Inventory
from hub.registry.models import Device
from tests.integration.firmware.fleet import SIM_OPTIONS, FirmwareFleet
from tests.integration.firmware.harness import FirmwareHub
from tests.support.waiting import async_wait_until

DEVICE = Device.__table__  # type: ignore[attr-defined]
ENDED = ("completed", "aborted", "cancelled")


@contextlib.asynccontextmanager
async def simulated(
    fleet: FirmwareFleet, broker_url: str, ids: Sequence[str] | None = None
) -> AsyncIterator[Fleet]:
    chosen = ids if ids is not None else list(fleet.devices)
    inventory = Inventory(tuple(fleet.devices[d] for d in chosen), ())
    sims = Fleet(broker_url, inventory, options=SIM_OPTIONS)
    await sims.start(timeout_s=120)
    try:
        yield sims
    finally:
        await sims.stop()


async def all_online(hub: FirmwareHub, ids: Sequence[str]) -> None:
    await async_wait_until(
        lambda: all(hub.runtime.presence.is_online(d) for d in ids),
        what="every device online in the hub",
    )


async def upload(hub: FirmwareHub, city: dict[str, str], image: bytes, **query: Any) -> str:
    response = await hub.client.post("/api/v1/firmware", params=query, content=image, headers=city)
    assert response.status_code in (200, 201), response.text
    sha: str = response.json()["sha256"]
    return sha


async def create(hub: FirmwareHub, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await hub.client.post("/api/v1/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    return campaign


async def campaign(hub: FirmwareHub, headers: dict[str, str], campaign_id: int) -> dict[str, Any]:
    response = await hub.client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def wait_ended(
    hub: FirmwareHub, headers: dict[str, str], campaign_id: int, timeout_s: float = 180
) -> dict[str, Any]:
    latest: dict[str, Any] = {}

    async def ended() -> bool:
        latest.update(await campaign(hub, headers, campaign_id))
        return latest["state"] in ENDED

    await async_wait_until(
        ended,
        timeout_s=timeout_s,
        what=f"campaign {campaign_id} to end",
        detail=lambda: (
            f"state {latest.get('state')} wave {latest.get('wave')} {latest.get('counts')}"
        ),
    )
    return latest


async def devices(
    hub: FirmwareHub, headers: dict[str, str], campaign_id: int
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = await hub.client.get(
            f"/api/v1/campaigns/{campaign_id}/devices", params=params, headers=headers
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def registry_versions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(DEVICE.c.id, DEVICE.c.firmware_version)).all())
