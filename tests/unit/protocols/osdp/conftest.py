"""Golden OSDP frames read from the shared vectors file (../shared/vectors/OSDP_WIEGAND.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True, slots=True)
class GoldenFrame:
    """One table row: the frame bytes and what its meaning column states."""

    frame: bytes
    meaning: str
    source: str
    name: str  # POLL, ID, ACK, NAK ...
    address: int | None
    sequence: int | None
    reply_bit: bool
    data: bytes | None  # "(data 0x00)"
    error_code: int | None  # "error code 0x01"
    crc: bool


_ROW = re.compile(r"^\|\s*((?:[0-9a-f]{2}\s*)+)\|\s*(.+?)\s*\|\s*(.+?)\s*\|$", re.I | re.M)


def _optional_int(pattern: str, text: str) -> int | None:
    found = re.search(pattern, text)
    return None if found is None else int(found.group(1), 0)


def parse_golden_frames(text: str) -> list[GoldenFrame]:
    rows = []
    for hex_text, meaning, source in _ROW.findall(text):
        name = re.search(r"osdp_([A-Z]+)", meaning)
        assert name is not None, f"row without an osdp_ name: {meaning}"
        data = _optional_int(r"\(data (0x[0-9a-f]+)\)", meaning)
        rows.append(
            GoldenFrame(
                frame=bytes.fromhex(hex_text),
                meaning=meaning,
                source=source,
                name=name.group(1),
                address=_optional_int(r"(?:to|from) (?:address )?(0x[0-9a-f]+|\d+)", meaning),
                sequence=_optional_int(r"sequence (\d)", meaning),
                reply_bit=bool(re.search(r"reply bit 0x80 set", meaning)),
                data=None if data is None else bytes((data,)),
                error_code=_optional_int(r"error code (0x[0-9a-f]+)", meaning),
                crc=bool(re.search(r"\bCRC\s*$", meaning)),
            )
        )
    return rows


@pytest.fixture(scope="session")
def golden_frames(vectors_dir: Path) -> list[GoldenFrame]:
    rows = parse_golden_frames((vectors_dir / "OSDP_WIEGAND.md").read_text(encoding="utf-8"))
    assert len(rows) >= 6, "the shared OSDP table lost rows"
    return rows
