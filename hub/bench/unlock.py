"""Unlock phase: residents open doors through the HTTP API with the whole fleet running.

Each request is ``POST /api/v1/doors/{device_id}/unlock`` with the resident's bearer token
and a fresh ``Idempotency-Key``; the API answers 200 only once the door unit has confirmed
the command over MQTT, so the latency is API > command service > broker > simulated door >
broker > hub > API. Requests arrive open-loop at a fixed rate (each on its own schedule,
whatever the earlier ones are doing), spread over residents of many buildings, a few each
so none meets the per-resident rate limit. Every request counts in the percentiles,
whatever its status; the statuses are reported beside them.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine, text
from sqlmodel import Session

from hub.bench.children import BenchError
from hub.registry.tokens import mint_resident_token

ROUTE = "POST /api/v1/doors/{device_id}/unlock"


@dataclass(frozen=True, slots=True)
class UnlockTarget:
    resident_id: int
    token: str
    doors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnlockSample:
    door_id: str
    status: int
    latency_ms: float


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty sequence."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class UnlockResult:
    samples: tuple[UnlockSample, ...]
    residents: int
    rate_per_s: float

    @property
    def latencies(self) -> list[float]:
        return [s.latency_ms for s in self.samples]

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 0.99)

    @property
    def errors(self) -> int:
        """Unlocks that were not confirmed (any status but 200, or no answer)."""
        return sum(1 for s in self.samples if s.status != 200)

    @property
    def statuses(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(Counter(s.status for s in self.samples).items())}

    def details(self) -> dict[str, object]:
        return {
            "route": ROUTE,
            "unlocks": len(self.samples),
            "residents": self.residents,
            "doors": len({s.door_id for s in self.samples}),
            "rate_per_s": self.rate_per_s,
            "statuses": self.statuses,
            "max_ms": round(max(self.latencies), 2),
            "mean_ms": round(sum(self.latencies) / len(self.latencies), 2),
        }


def choose_targets(engine: Engine, residents: int, seed: int) -> list[UnlockTarget]:
    """``residents`` residents with door units, drawn over the whole city, with tokens."""
    query = text(
        "SELECT r.id, d.id FROM resident r JOIN device d ON d.node_id = r.building_id "
        "WHERE d.kind = 'door' AND d.enabled ORDER BY r.id, d.id"
    )
    doors: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for resident_id, door_id in conn.execute(query):
            doors.setdefault(int(resident_id), []).append(str(door_id))
    if not doors:
        raise BenchError("no resident has a door unit")
    chosen = random.Random(seed).sample(sorted(doors), min(residents, len(doors)))
    with Session(engine) as session:
        return [
            UnlockTarget(rid, mint_resident_token(session, rid, "hub bench"), tuple(doors[rid]))
            for rid in chosen
        ]


async def _unlock(client: httpx.AsyncClient, target: UnlockTarget, door: str) -> UnlockSample:
    headers = {
        "Authorization": f"Bearer {target.token}",
        "Idempotency-Key": f"bench-{uuid.uuid4().hex}",
    }
    started = time.perf_counter()
    try:
        response = await client.post(f"/api/v1/doors/{door}/unlock", headers=headers)
        status = response.status_code
    except httpx.HTTPError:
        status = 0  # no answer at all (timeout, reset): counted, never hidden
    return UnlockSample(door, status, (time.perf_counter() - started) * 1000)


async def _run(
    base_url: str,
    targets: Sequence[UnlockTarget],
    count: int,
    rate: float,
    seed: int,
    until: Callable[[], bool] | None = None,
    at_least: int = 0,
) -> list[UnlockSample]:
    """``count`` unlocks at ``rate`` (fewer if ``until`` says stop before the next, but
    ``at_least`` of them)."""
    rng = random.Random(seed)
    plan = [(targets[i % len(targets)], rng) for i in range(count)]
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        await client.get("/readyz")  # open a connection before the clock matters
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for i, (target, pick) in enumerate(plan):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if until is not None and i >= at_least and until():
                break
            door = pick.choice(target.doors)
            tasks.append(asyncio.create_task(_unlock(client, target, door)))
        return list(await asyncio.gather(*tasks))


def run_unlocks(
    base_url: str,
    engine: Engine,
    count: int,
    residents: int,
    rate: float,
    seed: int = 1,
    until: Callable[[], bool] | None = None,
    at_least: int = 0,
) -> UnlockResult:
    """Unlocks at ``rate``: ``count`` of them, or as many as come before ``until()`` (but
    ``at_least``)."""
    targets = choose_targets(engine, residents, seed)
    samples = asyncio.run(_run(base_url, targets, count, rate, seed, until, at_least))
    if not samples:
        raise BenchError("no unlock was sent")
    return UnlockResult(tuple(samples), len(targets), rate)
