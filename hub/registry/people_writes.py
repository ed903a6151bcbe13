"""Adding, changing and removing residents, and their door cards and PINs.

Like :mod:`hub.registry.device_writes`: the session began a registry write, problems
raise :class:`InvalidChange` or :class:`ConflictingChange`, and every function returns
the change-feed entries to record with the commit. Each entry names the building whose
door allow-lists it touches, so the running hubs push new lists to that building's
online doors.

A PIN is stored as an HMAC bound to its building (:mod:`hub.registry.credentials`), so
a resident who moves to another building keeps their cards but loses their PINs (they
are revoked); the resident sets a new PIN for the new building.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from hub.registry.change_feed import ChangeAction, ChangeDraft
from hub.registry.credentials import card_problem, is_valid_pin, pin_hash
from hub.registry.errors import ConflictingChange, InvalidChange
from hub.registry.models import DoorCredential, Node, Resident
from hub.registry.queries import in_scope
from hub.registry.timestamps import utc_now
from hub.registry.vocabulary import CardFormat

UNIT_LENGTH = 16
NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class NewResident:
    building: str
    unit: str
    name: str


@dataclass(frozen=True, slots=True)
class ResidentEdit:
    building: str | None = None
    unit: str | None = None
    name: str | None = None


def building_in_scope(session: Session, code: str, scope_path: str) -> Node:
    """The building ``code`` if it is within ``scope_path`` (else: unknown, a 422)."""
    node = session.exec(select(Node).where(col(Node.code) == code)).first()
    if node is None or not in_scope(scope_path, node.path):
        raise InvalidChange("building", f"unknown building code {code!r}")
    if node.level != "building":
        raise InvalidChange("building", f"{code!r} is a {node.level}, not a building")
    return node


def _text(field: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidChange(field, "is empty")
    if len(text) > limit:
        raise InvalidChange(field, f"is longer than {limit} characters")
    return text


def _draft(resident: Resident, action: ChangeAction, building_id: int) -> ChangeDraft:
    assert resident.id is not None
    return ChangeDraft("resident", str(resident.id), action, building_id)


def create_resident(
    session: Session, new: NewResident, *, scope_path: str
) -> tuple[Resident, tuple[ChangeDraft, ...]]:
    building = building_in_scope(session, new.building, scope_path)
    assert building.id is not None
    resident = Resident(
        building_id=building.id,
        unit=_text("unit", new.unit, UNIT_LENGTH),
        name=_text("name", new.name, NAME_LENGTH),
    )
    session.add(resident)
    session.flush()
    return resident, (_draft(resident, "created", building.id),)


def edit_resident(
    session: Session, resident: Resident, edit: ResidentEdit, *, scope_path: str
) -> tuple[ChangeDraft, ...]:
    """Change unit, name or building; a move revokes the resident's PINs."""
    old_building = resident.building_id
    changed = False
    if edit.unit is not None and _text("unit", edit.unit, UNIT_LENGTH) != resident.unit:
        resident.unit, changed = edit.unit.strip(), True
    if edit.name is not None and _text("name", edit.name, NAME_LENGTH) != resident.name:
        resident.name, changed = edit.name.strip(), True
    drafts: list[ChangeDraft] = []
    if edit.building is not None:
        building = building_in_scope(session, edit.building, scope_path)
        assert building.id is not None
        if building.id != old_building:
            resident.building_id, changed = building.id, True
            for pin in _credentials(session, resident, kind="pin", live=True):
                pin.revoked = True
                session.add(pin)
                assert pin.id is not None
                drafts.append(ChangeDraft("credential", str(pin.id), "revoked", old_building))
            drafts.append(_draft(resident, "updated", building.id))
    if not changed:
        return ()
    session.add(resident)
    session.flush()
    drafts.append(_draft(resident, "updated", old_building))
    return tuple(drafts)


def remove_resident(session: Session, resident: Resident) -> tuple[ChangeDraft, ...]:
    """The resident moved out: they, their cards, PINs and app tokens are deleted."""
    draft = _draft(resident, "deleted", resident.building_id)
    session.delete(resident)
    session.flush()
    return (draft,)


def _credentials(
    session: Session, resident: Resident, *, kind: str | None = None, live: bool = False
) -> list[DoorCredential]:
    statement = select(DoorCredential).where(col(DoorCredential.resident_id) == resident.id)
    if kind is not None:
        statement = statement.where(col(DoorCredential.kind) == kind)
    if live:
        statement = statement.where(col(DoorCredential.revoked).is_(False))
    return list(session.exec(statement.order_by(col(DoorCredential.id))))


def add_card(
    session: Session,
    resident: Resident,
    card_format: CardFormat,
    facility_code: int,
    card_number: int,
) -> tuple[DoorCredential, tuple[ChangeDraft, ...]]:
    problem = card_problem(card_format, facility_code, card_number)
    if problem is not None:
        raise InvalidChange("card", problem)
    existing = session.exec(
        select(DoorCredential).where(
            col(DoorCredential.card_format) == card_format,
            col(DoorCredential.facility_code) == facility_code,
            col(DoorCredential.card_number) == card_number,
        )
    ).first()
    if existing is not None:
        raise ConflictingChange(
            f"card {card_format} {facility_code}:{card_number} is already registered"
            f" (credential {existing.id})"
        )
    assert resident.id is not None
    credential = DoorCredential(
        resident_id=resident.id,
        kind="card",
        card_format=card_format,
        facility_code=facility_code,
        card_number=card_number,
        created_at=utc_now(),
    )
    return _added(session, credential, resident)


def add_pin(
    session: Session, resident: Resident, pin: str, *, secret_key: str
) -> tuple[DoorCredential, tuple[ChangeDraft, ...]]:
    if not is_valid_pin(pin):
        raise InvalidChange("pin", "must be 4 to 6 digits")
    hashed = pin_hash(secret_key, resident.building_id, pin)
    _refuse_live_pin(session, hashed)
    assert resident.id is not None
    credential = DoorCredential(
        resident_id=resident.id, kind="pin", pin_hash=hashed, created_at=utc_now()
    )
    return _added(session, credential, resident)


def _refuse_live_pin(session: Session, hashed: str) -> None:
    """A PIN must tell its holder apart: one live PIN per value per building."""
    clash = session.exec(
        select(DoorCredential.id).where(
            col(DoorCredential.pin_hash) == hashed, col(DoorCredential.revoked).is_(False)
        )
    ).first()
    if clash is not None:
        raise ConflictingChange("another resident of the building already uses this PIN")


def _added(
    session: Session, credential: DoorCredential, resident: Resident
) -> tuple[DoorCredential, tuple[ChangeDraft, ...]]:
    session.add(credential)
    session.flush()
    assert credential.id is not None
    return credential, (
        ChangeDraft("credential", str(credential.id), "created", resident.building_id),
    )


def set_revoked(
    session: Session, credential: DoorCredential, resident: Resident, revoked: bool
) -> tuple[ChangeDraft, ...]:
    """Revoke a card or PIN (or restore it); nothing if it already is so."""
    if credential.revoked == revoked:
        return ()
    if not revoked and credential.pin_hash is not None:
        _refuse_live_pin(session, credential.pin_hash)
    credential.revoked = revoked
    session.add(credential)
    session.flush()
    assert credential.id is not None
    action: ChangeAction = "revoked" if revoked else "enabled"
    return (ChangeDraft("credential", str(credential.id), action, resident.building_id),)
