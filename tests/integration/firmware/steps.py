"""Steps the campaign tests share: a fleet of simulated devices; the campaign API as an
operator uses it (upload an image, create a campaign, follow it until it ends); a stage
of hub, fleet and simulated devices, all online."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from device_sims.fleet import Fleet
from device_sims.inventory import Inventory
from hub.config import Settings
from hub.db.engine import make_engine
from hub.registry.models import Device
from tests.integration.firmware.fleet import (
    SIM_OPTIONS,
    FirmwareFleet,
    create_firmware_fleet,
    image_query,
)
from tests.integration.firmware.harness import FirmwareHub, firmware_hub
from tests.support.waiting import async_wait_until

DEVICE = Device.__table__  # type: ignore[attr-defined]
ENDED = ("completed", "aborted", "cancelled")
# What a campaign gets unless the test says otherwise: no health soak after a wave, and
# two minutes for a device to update.
CAMPAIGN_DEFAULTS: dict[str, Any] = {"health_soak_s": 0, "device_timeout_s": 120}


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


@dataclass
class Campaigns:
    """The firmware and campaign API as one operator uses it."""

    hub: FirmwareHub
    headers: dict[str, str]

    async def upload(self, image: bytes, kind: str, version: str) -> str:
        """Upload ``image`` as ``version`` for the fleet's model of ``kind``; its sha256."""
        response = await self.hub.client.post(
            "/api/v1/firmware",
            params=image_query(kind, version),
            content=image,
            headers=self.headers,
        )
        assert response.status_code in (200, 201), response.text
        sha: str = response.json()["sha256"]
        return sha

    async def create(self, **body: Any) -> dict[str, Any]:
        """Create a campaign of ``body`` over ``CAMPAIGN_DEFAULTS``."""
        response = await self.hub.client.post(
            "/api/v1/campaigns", json={**CAMPAIGN_DEFAULTS, **body}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        campaign: dict[str, Any] = response.json()
        return campaign

    async def get(self, campaign_id: int) -> dict[str, Any]:
        response = await self.hub.client.get(
            f"/api/v1/campaigns/{campaign_id}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def wait_ended(self, campaign_id: int, timeout_s: float = 180) -> dict[str, Any]:
        latest: dict[str, Any] = {}

        async def ended() -> bool:
            latest.update(await self.get(campaign_id))
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

    async def devices(self, campaign_id: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = await self.hub.client.get(
                f"/api/v1/campaigns/{campaign_id}/devices", params=params, headers=self.headers
            )
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return items


@dataclass
class Stage:
    """A firmware hub, the fleet in its database with every device simulated and online,
    and the city operator's use of the campaign API."""

    hub: FirmwareHub
    fleet: FirmwareFleet
    sims: Fleet
    engine: Engine
    city: Campaigns


@contextlib.asynccontextmanager
async def campaign_stage(
    settings: Settings, broker_url: str, *, shared: bool = True, **layout: int
) -> AsyncIterator[Stage]:
    """``create_firmware_fleet(engine, **layout)`` in the settings' database, then the
    hub and the fleet's simulated devices, all online."""
    engine = make_engine(settings.database_url)
    try:
        fleet = create_firmware_fleet(engine, **layout)
        async with (
            firmware_hub(settings, broker_url, shared=shared) as hub,
            simulated(fleet, broker_url) as sims,
        ):
            await all_online(hub, list(fleet.devices))
            yield Stage(hub, fleet, sims, engine, Campaigns(hub, hub.operator(fleet.city)))
    finally:
        engine.dispose()


def registry_versions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(DEVICE.c.id, DEVICE.c.firmware_version)).all())
