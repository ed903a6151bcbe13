"""Maintenance windows: when a community's devices may be updated by campaigns.

``GET``, ``PUT`` (``{"start": "01:00", "end": "05:00"}``, local time ``HUB_TIMEZONE``; an
end before the start crosses midnight) and ``DELETE`` (any time again) on
``/api/v1/communities/{code}/maintenance-window``, for operators whose scope holds the
community. Changes are audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.auth import Operator
from hub.api.deps import ContextDep, OperatorDep, RuntimeDep
from hub.api.schemas.campaigns import WindowBody, WindowPublic
from hub.api.schemas.common import errors
from hub.firmware.tables import maintenance_window
from hub.firmware.windows import MaintenanceWindow, format_hhmm, parse_hhmm
from hub.registry.models import Node
from hub.registry.queries import get_node, in_scope

router = APIRouter(prefix="/api/v1/communities", tags=["operators"])
Code = Annotated[str, Path(max_length=48)]


def _community(runtime: RuntimeDep, code: str, operator: Operator) -> Node:
    with Session(runtime.engine) as session:
        node = get_node(session, code)
    if node is None or node.level != "community" or not in_scope(operator.scope_path, node.path):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no community {code!r} in your scope")
    return node


def _public(runtime: RuntimeDep, code: str, window: MaintenanceWindow) -> WindowPublic:
    return WindowPublic(
        community=code,
        start=format_hhmm(window.start_minute),
        end=format_hhmm(window.end_minute),
        timezone=runtime.settings.timezone,
    )


@router.get("/{code}/maintenance-window", responses=errors(401, 403, 404))
def get_window(code: Code, operator: OperatorDep, runtime: RuntimeDep) -> WindowPublic:
    node = _community(runtime, code, operator)
    with runtime.engine.connect() as conn:
        row = conn.execute(
            select(maintenance_window).where(maintenance_window.c.node_id == node.id)
        ).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{code} has no maintenance window")
    return _public(runtime, code, MaintenanceWindow(row.start_minute, row.end_minute))


def _store(runtime: RuntimeDep, node: Node, window: MaintenanceWindow, actor: str) -> None:
    values = {
        "start_minute": window.start_minute,
        "end_minute": window.end_minute,
        "updated_by": actor[:64],
        "updated_ms": wall_ms(),
    }
    with runtime.engine.begin() as conn:
        changed = conn.execute(
            update(maintenance_window)
            .where(maintenance_window.c.node_id == node.id)
            .values(**values)
        ).rowcount
        if not changed:
            conn.execute(insert(maintenance_window).values(node_id=node.id, **values))


async def _audit(
    context: ContextDep, operator: Operator, node: Node, result: str, detail: str
) -> None:
    draft = AuditDraft(
        ts_ms=wall_ms(),
        actor=operator.actor,
        role="operator",
        action="maintenance-window",
        result=result,
        http_status=200,
        token_id=operator.token_id,
        device_path=node.path,  # the place, so operators of its scope see the entry
        detail=detail,
    )
    await run_in_threadpool(context.audit.append, draft)


@router.put("/{code}/maintenance-window", responses=errors(401, 403, 404))
async def put_window(
    code: Code,
    body: WindowBody,
    operator: OperatorDep,
    runtime: RuntimeDep,
    context: ContextDep,
) -> WindowPublic:
    """Campaigns update this community's devices only inside the window."""
    node = await run_in_threadpool(_community, runtime, code, operator)
    start, end = parse_hhmm(body.start), parse_hhmm(body.end)
    if start == end:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "start and end must differ")
    window = MaintenanceWindow(start, end)
    await run_in_threadpool(_store, runtime, node, window, operator.actor)
    await _audit(context, operator, node, "set", f"{code} {window.describe()}")
    return _public(runtime, code, window)


@router.delete(
    "/{code}/maintenance-window",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(401, 403, 404),
)
async def delete_window(
    code: Code, operator: OperatorDep, runtime: RuntimeDep, context: ContextDep
) -> Response:
    """The community's devices may be updated at any time again."""
    node = await run_in_threadpool(_community, runtime, code, operator)

    def remove() -> None:
        with runtime.engine.begin() as conn:
            conn.execute(delete(maintenance_window).where(maintenance_window.c.node_id == node.id))

    await run_in_threadpool(remove)
    await _audit(context, operator, node, "removed", code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
