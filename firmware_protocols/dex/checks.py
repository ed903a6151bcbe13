"""The two integrity checks of a transaction set: G85 (CRC-16/ARC) and SE01 (count).

G85 covers every byte from the ``S`` of ``ST`` up to and including the CRLF that ends the
line before ``G85``, with CRLF line endings whatever the input used. SE01 counts the
segments from ``ST`` to ``SE`` inclusive, leaving out ``LS`` and ``LE`` loop markers.
Blank lines are not segments and count for neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from firmware_protocols.dex.crc import crc16_arc, format_crc
from firmware_protocols.dex.layouts import Problem
from firmware_protocols.dex.lexer import ELEMENT_SPACE, LINE_SPACE, Line

LOOP_IDS = frozenset({"LS", "LE"})
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class CrcCheck:
    """G85: the CRC as stated in the file (None if G8501 is empty), as computed (four
    uppercase hex digits), and whether they agree."""

    stated: str | None
    computed: str
    ok: bool


@dataclass(frozen=True, slots=True)
class CountCheck:
    """SE01: the segment count as stated (None if unreadable), as counted, and agreement."""

    stated: int | None
    computed: int
    ok: bool


def _crc_candidates(body: Sequence[Line], encodings: Sequence[str]) -> Iterator[tuple[str, int]]:
    """(description, CRC) for the body as received and then with each line's surrounding
    whitespace trimmed, in each encoding the text may have had. Lazy: the first is the
    primary value and the rest are computed only while no candidate has matched."""
    variants = [False]
    if any(line.raw != line.raw.strip(LINE_SPACE) for line in body):
        variants.append(True)
    for trimmed in variants:
        for encoding in encodings:
            try:
                data = b"".join(
                    (line.raw.strip(LINE_SPACE) if trimmed else line.raw).encode(encoding) + b"\r\n"
                    for line in body
                )
            except UnicodeEncodeError:
                continue
            yield f"{encoding}{', lines trimmed' if trimmed else ''}", crc16_arc(data)


def check_crc(
    body: Sequence[Line], g85: Line, encodings: Sequence[str], problem: Problem
) -> CrcCheck:
    """Compare G8501 with the CRC of ``body`` (the lines from ST up to G85)."""
    stated = g85.segment.get(1).strip(ELEMENT_SPACE) if g85.segment else ""
    candidates = _crc_candidates(body, encodings)
    primary = format_crc(next(candidates, ("", 0))[1])
    if _HEX4.fullmatch(stated) is None:
        problem("g85_unreadable", f"G8501 {stated!r} is not four hex digits", g85.number)
        return CrcCheck(stated or None, primary, False)
    if stated != stated.upper():
        problem("g85_format", f"G8501 {stated!r} should be uppercase", g85.number)
    if primary == stated.upper():
        return CrcCheck(stated, primary, True)
    for how, crc in candidates:
        if crc == int(stated, 16):
            problem("crc_variant", f"G85 matches only as {how}", g85.number)
            return CrcCheck(stated, format_crc(crc), True)
    problem("crc_mismatch", f"G85 states {stated}, data gives {primary}", g85.number)
    return CrcCheck(stated, primary, False)


def check_count(st_to_se: Sequence[Line], problem: Problem) -> CountCheck:
    """Compare SE01 (on the last line) with the count of lines ST..SE, LS/LE excluded."""
    se = st_to_se[-1]
    computed = sum(
        1 for line in st_to_se if line.segment is None or line.segment.id not in LOOP_IDS
    )
    raw = se.segment.get(1).strip(ELEMENT_SPACE) if se.segment else ""
    if _DIGITS.fullmatch(raw) is None:
        problem("se_unreadable", f"SE01 {raw!r} is not a number", se.number)
        return CountCheck(None, computed, False)
    stated = int(raw)
    if stated != computed:
        problem("se_count_mismatch", f"SE01 states {stated}, counted {computed}", se.number)
    return CountCheck(stated, computed, stated == computed)
