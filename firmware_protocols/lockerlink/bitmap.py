"""Generation 1 compartment bitmaps: a hex string whose bit n is compartment n + 1.

The hex string is one big-endian unsigned integer, so the last hex digit holds
compartments 1 to 4 (``"01"`` is compartment 1, ``"80"`` compartment 8, ``"0100"``
compartment 9). Encoders write whole bytes (two hex digits per 8 compartments, lower
case); decoders accept either case, any number of leading zeros and an optional ``0x``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink.fields import BAD_FIELD
from firmware_protocols.lockerlink.messages import MAX_COMPARTMENTS

MAX_HEX_DIGITS = 64
_HEX = re.compile(rf"(?:0[xX])?([0-9a-fA-F]{{1,{MAX_HEX_DIGITS}}})")


def parse_bitmap(text: object, count: int, name: str = "bitmap") -> frozenset[int]:
    """Compartment numbers whose bit is set; ``bad_field`` for bits beyond ``count``."""
    if not isinstance(text, str):
        raise CodecError(BAD_FIELD, f"{name} is not a hex string")
    match = _HEX.fullmatch(text)
    if match is None:
        raise CodecError(BAD_FIELD, f"{name} is not 1..{MAX_HEX_DIGITS} hex digits")
    bits = int(match.group(1), 16)
    if bits >> count:
        raise CodecError(
            BAD_FIELD, f"{name} names compartment {bits.bit_length()}, count is {count}"
        )
    # bin() lists the bits most significant first; reversed, index n is bit n.
    return frozenset(n + 1 for n, bit in enumerate(reversed(bin(bits)[2:])) if bit == "1")


def format_bitmap(numbers: Iterable[int], count: int, name: str = "bitmap") -> str:
    """Lower-case hex, two digits per started group of 8 compartments."""
    if not 1 <= count <= MAX_COMPARTMENTS:
        raise CodecError(BAD_FIELD, f"count = {count} is outside 1..{MAX_COMPARTMENTS}")
    bits = 0
    for number in numbers:
        if not 1 <= number <= count:
            raise CodecError(BAD_FIELD, f"{name} names compartment {number} of {count}")
        bits |= 1 << (number - 1)
    return format(bits, f"0{(count + 7) // 8 * 2}x")
