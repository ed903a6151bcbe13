"""Wiegand H10301/H10306: the published vector, parity, bytes, round trips, bad input."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocols.base import CodecError
from firmware_protocols.wiegand import (
    WiegandCard,
    WiegandError,
    bits_to_bytes,
    bytes_to_bits,
    decode_bits,
    decode_bytes,
    encode_bits,
    encode_bytes,
    format_for_bit_count,
)

PROPERTY = settings(max_examples=2000, deadline=None, database=None)


def published_vectors(vectors_dir: Path) -> list[tuple[int, int, str]]:
    """(facility, card, bits) sentences of the shared vectors file."""
    text = (vectors_dir / "OSDP_WIEGAND.md").read_text(encoding="utf-8")
    found = re.findall(r"Facility (\d+), card (\d+) gives `([01]+)`", text)
    return [(int(f), int(c), bits) for f, c, bits in found]


def test_published_h10301_vector(vectors_dir: Path) -> None:
    vectors = published_vectors(vectors_dir)
    assert vectors, "the shared file no longer has a Wiegand vector sentence"
    for facility, card, bits in vectors:
        assert encode_bits(WiegandCard("H10301", facility, card)) == bits
        assert decode_bits(bits) == WiegandCard("H10301", facility, card)
    assert (90, 324, "00101101000000001010001000") in vectors


def test_bytes_are_msb_first_and_zero_padded() -> None:
    card = WiegandCard("H10301", 90, 324)
    assert encode_bytes(card) == bytes.fromhex("2d00a200")
    assert decode_bytes(bytes.fromhex("2d00a200"), 26) == card
    # padding bits are ignored on the way in
    assert decode_bytes(bytes.fromhex("2d00a23f"), 26) == card


def test_h10306_layout_and_parity() -> None:
    card = WiegandCard("H10306", 0xFFFF, 1)
    bits = encode_bits(card)
    assert len(bits) == 34
    # 16 ones in the facility half: even parity bit 0; one 1 in the card half: odd bit 0
    assert bits == "0" + "1" * 16 + "0" * 15 + "1" + "0"
    assert decode_bits(bits) == card
    assert len(encode_bytes(card)) == 5


@pytest.mark.parametrize("flip", [0, 1, 12, 13, 25])
def test_single_bit_error_fails_parity(flip: int) -> None:
    bits = list(encode_bits(WiegandCard("H10301", 90, 324)))
    bits[flip] = "1" if bits[flip] == "0" else "0"
    with pytest.raises(WiegandError) as info:
        decode_bits("".join(bits))
    assert info.value.reason == "wiegand_parity"


@pytest.mark.parametrize(
    ("bits", "reason"),
    [
        ("", "wiegand_bits"),
        ("0012", "wiegand_bits"),
        ("0" * 25, "wiegand_length"),
        ("0" * 37, "wiegand_length"),
    ],
)
def test_bad_bit_strings(bits: str, reason: str) -> None:
    with pytest.raises(WiegandError) as info:
        decode_bits(bits)
    assert info.value.reason == reason


def test_format_mismatch_and_ranges() -> None:
    with pytest.raises(WiegandError):
        decode_bits(encode_bits(WiegandCard("H10301", 1, 2)), "H10306")
    with pytest.raises(WiegandError):
        encode_bits(WiegandCard("H10301", 256, 1))
    with pytest.raises(WiegandError):
        encode_bits(WiegandCard("H10306", 1, 1 << 16))
    with pytest.raises(WiegandError):
        encode_bits(WiegandCard("H99999", 1, 1))  # type: ignore[arg-type]
    with pytest.raises(WiegandError):
        bytes_to_bits(b"\x00\x00", 26)
    assert format_for_bit_count(26) == "H10301"
    assert format_for_bit_count(34) == "H10306"
    assert format_for_bit_count(37) is None
    assert issubclass(WiegandError, CodecError)


cards = st.one_of(
    st.builds(
        WiegandCard,
        st.just("H10301"),
        st.integers(0, 0xFF),
        st.integers(0, 0xFFFF),
    ),
    st.builds(
        WiegandCard,
        st.just("H10306"),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFF),
    ),
)


@PROPERTY
@given(cards)
def test_encode_then_decode_is_identity(card: WiegandCard) -> None:
    assert decode_bits(encode_bits(card)) == card
    data = encode_bytes(card)
    bit_count = 26 if card.format == "H10301" else 34
    assert decode_bytes(data, bit_count) == card
    assert bytes_to_bits(data, bit_count) == encode_bits(card)


@PROPERTY
@given(st.binary(max_size=6), st.integers(-2, 50), st.text(alphabet="01x", max_size=40))
def test_arbitrary_input_raises_only_codec_error(data: bytes, bit_count: int, text: str) -> None:
    for call in (
        lambda: decode_bytes(data, bit_count),
        lambda: decode_bits(text),
        lambda: bits_to_bytes(text),
    ):
        with contextlib.suppress(CodecError):
            call()
