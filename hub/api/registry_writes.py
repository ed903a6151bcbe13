"""One registry write per request: serialised, recorded on the change feed and audited,
all in one transaction.

The route hands :func:`write_registry` a function doing the change in a session; it runs
in a worker thread inside a registry write (``hub.registry.change_feed``). Problems the
registry raises become 422 (:class:`InvalidChange`, naming the body field) or 409
(:class:`ConflictingChange`); a change that changed something is recorded on the change
feed and gets one audit row, committed with it. Running hubs pick the change up from the
feed within a second (``hub.registry_sync``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import HTTPException, status
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.audit.trail import AuditTrail
from hub.api.auth import Operator
from hub.api.timeparams import unprocessable
from hub.registry.change_feed import ChangeDraft, begin_registry_write, record_changes
from hub.registry.errors import ConflictingChange, InvalidChange

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """What a write did: its answer, its change-feed entries, and what the audit says."""

    value: T
    changes: Sequence[ChangeDraft]
    result: str  # created, updated, revoked, deleted, ...
    device_id: str | None = None
    path: str | None = None  # the device's or the resident's building's, for scoping
    resident_id: int | None = None
    detail: str = ""


def _write(
    engine: Engine,
    trail: AuditTrail,
    operator: Operator,
    action: str,
    http_status: int,
    work: Callable[[Session], Done[T]],
    started: float,
) -> T:
    # Rows stay readable after the commit: the answer is built from them.
    with Session(engine, expire_on_commit=False) as session:
        begin_registry_write(session)
        try:
            done = work(session)
        except InvalidChange as exc:
            raise unprocessable(exc.field, exc.message, "body") from exc
        except ConflictingChange as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        except IntegrityError as exc:
            raise _clash() from exc
        if done.changes:
            now = wall_ms()
            conn = session.connection()
            record_changes(conn, done.changes, actor=operator.actor, ts_ms=now)
            draft = AuditDraft(
                ts_ms=now,
                actor=operator.actor,
                role="operator",
                action=f"registry:{action}",
                result=done.result,
                http_status=http_status,
                token_id=operator.token_id,
                resident_id=done.resident_id,
                device_id=done.device_id,
                device_path=done.path,
                latency_us=int((time.perf_counter() - started) * 1_000_000),
                detail=done.detail[:256],
            )
            trail.append_within(conn, draft)
        try:
            session.commit()
        except IntegrityError as exc:
            raise _clash() from exc
        return done.value


def _clash() -> HTTPException:
    """A clash the registry's checks did not foresee (a constraint of the database)."""
    return HTTPException(
        status.HTTP_409_CONFLICT, "conflicts with the registry; nothing was changed"
    )


async def write_registry(
    engine: Engine,
    trail: AuditTrail,
    operator: Operator,
    action: str,
    work: Callable[[Session], Done[T]],
    *,
    http_status: int = 200,
) -> T:
    """Run ``work`` as one audited registry write (see the module doc), off the loop."""
    started = time.perf_counter()
    return await run_in_threadpool(
        _write, engine, trail, operator, action, http_status, work, started
    )
