"""The API through its real stack: a hub (transport, ingest, commands) in the test's event
loop against a private Mosquitto, create_app served by uvicorn on a free port, an httpx
client, the tiny fleet, and simulated door units (device_sims) or scripted ones."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlmodel import Session

from device_sims.device import SimOptions
from device_sims.door import Door
from device_sims.inventory import CompartmentSpec, DeviceSpec, SlotSpec
from device_sims.locker import Locker
from device_sims.vending import VendingMachine
from firmware_protocols.osdp import topics
from firmware_protocols.osdp.status import LAST_WILL
from hub.api.app import create_app
from hub.api.context import ApiContext
from hub.api.limits import ApiLimits
from hub.config import Settings
from hub.db.engine import make_engine
from hub.registry.tokens import mint_operator_token, mint_resident_token
from hub.runtime import HubRuntime
from mqtt_link.address import BrokerAddress
from tests.support.broker import PrivateMosquitto
from tests.support.devices import DoorUnit, Wire
from tests.support.hub_harness import ScriptedClient, running_hub
from tests.support.ports import free_port
from tests.support.tiny_fleet import TinyFleet, create_tiny_fleet
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker

TEST_LIMITS = ApiLimits(unlock_timeout_s=1.5, unlock_rate_per_minute=10, sse_heartbeat_s=0.2)
SIM_OPTIONS = SimOptions(speed=1000.0, behaviour=False)


@dataclass
class ApiHub:
    """A running hub with its API, and the registry it was given."""

    runtime: HubRuntime
    url: str
    client: httpx.AsyncClient
    fleet: TinyFleet
    broker_url: str
    context: ApiContext

    def operator_token(self, scope: str, ttl: timedelta | None = None) -> str:
        with Session(self.runtime.engine) as session:
            return mint_operator_token(session, scope, "test", ttl)

    def resident_token(self, resident_id: int, ttl: timedelta | None = None) -> str:
        with Session(self.runtime.engine) as session:
            return mint_resident_token(session, resident_id, "test", ttl)

    def resident(self, door_id: str, unit: str = "0101") -> int:
        """A resident of the building of ``door_id``."""
        return self.fleet.residents[f"{self.fleet.door_buildings[door_id]}/{unit}"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, broker_url: str, limits: ApiLimits = TEST_LIMITS
) -> AsyncIterator[ApiHub]:
    engine = make_engine(settings.database_url)
    fleet = create_tiny_fleet(engine, settings.effective_secret_key)
    engine.dispose()
    async with running_hub(settings, broker_url) as runtime:
        port = free_port()
        app = create_app(runtime, limits=limits)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(), name="api")
        try:
            await async_wait_until(lambda: server.started or task.done(), what="uvicorn")
            url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                yield ApiHub(runtime, url, client, fleet, broker_url, app.state.api)
        finally:
            server.should_exit = True
            await task


@pytest.fixture
async def api(settings_factory, private_mosquitto: PrivateMosquitto) -> AsyncIterator[ApiHub]:  # type: ignore[no-untyped-def]
    settings = settings_factory(instance_id="api-test")
    async with serving(settings, private_mosquitto.url) as hub:
        yield hub


@pytest.fixture
async def both_api(  # type: ignore[no-untyped-def]
    settings_factory, private_mosquitto: PrivateMosquitto, database_url: str
) -> AsyncIterator[ApiHub]:
    """Once on SQLite and once on PostgreSQL (for queries that differ between them)."""
    settings = settings_factory(instance_id="api-test", database_url=database_url)
    async with serving(settings, private_mosquitto.url) as hub:
        yield hub


# ------------------------------------------------------------------ door units
async def start_door(hub: ApiHub, device_id: str) -> Door:
    """The simulated door unit ``device_id``, online in the hub."""
    building = hub.fleet.door_buildings[device_id]
    spec = DeviceSpec(device_id, "door", "1.0.0", building, (building,))
    door = Door(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await door.start()
    await async_wait_until(
        lambda: hub.runtime.presence.is_online(device_id), what=f"{device_id} online"
    )
    return door


async def start_locker(hub: ApiHub, device_id: str) -> Locker:
    """The simulated locker ``device_id`` (compartments as in the tiny fleet), online."""
    index = hub.fleet.lockers.index(device_id) + 1
    community = f"c{index:04d}"
    sizes = {n: "S" if n <= 4 else "M" if n <= 6 else "L" for n in range(1, 9)}
    spec = DeviceSpec(
        device_id,
        "locker",
        f"{index}.0.0",
        community,
        (f"{community}-b01",),
        compartments=tuple(CompartmentSpec(n, size) for n, size in sizes.items()),
    )
    locker = Locker(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await locker.start()
    await async_wait_until(
        lambda: hub.runtime.presence.is_online(device_id), what=f"{device_id} online"
    )
    return locker


async def start_vending(hub: ApiHub, device_id: str) -> VendingMachine:
    """The simulated vending machine ``device_id`` (slots as in the tiny fleet), online."""
    index = hub.fleet.vending.index(device_id) + 1
    slots = tuple(SlotSpec(n, f"veg-{n}", 300 + n * 50, 10) for n in range(1, 5))
    spec = DeviceSpec(device_id, "vending", "2.0.0", f"c{index:04d}", slots=slots)
    machine = VendingMachine(spec, BrokerAddress.parse(hub.broker_url), options=SIM_OPTIONS)
    await machine.start()
    await async_wait_until(
        lambda: hub.runtime.presence.is_online(device_id), what=f"{device_id} online"
    )
    return machine


def strike_commands(door: Door) -> list[str]:
    """Ids of commands that released the strike (OUT-bearing ones the unit accepted)."""
    return [c for c in door.log.strikes if not c.startswith("allowlist:")]


def unlock_commands(door: Door) -> list[str | None]:
    """Every OUT-bearing command the unit received, whatever it decided."""
    return [c.command_id for c in door.commands if c.name == "grant_access"]


def held_door(hub: ApiHub, device_id: str) -> DoorUnit:
    """A scripted door unit, online, that keeps the commands it receives until the test
    has it handle them (``execute_pending``): so a command can arrive late."""
    status_topic = topics.topic(device_id, topics.STATUS)
    client = ScriptedClient(hub.broker_url, f"held-{device_id}", will=(status_topic, LAST_WILL))
    door = DoorUnit(Wire(client.connect()), device_id)
    door.online()
    return door
