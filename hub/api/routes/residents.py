"""Operators register residents and their door cards and PINs.

GET/POST /api/v1/residents, GET/PATCH/DELETE /api/v1/residents/{id},
GET/POST /api/v1/residents/{id}/credentials and PATCH /api/v1/credentials/{id}. A
resident (and their credentials) belongs to a building; one outside the caller's scope
is a 404, like one that does not exist. Every change is audited and reaches the running
hubs within a second: a card or PIN revoked is refused at once, and the online door units
of the building get their new allow-list (hub.registry_sync).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response, status
from sqlmodel import Session, col, select

from hub.api.deps import ContextDep, OperatorDep, SessionDep
from hub.api.registry_writes import Done, write_registry
from hub.api.schemas.common import errors
from hub.api.schemas.registry import (
    CardCreate,
    CredentialCreate,
    CredentialPublic,
    CredentialUpdate,
    ResidentCreate,
    ResidentPage,
    ResidentRecordPublic,
    ResidentUpdate,
)
from hub.registry.change_feed import ChangeDraft
from hub.registry.models import DoorCredential, Node, Resident
from hub.registry.people_writes import (
    NewResident,
    ResidentEdit,
    add_card,
    add_pin,
    create_resident,
    edit_resident,
    remove_resident,
    set_revoked,
)
from hub.registry.queries import in_scope, scope_filter

router = APIRouter(prefix="/api/v1", tags=["operators"])

MAX_PAGE = 500
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} in your scope")


def _public(resident: Resident, building: Node) -> ResidentRecordPublic:
    assert resident.id is not None
    return ResidentRecordPublic(
        id=resident.id,
        building=building.code,
        building_path=building.path,
        unit=resident.unit,
        name=resident.name,
    )


def _credential(credential: DoorCredential) -> CredentialPublic:
    return CredentialPublic.model_validate(credential)


def resident_in_scope(session: Session, resident_id: int, scope_path: str) -> Resident:
    """The resident, if their building is within the scope; else a 404."""
    resident = session.get(Resident, resident_id)
    building = None if resident is None else session.get(Node, resident.building_id)
    if resident is None or building is None or not in_scope(scope_path, building.path):
        raise _not_found(f"resident {resident_id}")
    return resident


def _building(session: Session, resident: Resident) -> Node:
    building = session.get(Node, resident.building_id)
    assert building is not None
    return building


def _resident_done(
    session: Session,
    resident: Resident,
    changes: Sequence[ChangeDraft],
    result: str,
    detail: str = "",
) -> Done[ResidentRecordPublic]:
    """A resident written: the answer, audited in (and scoped by) their building now."""
    building = _building(session, resident)
    answer = _public(resident, building)
    return Done(answer, changes, result, path=building.path, resident_id=resident.id, detail=detail)


def _credential_done(
    session: Session,
    credential: DoorCredential,
    resident: Resident,
    changes: Sequence[ChangeDraft],
    result: str,
) -> Done[CredentialPublic]:
    """A card or PIN written: the answer, audited in its resident's building."""
    answer = _credential(credential)
    path = _building(session, resident).path
    detail = f"{credential.kind} {credential.id}"
    return Done(answer, changes, result, path=path, resident_id=resident.id, detail=detail)


