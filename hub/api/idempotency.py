"""Idempotency keys: the same key never acts twice.

A request claims ``(subject, key)`` by inserting a row in state ``in_flight`` (the primary
key makes the claim atomic, across replicas too). Its answer is stored with its audit row,
in one transaction, and every later request with the key gets that answer back. A repeat
while the first is running gets :class:`InFlight`; a key reused for a different request
(another door, another parcel) gets :class:`KeyMismatch`. Synchronous: run it in a thread.

A claim whose request failed before sending any command is released (deleted), so the
client may retry with the same key; one that failed after sending stays ``in_flight``: the
device may have acted, and only a new key may try again.

Keys are kept for a retention (``HUB_API_IDEMPOTENCY_RETENTION_H``, default 24 h), then
pruned (:meth:`IdempotencyKeys.prune`, hourly, by :mod:`hub.housekeeping`): a client
retries a request within minutes, and a key older than that acts again as a new request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from hub.api.audit.tables import api_idempotency
from hub.api.audit.trail import Companion
from hub.db.write_lock import begin_write

IN_FLIGHT = "in_flight"
DONE = "done"


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is new: this request acts."""


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InFlight:
    since_ms: int


@dataclass(frozen=True, slots=True)
class KeyMismatch:
    """The key was first used for a different request."""


Claim = Claimed | StoredAnswer | InFlight | KeyMismatch


def fingerprint(*parts: str) -> str:
    """What a key is bound to (method and path), hashed to a fixed length."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# Statements built once with bound parameters, so SQLAlchemy reuses their compiled form:
# every unlock claims a key and completes it.
_MATCH = and_(
    api_idempotency.c.subject == bindparam("b_subject"),
    api_idempotency.c.key == bindparam("b_key"),
)
_CLAIM = insert(api_idempotency)
_READ = select(api_idempotency).where(_MATCH)
_COMPLETE = (
    update(api_idempotency)
    .where(_MATCH, api_idempotency.c.state == IN_FLIGHT)
    .values(
        state=DONE,
        status_code=bindparam("b_status_code"),
        body=bindparam("b_body"),
        completed_ms=bindparam("b_completed_ms"),
    )
)
_RELEASE = delete(api_idempotency).where(_MATCH, api_idempotency.c.state == IN_FLIGHT)


class IdempotencyKeys:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, subject: str, key: str, request: str, now_ms: int) -> Claim:
        with self._engine.connect() as conn:
            return self.claim_on(conn, subject, key, request, now_ms)

    @staticmethod
    def claim_on(conn: Connection, subject: str, key: str, request: str, now_ms: int) -> Claim:
        """:meth:`claim` on the caller's connection (which may read on afterwards: the
        claim is committed or rolled back here)."""
        try:
            begin_write(conn)
            conn.execute(
                _CLAIM,
                {
                    "subject": subject,
                    "key": key,
                    "fingerprint": request,
                    "state": IN_FLIGHT,
                    "created_ms": now_ms,
                },
            )
            conn.commit()
            return Claimed()
        except IntegrityError:
            conn.rollback()
        row = conn.execute(_READ, {"b_subject": subject, "b_key": key}).first()
        if row is None:  # released between our insert and this read: the client may retry
            return InFlight(now_ms)
        if row.fingerprint != request:
            return KeyMismatch()
        if row.state == DONE and row.status_code is not None and row.body is not None:
            return StoredAnswer(row.status_code, json.loads(row.body))
        return InFlight(row.created_ms)

    @staticmethod
    def completion(
        subject: str, key: str, status_code: int, body: dict[str, Any], now_ms: int
    ) -> Companion:
        """The write that stores the answer, for the audit row's transaction."""
        return Companion(
            _COMPLETE,
            {
                "b_subject": subject,
                "b_key": key,
                "b_status_code": status_code,
                "b_body": json.dumps(body, separators=(",", ":")),
                "b_completed_ms": now_ms,
            },
        )

    def release(self, subject: str, key: str) -> None:
        """Forget an unfinished claim whose request sent nothing."""
        with self._engine.connect() as conn:
            begin_write(conn)
            conn.execute(_RELEASE, {"b_subject": subject, "b_key": key})
            conn.commit()

    def prune(self, older_than_ms: int, batch_size: int = 5000) -> int:
        """Forget keys claimed before ``older_than_ms`` (answered or not); how many. In
        batches, each its own short transaction."""
        oldest = (
            select(api_idempotency.c.subject, api_idempotency.c.key)
            .where(api_idempotency.c.created_ms < older_than_ms)
            .limit(batch_size)
        )
        target = tuple_(api_idempotency.c.subject, api_idempotency.c.key)
        total = 0
        while True:
            with self._engine.begin() as conn:
                deleted = conn.execute(delete(api_idempotency).where(target.in_(oldest))).rowcount
            total += deleted
            if deleted < batch_size:
                return total
