"""Idempotency keys are kept for their retention, then pruned (answered or not), on
both databases; a pruned key acts again as a new request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from hub.api.audit.tables import api_idempotency
from hub.api.idempotency import Claimed, IdempotencyKeys, StoredAnswer, fingerprint
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.housekeeping import housekeep

HOUR_MS = 3_600_000
NOW = 1_000 * HOUR_MS


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _answered(keys: IdempotencyKeys, engine: Engine, key: str, created_ms: int) -> None:
    assert isinstance(keys.claim("resident:1", key, fingerprint("POST /x"), created_ms), Claimed)
    answer = keys.completion("resident:1", key, 200, {"result": "confirmed"}, created_ms)
    with engine.begin() as conn:
        conn.execute(answer.statement, answer.params)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(api_idempotency)).scalar_one())


def test_keys_older_than_the_retention_are_pruned(engine: Engine) -> None:
    keys = IdempotencyKeys(engine)
    request = fingerprint("POST /x")
    _answered(keys, engine, "old-done", NOW - 30 * HOUR_MS)
    keys.claim("resident:1", "old-stuck", request, NOW - 25 * HOUR_MS)  # never answered
    _answered(keys, engine, "recent", NOW - 23 * HOUR_MS)
    done = housekeep(engine, NOW, idempotency_retention_h=24, retention_days=30)
    assert done.idempotency_keys == 2 and _count(engine) == 1
    # Within the retention a repeat still gets the first answer...
    assert isinstance(keys.claim("resident:1", "recent", request, NOW), StoredAnswer)
    # ...after it, the key is new again.
    assert isinstance(keys.claim("resident:1", "old-done", request, NOW), Claimed)


def test_pruning_goes_in_batches(engine: Engine) -> None:
    keys = IdempotencyKeys(engine)
    for i in range(7):
        keys.claim("resident:1", f"k{i}", fingerprint("POST /x"), NOW - 48 * HOUR_MS)
    assert keys.prune(NOW, batch_size=3) == 7 and _count(engine) == 0
