"""POST /api/v1/doors/{device_id}/unlock: a resident opens a door of their building.

200 once the door unit confirms; 403 if the door is not theirs and 409 if it is offline
(nothing sent in either case); 504 if no confirmation came before the command expired
(the unit then refuses it); 502 if the unit refused; 429 after too many attempts. The
``Idempotency-Key`` header is required: the same key never opens twice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from sqlalchemy import Connection
from starlette.responses import JSONResponse

from hub.api.actuation import Attempt, Refusal, Target
from hub.api.deps import ContextDep, ResidentDep
from hub.api.schemas.common import DeviceIdPath, errors
from hub.api.schemas.residents import ActionPublic
from hub.registry.queries import resident_door_path

router = APIRouter(prefix="/api/v1/doors", tags=["residents"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="unique per intended unlock (e.g. a UUID); a repeat returns the first answer",
    ),
]
DeviceId = DeviceIdPath


@router.post(
    "/{device_id}/unlock",
    response_model=ActionPublic,
    responses=errors(401, 403, 409, 429, 502, 503, 504),
)
async def unlock_door(
    device_id: DeviceId,
    idempotency_key: IdempotencyKey,
    resident: ResidentDep,
    context: ContextDep,
) -> JSONResponse:
    """Release the door's strike; answers once the door unit confirms."""
    runtime = context.runtime
    pulse_ms = context.limits.unlock_pulse_ms

    def check(conn: Connection) -> Target | Refusal:
        path = resident_door_path(conn, resident.resident_id, device_id)
        if path is None:
            known = runtime.directory.get(device_id)
            return Refusal(
                403,
                "forbidden",
                f"{device_id} is not a door of your building",
                device_id=device_id,
                device_path=known.info.path if known is not None else None,
            )
        return Target(device_id, path, "unlock", {"pulse_ms": pulse_ms})

    attempt = Attempt(
        caller=resident,
        action="unlock",
        kind="door",
        idempotency_key=idempotency_key,
        request=f"POST /api/v1/doors/{device_id}/unlock",
        device_id=device_id,
    )
    answer = await context.actuator.perform(attempt, check)
    return answer.response()
