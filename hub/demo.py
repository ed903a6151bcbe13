"""``make demo``: a whole city on embedded defaults.

Starts the embedded broker unless HUB_MQTT_URL is set, seeds the registry on first run,
runs the hub (ingest and API) in this process and the 2000-device simulation in a child
process, then prints the URLs and ready-to-use tokens (also written to demo-tokens.json).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hub.domain.models import Parcel
from hub.registry.errors import AlreadySeeded
from hub.registry.models import Device, Node, Resident
from hub.registry.queries import resident_door_ids
from hub.registry.seeding import seed_registry
from hub.registry.tokens import mint_operator_token, mint_resident_token
from hub.runtime import HubRuntime

SECRETS_PATH = Path("demo-secrets.json")
TOKENS_PATH = Path("demo-tokens.json")
ONLINE_WAIT_S = 120.0


@dataclass(frozen=True, slots=True)
class DemoFleet:
    lockers: int = 500
    vending: int = 500
    doors: int = 1000
    speed: float = 10.0
    faults: str = "light"
    seed: int = 1


AMQTT_FLEET = DemoFleet(lockers=50, vending=50, doors=100)


def seed_if_empty(engine: Engine, secret_key: str, seed: int) -> bool:
    """Seed the registry on first run; False if it already held a fleet."""
    try:
        report = seed_registry(engine, secret_key=secret_key, seed=seed, secrets_path=SECRETS_PATH)
    except AlreadySeeded:
        return False
    print(
        f"seeded {sum(report.devices.values())} devices and {report.residents} residents "
        f"in {report.elapsed_s:.1f} s (device passwords in {SECRETS_PATH})",
        flush=True,
    )
    return True


def device_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Device)).one())


def start_simulators(
    broker_url: str, database_url: str, fleet: DemoFleet
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).parent / "device-sims"),
        "run",
        "--lockers", str(fleet.lockers),
        "--vending", str(fleet.vending),
        "--doors", str(fleet.doors),
        "--mqtt-url", broker_url,
        "--database-url", database_url,
        "--speed", str(fleet.speed),
        "--faults", fleet.faults,
        "--seed", str(fleet.seed),
        "--stats-every", "30",
    ]  # fmt: skip
    if SECRETS_PATH.exists():
        command += ["--secrets", str(SECRETS_PATH)]
    return subprocess.Popen(command, env={**os.environ})


def _city_code(session: Session) -> str:
    node = session.exec(select(Node).where(col(Node.level) == "city")).first()
    if node is None:
        raise RuntimeError("the registry has no city")
    return node.code


def _resident_with_parcel_and_door(session: Session) -> Resident | None:
    """A resident with a parcel waiting (the simulated couriers deposit from the start)
    and a door unit, so both the unlock and the collection can be tried."""
    waiting = session.exec(
        select(Parcel.resident_id)
        .where(col(Parcel.state) == "waiting", col(Parcel.resident_id).is_not(None))
        .order_by(col(Parcel.id))
        .limit(50)
    ).all()
    for resident_id in waiting:
        if resident_id is not None and resident_door_ids(session, resident_id):
            return session.get(Resident, resident_id)
    return None


def _resident_with_door(session: Session) -> Resident:
    with_parcel = _resident_with_parcel_and_door(session)
    if with_parcel is not None:
        return with_parcel
    for resident in session.exec(select(Resident).order_by(col(Resident.id)).limit(200)):
        if resident.id is not None and resident_door_ids(session, resident.id):
            return resident
    raise RuntimeError("no resident has a door unit")


def mint_demo_tokens(runtime: HubRuntime, resident_id: int | None = None) -> dict[str, Any]:
    with Session(runtime.engine) as session:
        city = _city_code(session)
        operator = mint_operator_token(session, city, "demo city operator")
        resident = (
            session.get(Resident, resident_id)
            if resident_id is not None
            else _resident_with_door(session)
        )
        assert resident is not None and resident.id is not None
        doors = resident_door_ids(session, resident.id)
        resident_token = mint_resident_token(session, resident.id, "demo resident")
        parcels = session.exec(
            select(Parcel.id).where(
                col(Parcel.resident_id) == resident.id, col(Parcel.state) == "waiting"
            )
        ).all()
    return {
        "operator": {"token": operator, "scope": city},
        "resident": {
            "token": resident_token,
            "resident_id": resident.id,
            "unit": resident.unit,
            "doors": doors,
            "parcels": list(parcels),
        },
    }


def _write_tokens(runtime: HubRuntime) -> dict[str, Any]:
    tokens = mint_demo_tokens(runtime)
    TOKENS_PATH.write_text(json.dumps(tokens, indent=2) + "\n")
    os.chmod(TOKENS_PATH, 0o600)
    return tokens


async def announce_when_online(runtime: HubRuntime, expected: int) -> None:
    """Print the URLs and tokens once the fleet is online (or after a minute or two)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < ONLINE_WAIT_S:
        online = sum(online for online, _ in runtime.presence.counts().values())
        if online >= expected:
            break
        await asyncio.sleep(1)
    online = sum(online for online, _ in runtime.presence.counts().values())
    elapsed = loop.time() - started
    tokens = await asyncio.to_thread(_write_tokens, runtime)
    settings = runtime.settings
    base = f"http://{settings.api_host}:{settings.api_port}"
    door = tokens["resident"]["doors"][0] if tokens["resident"]["doors"] else "<door>"
    parcels = tokens["resident"]["parcels"]
    parcel = parcels[0] if parcels else "<parcel>"
    print(
        f"""
==> {online}/{expected} devices online after {elapsed:.0f} s
    web page   {base}/
    API docs   {base}/docs
    metrics    {base}/metrics
    operator   {tokens["operator"]["token"]}   (scope {tokens["operator"]["scope"]})
    resident   {tokens["resident"]["token"]}
               (unit {tokens["resident"]["unit"]}, door {door}, parcel {parcel})
    firmware   demo images are stored: start a campaign under "Firmware campaigns"
               on the web page (docs/firmware.md)
    tokens written to {TOKENS_PATH}; try:
      curl -s -H "Authorization: Bearer {tokens["operator"]["token"]}" {base}/api/v1/fleet/summary
      curl -s -X POST -H "Authorization: Bearer {tokens["resident"]["token"]}" \\
           -H "Idempotency-Key: demo-1" {base}/api/v1/doors/{door}/unlock
      curl -s -X POST -H "Authorization: Bearer {tokens["resident"]["token"]}" \\
           -H "Idempotency-Key: demo-2" {base}/api/v1/parcels/{parcel}/collect
    Ctrl-C stops everything.
""",
        flush=True,
    )
