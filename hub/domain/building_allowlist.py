"""A building's offline allow-list for its door units (pure).

Every live card of the building's residents, in a canonical order, stamped with a
version that is the CRC-32 of that canonical list: every replica computes the same
version for the same cards, and the version changes whenever a card is added or revoked.
A door unit reports the version it holds (``allowlist_version`` in its status); the hub
pushes the list when that differs from the version it wants. PINs are never on the list:
offline, a unit denies every PIN (osdp PROTOCOL.md section 9).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.registry.models import DoorCredential

MAX_FIELD = 0xFFFF  # what push_allowlist carries for facility and card number


@dataclass(frozen=True, slots=True)
class BuildingAllowList:
    version: int
    entries: tuple[dict[str, Any], ...]

    def params(self) -> dict[str, Any]:
        """The ``push_allowlist`` command's parameters."""
        return {"version": self.version, "entries": [dict(entry) for entry in self.entries]}


Card = tuple[str, int, int]
"""(format, facility code, card number) of a live card."""


def allowlist_entries(credentials: Iterable[DoorCredential]) -> tuple[dict[str, Any], ...]:
    """Live cards as allow-list entries, sorted; PINs and unrepresentable cards left out."""
    return card_entries(
        (c.card_format, c.facility_code, c.card_number)
        for c in credentials
        if c.kind == "card"
        and not c.revoked
        and c.card_format is not None
        and c.facility_code is not None
        and c.card_number is not None
    )


def card_entries(cards: Iterable[Card]) -> tuple[dict[str, Any], ...]:
    """Cards as allow-list entries, sorted, without duplicates; cards whose numbers
    push_allowlist cannot carry are left out."""
    kept = {card for card in cards if 0 <= card[1] <= MAX_FIELD and 0 <= card[2] <= MAX_FIELD}
    return tuple(
        {"format": fmt, "facility": facility, "card": card} for fmt, facility, card in sorted(kept)
    )


def allowlist_version(entries: Iterable[dict[str, Any]]) -> int:
    canonical = json.dumps(list(entries), sort_keys=True, separators=(",", ":"))
    return zlib.crc32(canonical.encode())


def building_allowlist(credentials: Iterable[DoorCredential]) -> BuildingAllowList:
    entries = allowlist_entries(credentials)
    return BuildingAllowList(allowlist_version(entries), entries)


def allowlist_of_cards(cards: Iterable[Card]) -> BuildingAllowList:
    entries = card_entries(cards)
    return BuildingAllowList(allowlist_version(entries), entries)
