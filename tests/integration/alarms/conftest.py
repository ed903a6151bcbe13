"""A real hub (transport, ingest, domain, alarm engine) on a private Mosquitto and a real
database, whose alarm engine reads a clock the test moves; its API served in-process
(httpx over ASGI); the tiny fleet; one scripted client playing the devices."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from hub.alarms.engine import AlarmEngine
from hub.api.app import create_app
from hub.db.engine import make_engine
from hub.live import LiveEvent, Subscription
from hub.registry.tokens import authenticate_token, mint_operator_token
from hub.runtime import HubRuntime
from hub.service import build_runtime, run_hub
from hub.worker.front_link import FrontLink
from hub.worker.partition import Partition
from hub.worker.runtime import WorkerRuntime, build_worker
from tests.support.broker import PrivateMosquitto
from tests.support.devices import DoorUnit, Locker, VendingMachine, Wire
from tests.support.hub_harness import ScriptedClient, wait_committed
from tests.support.manual_clock import ManualClock
from tests.support.tasks import running_task
from tests.support.tiny_fleet import TinyFleet, create_tiny_fleet
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker

MINUTE_MS = 60_000
NORTH, SOUTH = "testcity-north", "testcity-south"


@dataclass
class AlarmHub:
    runtime: HubRuntime
    clock: ManualClock
    api: httpx.AsyncClient
    fleet: TinyFleet
    devices: Wire
    live: Subscription
    seen: list[LiveEvent] = field(default_factory=list)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def engine(self) -> AlarmEngine:
        return self.runtime.workers.local().alarms

    def locker(self, index: int = 0) -> Locker:
        return Locker(self.devices, self.fleet.lockers[index])

    def vending(self, index: int = 0) -> VendingMachine:
        return VendingMachine(self.devices, self.fleet.vending[index])

    def door(self, index: int = 0) -> DoorUnit:
        return DoorUnit(self.devices, self.fleet.doors[index])

    def token(self, scope: str = "testcity") -> dict[str, str]:
        """Headers with an operator token for ``scope`` (one token per scope and test)."""
        if scope not in self.tokens:
            with Session(self.runtime.engine) as session:
                token = mint_operator_token(session, scope, "test")
            self.tokens[scope] = {"Authorization": f"Bearer {token}"}
        return self.tokens[scope]

    async def committed(self) -> None:
        """Everything the devices published is committed, and its alarm signals applied."""
        await wait_committed(self.runtime, self.devices.published)
        await self.engine.tick()
        await self.runtime.alarms.refresh_gauge()  # the front's count, as after its next beat

    async def domain_settled(self) -> None:
        domain = self.runtime.workers.local().domain
        await async_wait_until(domain.idle, what="domain queues empty")

    async def tick(self, advance_ms: int = 0) -> None:
        self.clock.advance(advance_ms)
        await self.engine.tick()
        await self.runtime.alarms.refresh_gauge()

    async def alarms(self, scope: str = "testcity", **params: Any) -> list[dict[str, Any]]:
        response = await self.api.get("/api/v1/alarms", params=params, headers=self.token(scope))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def alarm(self, device_id: str, alarm_type: str) -> dict[str, Any]:
        """The device's newest alarm of that type."""
        found = await self.alarms(device=device_id, type=alarm_type)
        assert found, f"no {alarm_type} alarm for {device_id}"
        return found[0]

    async def wait_alarm(self, device_id: str, alarm_type: str, **expected: Any) -> dict[str, Any]:
        """Poll until the device's newest alarm of that type matches ``expected``."""
        latest: dict[str, Any] = {}

        async def matches() -> bool:
            nonlocal latest
            found = await self.alarms(device=device_id, type=alarm_type)
            latest = found[0] if found else {}
            return bool(found) and all(latest.get(k) == v for k, v in expected.items())

        deadline = asyncio.get_running_loop().time() + 30
        while not await matches():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{alarm_type} at {device_id}: {latest} != {expected}")
            await asyncio.sleep(0.02)
        return latest

    async def ack(self, alarm_id: int, scope: str = "testcity") -> httpx.Response:
        return await self.api.post(f"/api/v1/alarms/{alarm_id}/ack", headers=self.token(scope))

    def actor(self, scope: str = "testcity") -> str:
        """Who the API says acknowledged, for the operator token of ``scope``."""
        raw = self.token(scope)["Authorization"].removeprefix("Bearer ")
        with Session(self.runtime.engine) as session:
            identity = authenticate_token(session, raw)
        assert identity is not None
        return f"operator-token:{identity.token_id}"

    async def acknowledged(self, alarm: dict[str, Any], scope: str = "testcity") -> dict[str, Any]:
        """Acknowledge through the API; check who and when it records."""
        response = await self.ack(alarm["id"], scope)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["state"] == "acknowledged"
        assert body["acknowledged_by"] == self.actor(scope)
        assert body["acknowledged_ms"] == self.clock.now
        return body

    def gauge(
        self, kind: str, alarm_type: str, severity: str, district: str | None = None
    ) -> float:
        """``hub_alarms_active`` for those labels, summed over districts unless one is named."""
        wanted = {"kind": kind, "type": alarm_type, "severity": severity}
        if district is not None:
            wanted["district"] = district
        return sum(
            sample.value
            for family in self.runtime.metrics.registry.collect()
            if family.name == "hub_alarms_active"
            for sample in family.samples
            if wanted.items() <= sample.labels.items()
        )

    def actions(self, device_id: str, alarm_type: str) -> list[str]:
        """The live stream's alarm actions for that device and type, so far."""
        while not self.live.queue.empty():
            self.seen.append(self.live.queue.get_nowait())
        return [
            e.data["action"]
            for e in self.seen
            if e.type == "alarm" and e.device_id == device_id and e.data["alarm_type"] == alarm_type
        ]


