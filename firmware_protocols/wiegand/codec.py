"""Wiegand card formats H10301 (26 bit) and H10306 (34 bit): bits, bytes and parity.

A card is transmitted as a string of bits, most significant first::

    H10301  P FFFFFFFF CCCCCCCCCCCCCCCC P      26 bits, 8-bit facility, 16-bit card
    H10306  P FFFFFFFFFFFFFFFF CCCCCCCCCCCCCCCC P   34 bits, 16-bit facility, 16-bit card

The leading parity bit makes the first half (parity bit plus the first half of the payload)
even; the trailing one makes the second half odd. As bytes (the way osdp_RAW carries them)
the bits are packed most significant bit first and the last byte is padded with zeros.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from firmware_protocols.base import CodecError

WiegandFormat = Literal["H10301", "H10306"]


class WiegandError(CodecError):
    """Bad Wiegand input: wrong length, characters other than 0/1, parity or range."""


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """Field widths of one format; parity covers each half of the payload."""

    bit_count: int
    facility_bits: int
    card_bits: int


FORMATS: Mapping[str, FormatSpec] = MappingProxyType(
    {
        "H10301": FormatSpec(bit_count=26, facility_bits=8, card_bits=16),
        "H10306": FormatSpec(bit_count=34, facility_bits=16, card_bits=16),
    }
)
_BY_BIT_COUNT: Mapping[int, WiegandFormat] = MappingProxyType({26: "H10301", 34: "H10306"})


@dataclass(frozen=True, slots=True)
class WiegandCard:
    """A decoded card: its format, facility code and card number."""

    format: WiegandFormat
    facility: int
    card: int


def format_for_bit_count(bit_count: int) -> WiegandFormat | None:
    """The format transmitted with ``bit_count`` bits, or None if we know none."""
    return _BY_BIT_COUNT.get(bit_count)


def _spec(fmt: str) -> FormatSpec:
    spec = FORMATS.get(fmt)
    if spec is None:
        raise WiegandError("wiegand_format", f"unknown format {fmt!r}")
    return spec


def encode_bits(card: WiegandCard) -> str:
    """The bit string (with both parity bits) for ``card``; WiegandError if out of range."""
    spec = _spec(card.format)
    if not 0 <= card.facility < 1 << spec.facility_bits:
        raise WiegandError("wiegand_range", f"facility {card.facility} out of range")
    if not 0 <= card.card < 1 << spec.card_bits:
        raise WiegandError("wiegand_range", f"card {card.card} out of range")
    payload = f"{card.facility:0{spec.facility_bits}b}{card.card:0{spec.card_bits}b}"
    half = len(payload) // 2
    even = "1" if payload[:half].count("1") % 2 else "0"
    odd = "0" if payload[half:].count("1") % 2 else "1"
    return even + payload + odd


def parity_ok(bits: str) -> bool:
    """Whether the two parity bits of a complete bit string (26 or 34 bits) are right."""
    half = (len(bits) - 2) // 2
    first, second = bits[: 1 + half], bits[1 + half :]
    return first.count("1") % 2 == 0 and second.count("1") % 2 == 1


def decode_bits(bits: str, fmt: WiegandFormat | None = None) -> WiegandCard:
    """Decode a bit string; the format follows from its length unless given.

    Raises WiegandError on other characters than 0 and 1, an unknown or mismatched length,
    or a parity error.
    """
    if not bits or bits.strip("01"):
        raise WiegandError("wiegand_bits", "expected a string of 0 and 1")
    found = format_for_bit_count(len(bits))
    if found is None:
        raise WiegandError("wiegand_length", f"no known format has {len(bits)} bits")
    if fmt is not None and fmt != found:
        raise WiegandError("wiegand_length", f"{fmt} has {_spec(fmt).bit_count} bits")
    if not parity_ok(bits):
        raise WiegandError("wiegand_parity", f"parity error in {bits}")
    spec = FORMATS[found]
    facility = int(bits[1 : 1 + spec.facility_bits], 2)
    card = int(bits[1 + spec.facility_bits : -1], 2)
    return WiegandCard(format=found, facility=facility, card=card)


def bits_to_bytes(bits: str) -> bytes:
    """Pack a bit string most significant bit first, zero-padding the last byte."""
    if bits.strip("01"):
        raise WiegandError("wiegand_bits", "expected a string of 0 and 1")
    if not bits:
        return b""
    padded = bits + "0" * (-len(bits) % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big")


def bytes_to_bits(data: bytes, bit_count: int) -> str:
    """The first ``bit_count`` bits of ``data``, most significant bit first.

    ``data`` must be exactly as long as ``bit_count`` needs; padding bits are ignored.
    """
    if bit_count < 0 or len(data) != (bit_count + 7) // 8:
        raise WiegandError(
            "wiegand_length", f"{len(data)} bytes cannot carry exactly {bit_count} bits"
        )
    if bit_count == 0:
        return ""
    return f"{int.from_bytes(data, 'big'):0{len(data) * 8}b}"[:bit_count]


def encode_bytes(card: WiegandCard) -> bytes:
    """The card's bits packed into bytes (MSB first, zero padded)."""
    return bits_to_bytes(encode_bits(card))


def decode_bytes(data: bytes, bit_count: int) -> WiegandCard:
    """Decode ``bit_count`` bits packed MSB first into ``data``; WiegandError on bad input."""
    return decode_bits(bytes_to_bits(data, bit_count))
