from __future__ import annotations

from hub.domain.building_allowlist import allowlist_entries, allowlist_version, building_allowlist
from hub.registry.models import DoorCredential


def card(fmt: str, facility: int, number: int, *, revoked: bool = False) -> DoorCredential:
    return DoorCredential(
        resident_id=1,
        kind="card",
        card_format=fmt,  # type: ignore[arg-type]
        facility_code=facility,
        card_number=number,
        revoked=revoked,
    )


def test_live_cards_only_sorted_and_deduplicated() -> None:
    credentials = [
        card("H10306", 1000, 5),
        card("H10301", 90, 324),
        card("H10301", 90, 324),
        card("H10301", 1, 1, revoked=True),
        DoorCredential(resident_id=1, kind="pin", pin_hash="ab" * 32),
        card("H10306", 70_000, 1),  # cannot be carried by push_allowlist
    ]
    assert allowlist_entries(credentials) == (
        {"format": "H10301", "facility": 90, "card": 324},
        {"format": "H10306", "facility": 1000, "card": 5},
    )


def test_version_is_stable_and_follows_the_content() -> None:
    one = building_allowlist([card("H10301", 90, 324), card("H10306", 1000, 5)])
    same = building_allowlist([card("H10306", 1000, 5), card("H10301", 90, 324)])
    fewer = building_allowlist([card("H10301", 90, 324)])
    assert one.version == same.version
    assert one.version != fewer.version
    assert 0 <= one.version <= 0xFFFFFFFF
    assert allowlist_version(()) == building_allowlist([]).version
    assert one.params() == {"version": one.version, "entries": [dict(e) for e in one.entries]}
