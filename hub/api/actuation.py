"""A resident makes a device act: unlock a door, open a parcel's compartment.

One flow for both, in this order: rate limit (429) > idempotency key (a repeat gets the
first answer, 409 while the first is running, 422 if the key was used for another
request) > the route's own check (403 not yours, 404, 409) > presence (409 offline, no
command sent) > the command, awaited until the device confirms (200) or the command
expires (504; the device refuses it if it arrives later) or the device refuses (502).
Every attempt writes exactly one audit row before its answer is returned; a first answer
is stored with its audit row in one transaction.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import Connection, select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.audit.trail import AuditTrail
from hub.api.auth import ResidentCaller
from hub.api.idempotency import (
    Claim,
    Claimed,
    IdempotencyKeys,
    InFlight,
    KeyMismatch,
    StoredAnswer,
    fingerprint,
)
from hub.api.limits import ApiLimits
from hub.api.rate_limit import SlidingWindowLimiter
from hub.commands.models import CommandState
from hub.commands.service import CommandOutcome, UnknownDevice, UnsupportedCommand
from hub.live import LiveEvent
from hub.registry.models import Node
from hub.registry.vocabulary import DeviceKind
from hub.runtime import HubRuntime
from hub.transport.errors import NotConnectedError, TransportError

Action = Literal["unlock", "collect"]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request, as the client sent it."""

    caller: ResidentCaller
    action: Action
    kind: DeviceKind
    idempotency_key: str
    request: str
    device_id: str | None = None
    parcel_id: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """The route's check passed: send ``command`` to ``device_id``."""

    device_id: str
    device_path: str
    command: str
    params: Mapping[str, Any]
    parcel_id: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """The route's check failed: answer ``status_code`` and send nothing."""

    status_code: int
    result: str
    detail: str
    device_id: str | None = None
    device_path: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, self.status_code, headers=dict(self.headers))


@dataclass(frozen=True, slots=True)
class _Row:
    """What the audit row of one answer says."""

    result: str
    answer: Answer
    device_id: str | None
    device_path: str | None
    command_id: str | None = None
    parcel_id: str | None = None


def _detail_text(body: Mapping[str, Any]) -> str:
    detail = body.get("detail", "")
    if isinstance(detail, list):
        return "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail)


def _error(
    status_code: int,
    result: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **where: Any,
) -> _Row:
    return _Row(result, Answer(status_code, {"detail": detail}, headers or {}), **where)


