"""The tolerant DEX/UCS reader: :func:`read_dex` turns a file into a :class:`DexAudit`.

It raises :class:`~.errors.DexError` only for input that is not DEX at all: not text,
empty, larger than ``max_bytes``, or text in which no line is a segment the reader knows
(or in which malformed lines outnumber segments). Anything else (a missing trailer, a bad
CRC or count, unreadable elements) is read as far as it goes and listed in ``warnings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from firmware_protocols.dex.checks import CountCheck, CrcCheck, check_count, check_crc
from firmware_protocols.dex.errors import DexError, DexWarning
from firmware_protocols.dex.interpret import interpret, trailer_of
from firmware_protocols.dex.layouts import LAYOUTS, Problem
from firmware_protocols.dex.lexer import (
    ELEMENT_SPACE,
    Line,
    Segment,
    decode,
    segments_of,
    split_lines,
)
from firmware_protocols.dex.model import AuditData, DxeTrailer

MAX_BYTES = 1_000_000
"""Default size limit; real audits are a few kilobytes."""
CONTROL_IDS = frozenset({"DXS", "ST", "G85", "SE", "DXE"})
KNOWN_IDS = CONTROL_IDS | frozenset(LAYOUTS)
_TRAILER = ("DXS", "ST", "G85", "SE", "DXE")


@dataclass(frozen=True, slots=True)
class DexAudit:
    """A file as read. ``data`` holds the typed values; ``segments`` every well-formed
    segment in file order (known or not, with raw elements); ``complete`` says the file
    has DXS, ST, G85, SE and DXE in that order; ``crc`` and ``segment_count`` are None
    when the segments they need are missing."""

    data: AuditData
    segments: tuple[Segment, ...]
    complete: bool
    crc: CrcCheck | None
    segment_count: CountCheck | None
    trailer: DxeTrailer | None
    warnings: tuple[DexWarning, ...]

    @property
    def valid(self) -> bool:
        """Complete, with G85 and SE01 both confirmed."""
        return bool(
            self.complete
            and self.crc is not None
            and self.crc.ok
            and self.segment_count is not None
            and self.segment_count.ok
        )

    @property
    def unknown_segments(self) -> tuple[Segment, ...]:
        """Segments the typed layer does not read (CA3, MA5, LS, vendor ones...)."""
        return tuple(s for s in self.segments if s.id not in KNOWN_IDS)


def _find(lines: Sequence[Line], seg_id: str, start: int = 0, stop: int | None = None) -> int:
    """Index of the first line holding ``seg_id`` in ``lines[start:stop]``, or -1."""
    for index in range(start, len(lines) if stop is None else stop):
        segment = lines[index].segment
        if segment is not None and segment.id == seg_id:
            return index
    return -1


def read_dex(
    payload: bytes | bytearray | memoryview | str, *, max_bytes: int = MAX_BYTES
) -> DexAudit:
    """Read a DEX/UCS audit from bytes or text (CRLF, LF or CR line endings)."""
    text = decode(payload, max_bytes)
    lines = split_lines(text.text)
    segments = segments_of(lines)
    malformed = [line for line in lines if line.segment is None]
    if not any(s.id in KNOWN_IDS for s in segments) or len(malformed) > len(segments):
        raise DexError("not_dex", f"{len(segments)} segments, {len(malformed)} other lines")

    found: list[DexWarning] = []

    def problem(code: str, detail: str, line: int | None) -> None:
        found.append(DexWarning(code, detail, line))

    for line in malformed:
        problem("malformed_line", f"not a segment: {line.raw[:40]!r}", line.number)

    st = _find(lines, "ST")
    se = _find(lines, "SE", st + 1) if st >= 0 else -1
    g85 = _find(lines, "G85", st + 1, se if se >= 0 else None) if st >= 0 else -1
    dxs = _find(lines, "DXS")
    dxe = _find(lines, "DXE", max(se, 0))
    positions = dict(zip(_TRAILER, (dxs, st, g85, se, dxe), strict=True))
    for seg_id, index in positions.items():
        if index < 0:
            problem("missing_segment", f"no {seg_id} segment (file incomplete)", None)
    present = [index for index in positions.values() if index >= 0]
    complete = len(present) == len(_TRAILER) and present == sorted(present)
    if len(present) == len(_TRAILER) and not complete:
        problem("segment_order", "DXS, ST, G85, SE, DXE are out of order", None)

    crc = check_crc(lines[st:g85], lines[g85], text.encodings, problem) if g85 >= 0 else None
    count = check_count(lines[st : se + 1], problem) if se >= 0 else None
    dxe_segment = lines[dxe].segment if dxe >= 0 else None
    trailer = trailer_of(dxe_segment, problem) if dxe_segment is not None else None
    data = interpret(segments, problem)
    _cross_check(lines, st, se, trailer, problem)
    return DexAudit(data, segments, complete, crc, count, trailer, tuple(found))


def _cross_check(
    lines: Sequence[Line],
    st: int,
    se: int,
    trailer: DxeTrailer | None,
    problem: Problem,
) -> None:
    """Numbers that should agree: SE02 repeats ST02, DXE02 counts the ST..SE sets."""
    if st >= 0 and se >= 0:
        st_seg, se_seg = lines[st].segment, lines[se].segment
        if (
            st_seg
            and se_seg
            and st_seg.get(2).strip(ELEMENT_SPACE) != se_seg.get(2).strip(ELEMENT_SPACE)
        ):
            problem("control_mismatch", "SE02 does not repeat ST02", lines[se].number)
    sets = sum(1 for line in lines if line.segment is not None and line.segment.id == "ST")
    if sets > 1:
        problem("extra_transaction_set", f"{sets} ST..SE sets: only the first is checked", None)
    if trailer is None:
        return
    if trailer.set_count is not None and trailer.set_count != sets:
        problem("set_count_mismatch", f"DXE02 states {trailer.set_count}, found {sets}", None)
