"""Generation 1 bitmaps: bit n is compartment n + 1, up to 128 compartments."""

from __future__ import annotations

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink import TelemetryV1, decode_telemetry, encode_telemetry
from firmware_protocols.lockerlink.bitmap import format_bitmap, parse_bitmap


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("00", set()),
        ("01", {1}),
        ("02", {2}),
        ("08", {4}),
        ("10", {5}),
        ("80", {8}),
        ("0100", {9}),
        ("8000", {16}),
        ("00100b", {1, 2, 4, 13}),
        ("ffffff", set(range(1, 25))),
    ],
)
def test_bit_n_is_compartment_n_plus_one(text: str, numbers: set[int]) -> None:
    assert parse_bitmap(text, 24) == numbers
    assert parse_bitmap(format_bitmap(numbers, 24), 24) == numbers


def test_sixty_compartments() -> None:
    assert format_bitmap({60}, 60) == "0800000000000000"
    assert format_bitmap({1}, 60) == "0000000000000001"
    assert format_bitmap(range(1, 61), 60) == "0fffffffffffffff"
    assert parse_bitmap("0800000000000001", 60) == {1, 60}
    assert parse_bitmap("0fffffffffffffff", 60) == set(range(1, 61))
    with pytest.raises(CodecError) as caught:
        parse_bitmap("1000000000000000", 60)  # bit 60 is compartment 61
    assert caught.value.reason == "bad_field"


@pytest.mark.parametrize(("count", "digits"), [(1, 2), (8, 2), (9, 4), (16, 4), (24, 6), (60, 16)])
def test_encoder_writes_two_digits_per_started_byte(count: int, digits: int) -> None:
    assert len(format_bitmap((), count)) == digits
    assert len(format_bitmap({count}, count)) == digits


def test_decoder_is_lenient_about_case_width_and_prefix() -> None:
    for text in ("0x00100B", "100b", "0X100b", "00000000100B", "0x0"):
        assert parse_bitmap(text, 24) == ({1, 2, 4, 13} if text != "0x0" else set())


def test_128_compartments_is_the_largest_cabinet() -> None:
    everything = set(range(1, 129))
    text = format_bitmap(everything, 128)
    assert text == "f" * 32
    assert parse_bitmap(text, 128) == everything
    with pytest.raises(CodecError):
        format_bitmap((), 129)


@pytest.mark.parametrize(
    "text", ["", "0x", "xyz", "12 34", "-1", "+1", "1" * 65, "1_0", "\uff11\uff12"]
)
def test_malformed_bitmaps_are_bad_field(text: str) -> None:
    with pytest.raises(CodecError) as caught:
        parse_bitmap(text, 24)
    assert caught.value.reason == "bad_field"


@pytest.mark.parametrize("value", [None, 5, ["01"], {"bits": "01"}, True])
def test_non_string_bitmaps_are_bad_field(value: object) -> None:
    with pytest.raises(CodecError) as caught:
        parse_bitmap(value, 24)
    assert caught.value.reason == "bad_field"


def test_leading_zeros_beyond_count_are_fine_set_bits_are_not() -> None:
    assert parse_bitmap("0" * 64, 1) == set()
    assert parse_bitmap("000001", 1) == {1}
    with pytest.raises(CodecError):
        parse_bitmap("02", 1)


@pytest.mark.parametrize("numbers", [{0}, {25}, {-1}])
def test_encoder_refuses_compartments_outside_the_cabinet(numbers: set[int]) -> None:
    with pytest.raises(CodecError) as caught:
        format_bitmap(numbers, 24)
    assert caught.value.reason == "bad_field"


def test_telemetry_encoder_refuses_a_door_beyond_count() -> None:
    message = TelemetryV1(1, 1, 24, frozenset({25}), frozenset(), "mains", 100, 20.0)
    with pytest.raises(CodecError):
        encode_telemetry(message)


def test_v1_telemetry_wire_form() -> None:
    message = TelemetryV1(7, 8, 60, frozenset({1, 60}), frozenset({9}), "battery", 64, -3.25)
    payload = encode_telemetry(message)
    assert b'"latch":"0800000000000001"' in payload
    assert b'"items":"0000000000000100"' in payload
    assert decode_telemetry(payload) == message
