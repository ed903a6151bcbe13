"""Hourly database housekeeping of a hub process: what is kept only for a while.

- Idempotency keys of unlocks and collections, after ``HUB_API_IDEMPOTENCY_RETENTION_H``
  (:meth:`hub.api.idempotency.IdempotencyKeys.prune`);
- the registry's change feed, after ``HUB_RETENTION_DAYS`` (the newest change is always
  kept: it is the revision running hubs have applied).

Deletes run in a worker thread in short transactions. A database error is logged and
tried again at the next round. Several replicas pruning the same rows is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine

from firmware_protocols.clock import wall_ms
from hub.api.idempotency import IdempotencyKeys
from hub.api.limits import ApiLimits
from hub.registry.change_feed import prune_changes
from hub.runtime import HubRuntime
from hub.store.chores import run_every

log = logging.getLogger(__name__)

INTERVAL_S = 3600.0
DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Housekept:
    idempotency_keys: int
    registry_changes: int


def housekeep(
    engine: Engine, now_ms: int, *, idempotency_retention_h: float, retention_days: int
) -> Housekept:
    """Prune once (blocking)."""
    keys = IdempotencyKeys(engine).prune(now_ms - int(idempotency_retention_h * HOUR_MS))
    changes = prune_changes(engine, now_ms - retention_days * DAY_MS)
    return Housekept(keys, changes)


async def housekeeping_loop(
    runtime: HubRuntime,
    *,
    limits: ApiLimits | None = None,
    clock_ms: Callable[[], int] = wall_ms,
    interval_s: float = INTERVAL_S,
) -> None:
    """Prune now and then every ``interval_s`` until cancelled."""
    prune = partial(
        housekeep,
        runtime.engine,
        idempotency_retention_h=(limits or ApiLimits()).idempotency_retention_h,
        retention_days=runtime.settings.retention_days,
    )
    await run_every(
        interval_s, prune, clock_ms=clock_ms, done=_report, log=log, name="housekeeping"
    )


def _report(done: Housekept) -> None:
    if done.idempotency_keys or done.registry_changes:
        log.info(
            "housekeeping: %d idempotency keys and %d registry changes pruned",
            done.idempotency_keys,
            done.registry_changes,
        )
