"""PIN hashing and card validation, without a database."""

from __future__ import annotations

import hashlib
import hmac

from hub.registry.credentials import card_problem, is_valid_pin, pin_hash


def test_pin_hash_is_hmac_sha256_over_building_and_pin() -> None:
    expected = hmac.new(b"key-0123456789abcdef", b"42:2468", hashlib.sha256).hexdigest()
    assert pin_hash("key-0123456789abcdef", 42, "2468") == expected


def test_pin_hash_depends_on_key_building_and_pin() -> None:
    base = pin_hash("k" * 20, 1, "1234")
    assert pin_hash("k" * 19 + "x", 1, "1234") != base
    assert pin_hash("k" * 20, 2, "1234") != base
    assert pin_hash("k" * 20, 1, "12345") != base
    assert len(base) == 64


def test_valid_pins_are_four_to_six_ascii_digits() -> None:
    assert all(is_valid_pin(p) for p in ("0000", "12345", "987654"))
    assert not any(
        is_valid_pin(p) for p in ("123", "1234567", "12a4", "", "\u0661\u0662\u0663\u0664")
    )


def test_card_limits_follow_the_formats() -> None:
    assert card_problem("H10301", 255, 65535) is None
    assert card_problem("H10306", 65535, 65535) is None
    problem = card_problem("H10301", 256, 1)
    assert problem is not None and "facility code 256" in problem
    problem = card_problem("H10306", 1, 65536)
    assert problem is not None and "card number 65536" in problem
    problem = card_problem("H10302", 1, 1)
    assert problem is not None and "H10301, H10306" in problem
    assert card_problem("H10301", -1, 5) is not None
