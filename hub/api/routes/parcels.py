"""GET /api/v1/me/parcels and POST /api/v1/parcels/{parcel_id}/collect.

Collecting opens the parcel's compartment (``open_compartment``, reason
``resident_pickup``) with the same answers as an unlock: 200 once the locker confirms the
door opened, 403 not your parcel, 404 no such parcel, 409 already collected or locker
offline, 504, 502, 429, and a required ``Idempotency-Key``. The parcel becomes
``collected`` when the locker reports the pickup (the domain's parcel book does that).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import Connection
from sqlmodel import Session
from starlette.responses import JSONResponse

from hub.api.actuation import Attempt, Refusal, Target
from hub.api.deps import ContextDep, ResidentDep, SessionDep
from hub.api.routes.doors import IdempotencyKey
from hub.api.schemas.common import errors
from hub.api.schemas.parcels import ParcelPublic
from hub.api.schemas.residents import ActionPublic
from hub.domain.models import Parcel
from hub.domain.parcels import resident_parcels
from hub.registry.models import Device

router = APIRouter(prefix="/api/v1", tags=["residents"])

ParcelId = Annotated[int, Path(ge=1, le=2**62)]


def _public(parcel: Parcel) -> ParcelPublic:
    return ParcelPublic.model_validate(parcel)


@router.get("/me/parcels", responses=errors(401, 403))
def my_parcels(
    resident: ResidentDep, session: SessionDep, waiting_only: bool = False
) -> list[ParcelPublic]:
    """The resident's parcels, newest first, with their pickup codes."""
    return [
        _public(p)
        for p in resident_parcels(session, resident.resident_id, waiting_only=waiting_only)
    ]


@router.post(
    "/parcels/{parcel_id}/collect",
    response_model=ActionPublic,
    responses=errors(401, 403, 404, 409, 429, 502, 503, 504),
)
async def collect_parcel(
    parcel_id: ParcelId,
    idempotency_key: IdempotencyKey,
    resident: ResidentDep,
    context: ContextDep,
) -> JSONResponse:
    """Open the compartment holding the parcel; answers once the locker confirms."""

    def check(conn: Connection) -> Target | Refusal:
        with Session(bind=conn) as session:
            parcel = session.get(Parcel, parcel_id)
            if parcel is None:
                return Refusal(404, "not_found", f"no parcel {parcel_id}")
            locker = session.get(Device, parcel.device_id)
            path = locker.path if locker is not None else None
            where = {"device_id": parcel.device_id, "device_path": path}
            if parcel.resident_id != resident.resident_id:
                return Refusal(403, "forbidden", f"parcel {parcel_id} is not yours", **where)
            if parcel.state != "waiting":
                return Refusal(409, "not_waiting", f"parcel {parcel_id} is {parcel.state}", **where)
            if locker is None or path is None:
                return Refusal(409, "unavailable", f"the locker of parcel {parcel_id} is gone")
            params = {"compartment": parcel.compartment, "reason": "resident_pickup"}
            return Target(parcel.device_id, path, "open_compartment", params, str(parcel_id))

    attempt = Attempt(
        caller=resident,
        action="collect",
        kind="locker",
        idempotency_key=idempotency_key,
        request=f"POST /api/v1/parcels/{parcel_id}/collect",
        parcel_id=str(parcel_id),
    )
    answer = await context.actuator.perform(attempt, check)
    return answer.response()