@router.get("/residents", responses=errors(401, 403))
def list_residents(
    operator: OperatorDep,
    session: SessionDep,
    building: Annotated[str | None, Query(max_length=48, description="building code")] = None,
    unit: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**31 - 1, description="next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> ResidentPage:
    """Residents of the buildings in the caller's scope, by id, a page at a time."""
    statement = (
        select(Resident, Node)
        .join(Node, col(Node.id) == col(Resident.building_id))
        .where(scope_filter(operator.scope_path, Node.path))  # type: ignore[arg-type]
        .order_by(col(Resident.id))
        .limit(limit + 1)
    )
    if building is not None:
        statement = statement.where(col(Node.code) == building)
    if unit is not None:
        statement = statement.where(col(Resident.unit) == unit)
    if cursor is not None:
        statement = statement.where(col(Resident.id) > cursor)
    rows = list(session.exec(statement))
    items = [_public(resident, node) for resident, node in rows[:limit]]
    next_cursor = items[-1].id if len(rows) > limit else None
    return ResidentPage(items=items, next_cursor=next_cursor)


@router.post("/residents", status_code=status.HTTP_201_CREATED, responses=errors(401, 403))
async def add_resident(
    body: Annotated[ResidentCreate, Body()], operator: OperatorDep, context: ContextDep
) -> ResidentRecordPublic:
    """Register a resident of a building in the caller's scope."""
    new = NewResident(body.building, body.unit, body.name)

    def work(session: Session) -> Done[ResidentRecordPublic]:
        resident, changes = create_resident(session, new, scope_path=operator.scope_path)
        return _resident_done(session, resident, changes, "created")

    return await write_registry(
        context.runtime.engine, context.audit, operator, "resident.create", work, http_status=201
    )


@router.get("/residents/{resident_id}", responses=errors(401, 403, 404))
def get_resident(
    resident_id: Id, operator: OperatorDep, session: SessionDep
) -> ResidentRecordPublic:
    resident = resident_in_scope(session, resident_id, operator.scope_path)
    return _public(resident, _building(session, resident))


@router.patch("/residents/{resident_id}", responses=errors(401, 403, 404))
async def change_resident(
    resident_id: Id,
    body: Annotated[ResidentUpdate, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> ResidentRecordPublic:
    """Change unit or name, or move the resident to another building in scope."""
    edit = ResidentEdit(body.building, body.unit, body.name)

    def work(session: Session) -> Done[ResidentRecordPublic]:
        resident = resident_in_scope(session, resident_id, operator.scope_path)
        changes = edit_resident(session, resident, edit, scope_path=operator.scope_path)
        fields = ", ".join(sorted(body.model_fields_set))
        return _resident_done(session, resident, changes, "updated", detail=f"set {fields}")

    return await write_registry(
        context.runtime.engine, context.audit, operator, "resident.update", work
    )


@router.delete(
    "/residents/{resident_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(401, 403, 404),
)
async def delete_resident(resident_id: Id, operator: OperatorDep, context: ContextDep) -> None:
    """The resident moved out: they, their cards, PINs and app tokens are removed."""

    def work(session: Session) -> Done[None]:
        resident = resident_in_scope(session, resident_id, operator.scope_path)
        building = _building(session, resident)
        changes = remove_resident(session, resident)
        return Done(None, changes, "deleted", path=building.path, resident_id=resident_id)

    await write_registry(
        context.runtime.engine, context.audit, operator, "resident.delete", work, http_status=204
    )


@router.get("/residents/{resident_id}/credentials", responses=errors(401, 403, 404))
def list_credentials(
    resident_id: Id, operator: OperatorDep, session: SessionDep
) -> list[CredentialPublic]:
    """The resident's cards and PINs, revoked ones included."""
    resident_in_scope(session, resident_id, operator.scope_path)
    statement = (
        select(DoorCredential)
        .where(col(DoorCredential.resident_id) == resident_id)
        .order_by(col(DoorCredential.id))
    )
    return [_credential(c) for c in session.exec(statement)]


@router.post(
    "/residents/{resident_id}/credentials",
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 409),
)
async def add_credential(
    resident_id: Id,
    body: Annotated[CredentialCreate, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> CredentialPublic:
    """Give the resident a Wiegand card or a PIN for their building's doors."""
    secret_key = context.runtime.settings.effective_secret_key

    def work(session: Session) -> Done[CredentialPublic]:
        resident = resident_in_scope(session, resident_id, operator.scope_path)
        if isinstance(body, CardCreate):
            credential, changes = add_card(
                session, resident, body.card_format, body.facility_code, body.card_number
            )
        else:
            credential, changes = add_pin(session, resident, body.pin, secret_key=secret_key)
        return _credential_done(session, credential, resident, changes, "created")

    return await write_registry(
        context.runtime.engine,
        context.audit,
        operator,
        "credential.create",
        work,
        http_status=201,
    )


@router.patch("/credentials/{credential_id}", responses=errors(401, 403, 404, 409))
async def change_credential(
    credential_id: Id,
    body: Annotated[CredentialUpdate, Body()],
    operator: OperatorDep,
    context: ContextDep,
) -> CredentialPublic:
    """Revoke a card or PIN (``revoked: true``), or restore it."""

    def work(session: Session) -> Done[CredentialPublic]:
        credential = session.get(DoorCredential, credential_id)
        if credential is None:
            raise _not_found(f"credential {credential_id}")
        try:
            resident = resident_in_scope(session, credential.resident_id, operator.scope_path)
        except HTTPException:
            raise _not_found(f"credential {credential_id}") from None
        changes = set_revoked(session, credential, resident, body.revoked)
        result = "revoked" if body.revoked else "restored"
        return _credential_done(session, credential, resident, changes, result)

    return await write_registry(
        context.runtime.engine, context.audit, operator, "credential.update", work
    )
