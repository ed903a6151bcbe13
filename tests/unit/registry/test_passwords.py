"""Mosquitto ``$7$`` password hashes: format, verification, malformed input."""

from __future__ import annotations

import base64

import pytest

from hub.registry.passwords import (
    HASH_BYTES,
    MOSQUITTO_ITERATIONS,
    SALT_BYTES,
    generate_password,
    hash_password,
    verify_password,
)

# Written by `mosquitto_passwd -c -b pw alice secret` (Mosquitto 2.0.11).
MOSQUITTO_ALICE = (
    "$7$101$hA9bx8Wnv1zGhDXH$JMKAMwH0WeHdOVbjWDpTrNFukC08/Reh2byv5amBO3GShX0I4mOkfG4+"
    "6l9+vyfHWnsnlqNvhV7XevReGX6vBg=="
)


def test_verifies_a_hash_written_by_mosquitto_passwd() -> None:
    assert verify_password("secret", MOSQUITTO_ALICE)
    assert not verify_password("Secret", MOSQUITTO_ALICE)


def test_hash_has_mosquittos_layout() -> None:
    encoded = hash_password("pa55word")
    empty, seven, iterations, salt, digest = encoded.split("$")
    assert (empty, seven, int(iterations)) == ("", "7", MOSQUITTO_ITERATIONS)
    assert len(base64.b64decode(salt, validate=True)) == SALT_BYTES
    assert len(base64.b64decode(digest, validate=True)) == HASH_BYTES


def test_round_trip_and_salting() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)
    assert not verify_password("other", first)


def test_fixed_salt_and_iterations_reproduce_mosquittos_hash() -> None:
    _, _, iterations, salt, _ = MOSQUITTO_ALICE.split("$")
    rebuilt = hash_password(
        "secret", iterations=int(iterations), salt=base64.b64decode(salt, validate=True)
    )
    assert rebuilt == MOSQUITTO_ALICE


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "$6$abc$def",
        "$7$$hA9bx8Wnv1zGhDXH$AAAA",
        "$7$0$hA9bx8Wnv1zGhDXH$" + MOSQUITTO_ALICE.rsplit("$", 1)[1],
        "$7$99999999999$hA9bx8Wnv1zGhDXH$" + MOSQUITTO_ALICE.rsplit("$", 1)[1],
        "$7$101$not*base64$" + MOSQUITTO_ALICE.rsplit("$", 1)[1],
        "$7$101$hA9bx8Wnv1zGhDXH$c2hvcnQ=",
        "$7$\u0661\u0660\u0661$hA9bx8Wnv1zGhDXH$" + MOSQUITTO_ALICE.rsplit("$", 1)[1],
        "$7$101$hA9bx8Wnv1zGhDXH$" + MOSQUITTO_ALICE.rsplit("$", 1)[1] + "$extra",
    ],
)
def test_malformed_hashes_never_verify(encoded: str) -> None:
    assert verify_password("secret", encoded) is False


def test_unencodable_password_is_a_mismatch() -> None:
    assert verify_password("\ud800", MOSQUITTO_ALICE) is False


def test_generated_passwords_are_long_and_distinct() -> None:
    passwords = {generate_password() for _ in range(100)}
    assert len(passwords) == 100
    assert all(len(p) >= 32 and ":" not in p for p in passwords)


def test_iteration_count_is_bounded() -> None:
    with pytest.raises(ValueError):
        hash_password("x", iterations=0)