class Actuator:
    def __init__(
        self,
        runtime: HubRuntime,
        limits: ApiLimits,
        audit: AuditTrail,
        keys: IdempotencyKeys,
        limiter: SlidingWindowLimiter,
    ) -> None:
        self._runtime = runtime
        self._limits = limits
        self._audit = audit
        self._keys = keys
        self._limiter = limiter

    async def perform(
        self, attempt: Attempt, check: Callable[[Connection], Target | Refusal]
    ) -> Answer:
        """Run ``attempt``; ``check`` (blocking, run in a thread on the connection that
        claimed the idempotency key) decides what to open."""
        started = time.perf_counter()
        now_ms = wall_ms()
        subject = attempt.caller.actor
        retry_after = self._limiter.attempt(subject)
        if retry_after is not None:
            seconds = max(1, math.ceil(retry_after))
            row = await self._early(
                attempt,
                429,
                "rate_limited",
                f"at most {self._limits.unlock_rate_per_minute} attempts a minute;"
                f" retry in {seconds} s",
                {"Retry-After": str(seconds)},
            )
            return await self._finish(attempt, row, started, now_ms, store=False)
        request = fingerprint(attempt.request)
        keys, key = self._keys, attempt.idempotency_key

        claimed = False

        def claim_key(conn: Connection) -> Claim:
            nonlocal claimed
            claim = keys.claim_on(conn, subject, key, request, now_ms)
            claimed = isinstance(claim, Claimed)
            return claim

        def check_or_failure(conn: Connection) -> Target | Refusal | Exception:
            try:
                return check(conn)
            except Exception as exc:  # raised below, if the key was ours
                return exc

        # The claim and the check need nothing of each other: on PostgreSQL they go to the
        # server at once (the check's answer is used only if the key was ours).
        try:
            claim, target = await self._runtime.loop_calls.write_and_read(
                claim_key, check_or_failure
            )
        except BaseException:
            if claimed:  # cancelled with the key ours and nothing sent: it may be used again
                await run_in_threadpool(keys.release, subject, key)
            raise
        if not isinstance(claim, Claimed):
            return await self._finish(
                attempt, await self._repeat(attempt, claim), started, now_ms, store=False
            )
        if isinstance(target, Exception):
            # The check failed and nothing was sent: the key may be used again.
            await run_in_threadpool(keys.release, subject, key)
            raise target
        sent = False
        finished = False
        try:
            if isinstance(target, Refusal):
                path = target.device_path or await run_in_threadpool(
                    self._building_path, attempt.caller.building_id
                )
                row = _error(
                    target.status_code,
                    target.result,
                    target.detail,
                    device_id=target.device_id,
                    device_path=path,
                    parcel_id=attempt.parcel_id,
                )
            elif not self._runtime.presence.is_online(target.device_id):
                row = _error(
                    409,
                    "offline",
                    f"{target.device_id} is offline; nothing was sent",
                    device_id=target.device_id,
                    device_path=target.device_path,
                    parcel_id=target.parcel_id,
                )
            else:
                sent = True
                row = await self._command(attempt, target, started, now_ms)
            answer = await self._finish(attempt, row, started, now_ms, store=True)
            finished = True
            return answer
        except NotConnectedError:
            sent = False  # nothing left the hub: the client may retry with the same key
            row = await self._early(
                attempt, 503, "hub_disconnected", "the hub is not connected to the broker"
            )
            return await self._finish(attempt, row, started, now_ms, store=False)
        finally:
            if not finished and not sent:
                await run_in_threadpool(self._keys.release, subject, attempt.idempotency_key)

    async def _command(self, attempt: Attempt, target: Target, started: float, now_ms: int) -> _Row:
        where: dict[str, Any] = {
            "device_id": target.device_id,
            "device_path": target.device_path,
            "parcel_id": target.parcel_id,
        }
        try:
            outcome = await self._runtime.commands.issue(
                target.device_id,
                target.command,
                target.params,
                issued_by=attempt.caller.actor,
                timeout_s=self._limits.unlock_timeout_s,
                wait_for="confirmed",
            )
        except UnknownDevice:
            return _error(409, "unavailable", f"{target.device_id} cannot take commands", **where)
        except UnsupportedCommand as exc:
            return _error(502, "unsupported", str(exc), **where)
        except NotConnectedError:
            raise
        except TransportError as exc:
            return _error(503, "hub_disconnected", f"the command may not have left: {exc}", **where)
        return self._outcome_row(outcome, target, started, now_ms)

    def _outcome_row(
        self, outcome: CommandOutcome, target: Target, started: float, now_ms: int
    ) -> _Row:
        where: dict[str, Any] = {
            "device_id": target.device_id,
            "device_path": target.device_path,
            "parcel_id": target.parcel_id,
            "command_id": outcome.command_id,
        }
        state = outcome.state
        if state is CommandState.CONFIRMED:
            body = {
                "result": "confirmed",
                "device_id": target.device_id,
                "command_id": outcome.command_id,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "ts_ms": now_ms,
                "parcel_id": target.parcel_id,
            }
            return _Row("confirmed", Answer(200, body), **where)
        if state in (CommandState.TIMED_OUT, CommandState.EXPIRED, CommandState.ACKNOWLEDGED):
            detail = (
                f"{target.device_id} did not confirm within {self._limits.unlock_timeout_s:g} s;"
                " the command has expired and will not be carried out"
            )
            return _error(504, "timeout", detail, **where)
        reason = f": {outcome.reason}" if outcome.reason else ""
        return _error(
            502, state.value, f"{target.device_id} answered {state.value}{reason}", **where
        )

    async def _repeat(self, attempt: Attempt, claim: StoredAnswer | InFlight | KeyMismatch) -> _Row:
        if isinstance(claim, StoredAnswer):
            answered = claim.body.get("device_id")
            if isinstance(answered, str) and attempt.device_id is None:
                attempt = replace(attempt, device_id=answered)  # a collection's locker
            base = await self._early(attempt, claim.status_code, "replayed", "")
            command_id = claim.body.get("command_id")
            return _Row(
                "replayed",
                Answer(claim.status_code, claim.body),
                base.device_id,
                base.device_path,
                command_id if isinstance(command_id, str) else None,
                attempt.parcel_id,
            )
        if isinstance(claim, InFlight):
            return await self._early(
                attempt, 409, "in_flight", "a request with this Idempotency-Key is still running"
            )
        message = "this Idempotency-Key was used for a different request"
        row = await self._early(attempt, 422, "key_reused", message)
        # Shaped like FastAPI's own 422s, as the OpenAPI document says every 422 is.
        problem = {"loc": ["header", "Idempotency-Key"], "msg": message, "type": "value_error"}
        return replace(row, answer=Answer(422, {"detail": [problem]}))

    async def _early(
        self,
        attempt: Attempt,
        status_code: int,
        result: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> _Row:
        """A row for an answer given before the route's check: where is the request's
        device if the hub knows it, else the resident's building."""
        entry = (
            self._runtime.directory.get(attempt.device_id)
            if attempt.device_id is not None
            else None
        )
        path = (
            entry.info.path
            if entry is not None
            else await run_in_threadpool(self._building_path, attempt.caller.building_id)
        )
        return _error(
            status_code,
            result,
            detail,
            headers,
            device_id=attempt.device_id,
            device_path=path,
            parcel_id=attempt.parcel_id,
        )

    def _building_path(self, building_id: int) -> str | None:
        with self._runtime.engine.connect() as conn:
            path: str | None = conn.execute(
                select(col(Node.path)).where(col(Node.id) == building_id)
            ).scalar()
        return path

    async def _finish(
        self, attempt: Attempt, row: _Row, started: float, now_ms: int, *, store: bool
    ) -> Answer:
        caller = attempt.caller
        latency_us = int((time.perf_counter() - started) * 1_000_000)
        draft = AuditDraft(
            ts_ms=now_ms,
            actor=caller.actor,
            role="resident",
            action=attempt.action,
            result=row.result,
            http_status=row.answer.status_code,
            resident_id=caller.resident_id,
            token_id=caller.token_id,
            device_id=row.device_id,
            device_path=row.device_path,
            parcel_id=row.parcel_id,
            command_id=row.command_id,
            latency_us=latency_us,
            detail=_detail_text(row.answer.body)[:256],
        )
        answer = (
            self._keys.completion(
                caller.actor,
                attempt.idempotency_key,
                row.answer.status_code,
                row.answer.body,
                now_ms,
            )
            if store
            else None
        )
        await self._audit.append_from_loop(self._runtime.loop_calls, draft, answer)
        metrics = self._runtime.metrics
        metrics.unlocks.labels(attempt.kind, row.result).inc()
        if row.result == "confirmed":
            metrics.unlock_latency.labels(attempt.kind).observe(latency_us / 1_000_000)
        if row.device_path is not None:
            self._runtime.live.publish(
                LiveEvent(
                    type=attempt.action,
                    device_id=row.device_id,
                    path=row.device_path,
                    ts_ms=now_ms,
                    data={
                        "result": row.result,
                        "resident_id": caller.resident_id,
                        "command_id": row.command_id,
                        "parcel_id": row.parcel_id,
                    },
                )
            )
        return row.answer
