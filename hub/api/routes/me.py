"""GET /api/v1/me and /api/v1/me/doors: the resident behind the token, and their doors."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from hub.api.deps import ContextDep, ResidentDep, SessionDep
from hub.api.schemas.common import errors
from hub.api.schemas.residents import DoorPublic, MePublic
from hub.registry.models import Device, Node, Resident
from hub.registry.queries import resident_door_ids

router = APIRouter(prefix="/api/v1/me", tags=["residents"])


@router.get("", responses=errors(401, 403))
def me(resident: ResidentDep, session: SessionDep) -> MePublic:
    """Who the token belongs to."""
    row = session.get(Resident, resident.resident_id)
    building = session.get(Node, resident.building_id)
    if row is None or row.id is None or building is None:  # deleted after authentication
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the resident no longer exists")
    return MePublic(
        id=row.id,
        name=row.name,
        unit=row.unit,
        building=building.code,
        building_name=building.name,
    )


@router.get("/doors", responses=errors(401, 403))
def my_doors(resident: ResidentDep, context: ContextDep, session: SessionDep) -> list[DoorPublic]:
    """The door units of the resident's building, with whether each is online."""
    presence = context.runtime.presence
    doors = []
    for device_id in resident_door_ids(session, resident.resident_id):
        device = session.get(Device, device_id)
        if device is not None:
            doors.append(
                DoorPublic(
                    device_id=device_id, name=device.name, online=presence.is_online(device_id)
                )
            )
    return doors
