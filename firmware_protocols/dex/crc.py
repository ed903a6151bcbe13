"""CRC-16/ARC, the G85 check of EVA-DTS DEX/UCS files.

Polynomial 0x8005 processed reflected (0xA001), initial value 0, no final xor; the catalogue
check value (CRC of ``b"123456789"``) is 0xBB3D. Table-driven: a 3 KB audit takes well under
a millisecond.
"""

from __future__ import annotations


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc16_arc(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``; pass a previous result as ``crc`` to continue over chunks."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def format_crc(value: int) -> str:
    """The G8501 spelling of a CRC: four uppercase hex digits."""
    return f"{value:04X}"
