"""Unlock-under-load phase: residents unlock doors while the hub drains a backlog.

With the whole fleet running and the hub settled, the hub (front and workers) is paused
while :mod:`hub.bench.backlog` publishes a burst the broker holds for it; the hub is
resumed and unlocks start at once, at the plan's rate with fresh idempotency keys, until
the workers have committed the backlog (and at least five of them, for a small plan).
Each unlock is the same request as in the idle unlock phase; every one counts, whatever
its status, and any status but 200 is an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.bench.backlog import backlog_devices, publish_backlog
from hub.bench.children import HubChild
from hub.bench.ingest import committed
from hub.bench.unlock import UnlockResult, run_unlocks

POLL_S = 0.1
STALL_S = 30.0
MAX_UNLOCKS = 100_000


@dataclass(frozen=True, slots=True)
class UnderLoadResult:
    unlocks: UnlockResult
    backlog: int
    drain_seconds: float
    drained: bool

    def details(self) -> dict[str, object]:
        return {
            **self.unlocks.details(),
            "errors": self.unlocks.errors,
            "backlog_messages": self.backlog,
            "drain_seconds": round(self.drain_seconds, 2),
            "drained": self.drained,
        }


class DrainWatch:
    """Polls the hub's committed count on a thread until the backlog is in (or stalls)."""

    def __init__(self, hub: HubChild, start: int, expected: int) -> None:
        self._hub, self._start, self._expected = hub, start, expected
        self.done = threading.Event()
        self.drained = False
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="bench-drain", daemon=True)

    def begin(self) -> None:
        self._began = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        seen, progress_at = -1, time.monotonic()
        while True:
            now = committed(self._hub) - self._start
            if now >= self._expected:
                self.drained = True
                break
            if now != seen:
                seen, progress_at = now, time.monotonic()
            elif time.monotonic() - progress_at > STALL_S:
                break
            time.sleep(POLL_S)
        self.seconds = time.monotonic() - self._began
        self.done.set()

    def over(self) -> bool:
        return self.done.is_set()


def run_under_load(
    hub: HubChild,
    engine: Engine,
    broker_url: str,
    backlog: int,
    residents: int,
    rate: float,
    seed: int,
    say: Callable[[str], None] = print,
) -> UnderLoadResult:
    devices = backlog_devices(engine)
    # The fleet keeps publishing meanwhile (about 70 messages/s, queued too while the hub is
    # paused): the drain is counted from here, so it ends a fraction of a percent early.
    start = committed(hub)
    hub.pause()
    try:
        say(f"unlock under load: hub paused; a backlog of {backlog} messages published")
        published = publish_backlog(broker_url, devices, backlog, wall_ms())
    finally:
        hub.resume()
    watch = DrainWatch(hub, start, published)
    watch.begin()
    say(f"unlock under load: hub resumed; unlocks at {rate:g}/s while it drains {published}")
    unlocks = run_unlocks(
        hub.base_url, engine, MAX_UNLOCKS, residents, rate, seed, until=watch.over, at_least=5
    )
    watch.done.wait()
    return UnderLoadResult(unlocks, published, watch.seconds, watch.drained)
