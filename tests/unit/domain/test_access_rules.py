"""Access decisions as pure rules, and reading credentials out of door events."""

from __future__ import annotations

from hub.domain import access_rules as rules
from hub.domain.access_rules import CardHolder, CardRead, card_from_event, pin_from_event

CARD = CardRead("H10301", 12, 3456)
BUILDING = 7


def test_card_of_the_building_is_granted() -> None:
    decision = rules.decide_card(CARD, CardHolder(41, BUILDING, revoked=False), BUILDING)
    assert decision.granted and decision.reason == rules.GRANTED_CARD
    assert decision.resident_id == 41


def test_cards_that_must_not_open() -> None:
    cases = [
        (CARD, None, BUILDING, rules.UNKNOWN_CARD, None),
        (CARD, CardHolder(41, BUILDING, revoked=True), BUILDING, rules.REVOKED_CARD, 41),
        (CARD, CardHolder(41, 8, revoked=False), BUILDING, rules.WRONG_BUILDING, 41),
        (CardRead(None, None, None), None, BUILDING, rules.UNREADABLE_CARD, None),
        (CARD, CardHolder(41, BUILDING, revoked=False), None, rules.NO_BUILDING, 41),
    ]
    for card, holder, building, reason, resident in cases:
        decision = rules.decide_card(card, holder, building)
        assert (decision.result, decision.reason, decision.resident_id) == (
            "denied",
            reason,
            resident,
        )


def test_pins() -> None:
    assert rules.decide_pin(True, 5, BUILDING).granted
    assert rules.decide_pin(True, None, BUILDING).reason == rules.UNKNOWN_PIN
    assert rules.decide_pin(False, None, BUILDING).reason == rules.BAD_PIN
    assert rules.decide_pin(True, 5, None).reason == rules.NO_BUILDING


def test_card_from_a_card_read_event() -> None:
    good = {"wiegand_format": "H10301", "facility": 12, "card": 3456, "parity_ok": True}
    assert card_from_event(good) == CARD
    for bad in (
        good | {"parity_ok": False},
        good | {"parity_ok": None, "wiegand_format": None},
        good | {"facility": None},
        good | {"wiegand_format": "H99999"},
        {},
    ):
        assert not card_from_event(bad).readable, bad


def test_pin_from_keypad_keys() -> None:
    assert pin_from_event({"digits": "1234#"}).pin == "1234"
    assert pin_from_event({"digits": "99*5678#"}).pin == "5678"  # '*' clears
    assert pin_from_event({"digits": "1234"}).pin == "1234"
    assert pin_from_event({"digits": None}).pin == ""