@contextlib.asynccontextmanager
async def alarm_hub(
    settings: Any, broker_url: str, fleet: TinyFleet | None = None
) -> AsyncIterator[AlarmHub]:
    """A running hub; the tiny fleet is created unless the database has it (``fleet``)."""
    if fleet is None:
        engine = make_engine(settings.database_url)
        fleet = create_tiny_fleet(engine, settings.effective_secret_key)
        engine.dispose()
    clock = ManualClock()

    def worker(partition: Partition, link: FrontLink) -> WorkerRuntime:
        return build_worker(settings, broker_url, partition, link, alarm_clock_ms=clock)

    runtime = build_runtime(settings, broker_url, in_process_worker=worker, alarm_clock_ms=clock)
    try:
        async with running_task(run_hub(runtime), name="hub"):
            client = ScriptedClient(broker_url, f"devices-{settings.instance_id}").connect()
            try:
                await asyncio.wait_for(runtime.transport.wait_connected(), 30)
                await asyncio.wait_for(runtime.workers.wait_connected(), 30)
                await asyncio.wait_for(runtime.workers.local().alarms.wait_started(), 30)
                transport = httpx.ASGITransport(app=create_app(runtime))
                async with httpx.AsyncClient(transport=transport, base_url="http://hub") as api:
                    with runtime.live.subscribe() as live:
                        yield AlarmHub(runtime, clock, api, fleet, Wire(client), live)
            finally:
                client.close()
    finally:
        runtime.engine.dispose()


@pytest.fixture
async def hub(
    settings_factory: Any, private_mosquitto: PrivateMosquitto, sqlite_url: str
) -> AsyncIterator[AlarmHub]:
    """On SQLite (a fresh PostgreSQL database costs seconds per test)."""
    settings = settings_factory(instance_id="alarms", database_url=sqlite_url)
    async with alarm_hub(settings, private_mosquitto.url) as running:
        yield running


@pytest.fixture
async def both_hub(
    settings_factory: Any, private_mosquitto: PrivateMosquitto, database_url: str
) -> AsyncIterator[AlarmHub]:
    """Once on SQLite and once on PostgreSQL."""
    settings = settings_factory(instance_id="alarms", database_url=database_url)
    async with alarm_hub(settings, private_mosquitto.url) as running:
        yield running
