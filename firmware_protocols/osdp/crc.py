"""OSDP check characters: CRC-16/AUG-CCITT and the 8-bit two's-complement checksum.

CRC-16/AUG-CCITT: polynomial 0x1021, initial value 0x1D0F, no reflection, no final xor;
the frame carries it least significant byte first. Check value: crc16(b"123456789") ==
0xE5CC.
"""

from __future__ import annotations


def _table() -> tuple[int, ...]:
    rows = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        rows.append(crc & 0xFFFF)
    return tuple(rows)


_TABLE = _table()
CRC_INIT = 0x1D0F


def crc16(data: bytes, crc: int = CRC_INIT) -> int:
    """CRC-16/AUG-CCITT of ``data`` (table driven, one lookup per byte)."""
    table = _TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFF00) ^ table[(crc >> 8) ^ byte]
    return crc


def checksum8(data: bytes) -> int:
    """The byte that makes the sum of ``data`` plus itself zero modulo 256."""
    return -sum(data) & 0xFF
