"""Door credentials: Wiegand cards and PINs, and the lookups door access decisions use.

PINs have 4 to 6 digits, so no slow hash could protect them from someone holding the
table: a million guesses is cheap at any cost per guess. What protects them is a key the
database does not hold: the stored value is HMAC-SHA256 keyed with the hub's secret key
over ``<building_id>:<pin>``, so the same PIN in two buildings gives unrelated hashes and
a lookup is one indexed equality.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlmodel import Session, col, select

from hub.registry.models import DoorCredential, Resident
from hub.registry.vocabulary import CARD_FORMATS, CARD_LIMITS, CardFormat

PIN_LENGTHS = range(4, 7)


def is_valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS


def pin_hash(secret_key: str, building_id: int, pin: str) -> str:
    """The stored form of ``pin`` for residents of ``building_id`` (hex HMAC-SHA256)."""
    message = f"{building_id}:{pin}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def card_problem(card_format: str, facility_code: int, card_number: int) -> str | None:
    """Why a card cannot exist in its format, or None if it can."""
    if card_format not in CARD_FORMATS:
        return f"{card_format!r} is not one of {', '.join(CARD_FORMATS)}"
    max_facility, max_number = CARD_LIMITS[card_format]
    if not 0 <= facility_code <= max_facility:
        return f"facility code {facility_code} is outside 0..{max_facility} for {card_format}"
    if not 0 <= card_number <= max_number:
        return f"card number {card_number} is outside 0..{max_number} for {card_format}"
    return None


def find_card(
    session: Session,
    card_format: CardFormat,
    facility_code: int,
    card_number: int,
    *,
    include_revoked: bool = False,
) -> tuple[DoorCredential, Resident] | None:
    """The card credential and its holder, or None. Revoked cards are None unless asked."""
    if card_problem(card_format, facility_code, card_number) is not None:
        return None
    statement = (
        select(DoorCredential, Resident)
        .join(Resident, col(Resident.id) == col(DoorCredential.resident_id))
        .where(
            col(DoorCredential.kind) == "card",
            col(DoorCredential.card_format) == card_format,
            col(DoorCredential.facility_code) == facility_code,
            col(DoorCredential.card_number) == card_number,
        )
    )
    if not include_revoked:
        statement = statement.where(col(DoorCredential.revoked).is_(False))
    row = session.exec(statement).first()
    return None if row is None else (row[0], row[1])


def find_pin(
    session: Session, secret_key: str, building_id: int, pin: str
) -> tuple[DoorCredential, Resident] | None:
    """A live PIN credential of a resident of ``building_id`` matching ``pin``, or None."""
    if not is_valid_pin(pin):
        return None
    statement = (
        select(DoorCredential, Resident)
        .join(Resident, col(Resident.id) == col(DoorCredential.resident_id))
        .where(
            col(DoorCredential.pin_hash) == pin_hash(secret_key, building_id, pin),
            col(DoorCredential.kind) == "pin",
            col(DoorCredential.revoked).is_(False),
            col(Resident.building_id) == building_id,
        )
        .order_by(col(DoorCredential.id))
    )
    row = session.exec(statement).first()
    return None if row is None else (row[0], row[1])


def building_credentials(session: Session, building_id: int) -> list[DoorCredential]:
    """Every live credential of the residents of a building (for the offline allow-list)."""
    statement = (
        select(DoorCredential)
        .join(Resident, col(Resident.id) == col(DoorCredential.resident_id))
        .where(col(Resident.building_id) == building_id, col(DoorCredential.revoked).is_(False))
        .order_by(col(DoorCredential.id))
    )
    return list(session.exec(statement).all())
