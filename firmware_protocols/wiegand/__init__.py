"""Wiegand card formats (H10301 26-bit, H10306 34-bit): encode, decode, parity."""

from firmware_protocols.wiegand.codec import (
    FORMATS,
    FormatSpec,
    WiegandCard,
    WiegandError,
    WiegandFormat,
    bits_to_bytes,
    bytes_to_bits,
    decode_bits,
    decode_bytes,
    encode_bits,
    encode_bytes,
    format_for_bit_count,
    parity_ok,
)

__all__ = [
    "FORMATS",
    "FormatSpec",
    "WiegandCard",
    "WiegandError",
    "WiegandFormat",
    "bits_to_bytes",
    "bytes_to_bits",
    "decode_bits",
    "decode_bytes",
    "encode_bits",
    "encode_bytes",
    "format_for_bit_count",
    "parity_ok",
]
