"""Access decisions at a door unit, as pure rules over what the registry returned.

A card opens the door if it exists, is not revoked, and belongs to a resident of the
door's building. A PIN opens it if a live PIN of a resident of that building matches
(the registry looks PINs up per building, so a match is always one of its residents).
Everything else is denied, with a short stable reason for the access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hub.registry.vocabulary import CARD_FORMATS, CardFormat

Result = Literal["granted", "denied"]

GRANTED_CARD = "card_ok"
GRANTED_PIN = "pin_ok"
UNREADABLE_CARD = "unreadable_card"  # bit count of no known format, or a parity error
UNKNOWN_CARD = "unknown_card"
REVOKED_CARD = "revoked_card"
WRONG_BUILDING = "other_building"
BAD_PIN = "bad_pin"  # not 4 to 6 digits
UNKNOWN_PIN = "unknown_pin"
NO_BUILDING = "door_not_in_building"  # the door unit is not registered under a building


@dataclass(frozen=True, slots=True)
class CardRead:
    """A card as read: format, facility and number are None when unreadable."""

    format: CardFormat | None
    facility: int | None
    card: int | None

    @property
    def readable(self) -> bool:
        return self.format is not None and self.facility is not None and self.card is not None


@dataclass(frozen=True, slots=True)
class PinEntry:
    pin: str


Credential = CardRead | PinEntry


@dataclass(frozen=True, slots=True)
class Decision:
    result: Result
    reason: str
    resident_id: int | None = None

    @property
    def granted(self) -> bool:
        return self.result == "granted"


@dataclass(frozen=True, slots=True)
class CardHolder:
    """What the registry knows about a card: its holder's building and whether revoked."""

    resident_id: int
    building_id: int
    revoked: bool


def card_from_event(data: Mapping[str, Any]) -> CardRead:
    """The card of a ``card_read`` event (see firmware_protocols.osdp.uplink)."""
    fmt, facility, card = data.get("wiegand_format"), data.get("facility"), data.get("card")
    if (
        fmt not in CARD_FORMATS
        or data.get("parity_ok") is not True
        or not isinstance(facility, int)
        or not isinstance(card, int)
    ):
        return CardRead(None, None, None)
    card_format: CardFormat = fmt
    return CardRead(card_format, facility, card)


def pin_from_event(data: Mapping[str, Any]) -> PinEntry:
    """The PIN of a ``keypad`` event: the keys before ``#``, after the last ``*`` (clear)."""
    digits = data.get("digits")
    text = digits if isinstance(digits, str) else ""
    text = text.split("#", 1)[0]
    return PinEntry(text.rsplit("*", 1)[-1])


def decide_card(
    card: CardRead, holder: CardHolder | None, door_building_id: int | None
) -> Decision:
    if door_building_id is None:
        return Decision("denied", NO_BUILDING, holder.resident_id if holder else None)
    if not card.readable:
        return Decision("denied", UNREADABLE_CARD)
    if holder is None:
        return Decision("denied", UNKNOWN_CARD)
    if holder.revoked:
        return Decision("denied", REVOKED_CARD, holder.resident_id)
    if holder.building_id != door_building_id:
        return Decision("denied", WRONG_BUILDING, holder.resident_id)
    return Decision("granted", GRANTED_CARD, holder.resident_id)


def decide_pin(pin_valid: bool, resident_id: int | None, door_building_id: int | None) -> Decision:
    """``resident_id``: the holder of a live PIN of the door's building that matched."""
    if door_building_id is None:
        return Decision("denied", NO_BUILDING)
    if not pin_valid:
        return Decision("denied", BAD_PIN)
    if resident_id is None:
        return Decision("denied", UNKNOWN_PIN)
    return Decision("granted", GRANTED_PIN, resident_id)
