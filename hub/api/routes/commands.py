"""POST /api/v1/devices/{device_id}/commands and GET /api/v1/commands/{command_id}.

An operator's command waits for the device's outcome and answers it (200 with the final
state, whatever it is); an offline device gets a 409 at once and nothing is sent. Every
command that reaches a device, or is refused for being offline, writes an audit row.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, status
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.auth import Operator
from hub.api.context import ApiContext
from hub.api.deps import ContextDep, OperatorDep, RuntimeDep, SessionDep
from hub.api.device_layout import device_layout
from hub.api.device_queries import device_in_scope
from hub.api.routes.devices import not_found
from hub.api.schemas.commands import (
    COMMAND_KINDS,
    CommandCreate,
    CommandOutcomePublic,
    CommandPublic,
    CommandReplyPublic,
    OpenCompartmentCreate,
)
from hub.api.schemas.common import DeviceIdPath, errors
from hub.api.timeparams import unprocessable
from hub.commands.repository import CommandRepository
from hub.commands.service import UnknownDevice, UnsupportedCommand
from hub.registry.models import Device
from hub.transport.errors import TransportError

router = APIRouter(prefix="/api/v1", tags=["operators"])

DeviceId = DeviceIdPath
CommandId = Annotated[str, Path(max_length=32)]


def _check(engine: Any, device_id: str, scope_path: str, body: CommandCreate) -> Device:
    """The device, if in scope and able to take ``body`` (else 404 or 422)."""
    with Session(engine) as session:
        device = device_in_scope(session, device_id, scope_path)
        if device is None:
            raise not_found(device_id)
        if not device.enabled:
            detail = f"{device_id} is disabled; enable it in the registry first"
            raise HTTPException(status.HTTP_409_CONFLICT, detail)
        kinds = COMMAND_KINDS[body.name]
        if device.kind not in kinds:
            raise unprocessable("name", f"{body.name} is for {' and '.join(kinds)} devices", "body")
        if isinstance(body, OpenCompartmentCreate):
            numbers = {c.number for c in device_layout(session, engine, device).compartments}
            if body.compartment not in numbers:
                raise unprocessable(
                    "compartment", f"{device_id} has no compartment {body.compartment}", "body"
                )
        return device


async def _audit(
    context: ApiContext,
    operator: Operator,
    device: Device,
    name: str,
    result: str,
    http_status: int,
    started: float,
    ts_ms: int,
    command_id: str | None = None,
    detail: str = "",
) -> None:
    draft = AuditDraft(
        ts_ms=ts_ms,
        actor=operator.actor,
        role="operator",
        action=f"command:{name}",
        result=result,
        http_status=http_status,
        token_id=operator.token_id,
        device_id=device.id,
        device_path=device.path,
        command_id=command_id,
        latency_us=int((time.perf_counter() - started) * 1_000_000),
        detail=detail[:256],
    )
    await run_in_threadpool(context.audit.append, draft)


@router.post(
    "/devices/{device_id}/commands",
    responses=errors(401, 403, 404, 409, 503),
)
async def issue_command(
    device_id: DeviceId,
    body: Annotated[CommandCreate, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> CommandOutcomePublic:
    """Send a command and wait for the device's outcome (at most ``timeout_s``)."""
    started = time.perf_counter()
    ts_ms = wall_ms()
    runtime = context.runtime
    device = await run_in_threadpool(_check, runtime.engine, device_id, operator.scope_path, body)
    params = body.model_dump(exclude={"name", "timeout_s"})
    if not runtime.presence.is_online(device_id):
        detail = f"{device_id} is offline; nothing was sent"
        await _audit(
            context, operator, device, body.name, "offline", 409, started, ts_ms, None, detail
        )
        raise HTTPException(status.HTTP_409_CONFLICT, detail)
    timeout = body.timeout_s or min(
        runtime.settings.command_timeout_s, context.limits.command_timeout_max_s
    )
    try:
        outcome = await runtime.commands.issue(
            device_id,
            body.name,
            params,
            issued_by=operator.actor,
            timeout_s=timeout,
            wait_for="confirmed",
        )
    except UnknownDevice as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{device_id} cannot take commands") from exc
    except UnsupportedCommand as exc:
        raise unprocessable("name", str(exc), "body") from exc
    except TransportError as exc:
        detail = f"the hub cannot reach the broker: {exc}"
        await _audit(context, operator, device, body.name, "hub_disconnected", 503, started, ts_ms)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail) from exc
    await _audit(
        context,
        operator,
        device,
        body.name,
        outcome.state.value,
        200,
        started,
        ts_ms,
        outcome.command_id,
        outcome.reason or "",
    )
    return CommandOutcomePublic(
        command_id=outcome.command_id,
        device_id=device_id,
        name=body.name,
        state=outcome.state.value,
        reason=outcome.reason,
        latency_ms=round(outcome.latency_ms, 3),
    )


@router.get("/commands/{command_id}", responses=errors(401, 403, 404))
def get_command(
    command_id: CommandId, operator: OperatorDep, runtime: RuntimeDep, session: SessionDep
) -> CommandPublic:
    """A command and every reply its device sent (late ones included)."""
    repository = CommandRepository(runtime.engine)
    record = repository.get(command_id)
    if record is None or device_in_scope(session, record.device_id, operator.scope_path) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no command {command_id!r} in your scope")
    return CommandPublic(
        id=record.id,
        device_id=record.device_id,
        kind=record.kind,
        name=record.name,
        params=dict(record.params),
        issued_by=record.issued_by,
        state=record.state,
        reason=record.reason,
        created_ms=record.created_ms,
        expires_ms=record.expires_ms,
        sent_ms=record.sent_ms,
        acknowledged_ms=record.acknowledged_ms,
        completed_ms=record.completed_ms,
        replies=[
            CommandReplyPublic(
                status=r.status, reason=r.reason, received_ms=r.received_ms, late=r.late
            )
            for r in repository.replies(command_id)
        ],
    )
