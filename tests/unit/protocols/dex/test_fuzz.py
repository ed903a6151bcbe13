"""The reader on hostile input: any text, any bytes, DEX-shaped garbage, damaged and
truncated real-looking files. It returns an audit or raises DexError, nothing else."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocols.dex import AuditTime, DexAudit, DexError, SalesTotals, crc16_arc, read_dex

FUZZ = settings(max_examples=500, deadline=None, database=None)
FUZZ_SLOW = settings(max_examples=300, deadline=None, database=None)
_BODY = (
    "ST*001*0001\r\nID1*JOF*****4294967295*6*2\r\n"
    "ID4*2*1978*EUR\r\nID5*20240415*150421\r\nVA1*143500*423*142450*421\r\n"
    "CA2*128250*382*127200*380\r\nDA2*15250*41*15250*41\r\nLS*0100\r\nPA1*10*750*0\r\n"
    "PA2*4*3000*4*3000\r\nLE*0100\r\nEA1*EGS*20240415*150000*2\r\nEA2*EGS*1*9**0*30\r\n"
    "EA3**20240415*150421******3*4\r\nEA6*20240415*150421*OP*Clean\r\n"
)
SAMPLE = (
    f"DXS*JOF0000000*VA*V0/6*1\r\n{_BODY}G85*{crc16_arc(_BODY.encode()):04X}\r\n"
    "SE*15*0001\r\nDXE*1*1\r\n"
)
WARNING_CODES = {
    "malformed_line", "missing_segment", "segment_order", "g85_unreadable", "g85_format",
    "crc_variant", "crc_mismatch", "se_unreadable", "se_count_mismatch", "bad_element",
    "orphan_pa2", "duplicate_segment", "control_mismatch", "extra_transaction_set",
    "set_count_mismatch",
}  # fmt: skip


def read_or_refuse(payload: str | bytes) -> DexAudit | None:
    """The audit, or None when the reader refused with DexError (anything else fails)."""
    try:
        audit = read_dex(payload)
    except DexError as exc:
        assert exc.reason in {"empty", "not_text", "not_dex", "too_large"}
        return None
    assert {w.code for w in audit.warnings} <= WARNING_CODES
    if audit.crc is not None:
        assert len(audit.crc.computed) == 4 and audit.crc.computed == audit.crc.computed.upper()
    if audit.valid:
        assert not {"crc_mismatch", "se_count_mismatch", "missing_segment"} & {
            w.code for w in audit.warnings
        }
    return audit


def test_sample_is_valid() -> None:
    audit = read_dex(SAMPLE)
    assert audit.valid and audit.warnings == ()


@FUZZ
@given(st.text(max_size=300))
def test_any_text(payload: str) -> None:
    read_or_refuse(payload)


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes(payload: bytes) -> None:
    read_or_refuse(payload)


_IDS = ["DXS", "ST", "SE", "G85", "DXE", "ID1", "ID4", "ID5", "VA1", "CA2", "DA2", "PA1", "PA2",
        "EA1", "EA2", "EA3", "EA6", "LS", "LE", "ZZ1", "x", ""]  # fmt: skip
_ELEMENTS = ["", "0", "1", "0001", "20240415", "991332", "150421", "2561", "E8BC", "e8bc", "-5",
             "12a", " 7 ", "\u00e9", "**", "1.50", "99999999999999999999"]  # fmt: skip
segment_lines = st.lists(
    st.tuples(st.sampled_from(_IDS), st.lists(st.sampled_from(_ELEMENTS), max_size=7)).map(
        lambda t: "*".join([t[0], *t[1]])
    ),
    max_size=14,
)


@FUZZ_SLOW
@given(segment_lines, st.sampled_from(["\r\n", "\n", "\r", " \n", "\n\n"]))
def test_dex_shaped_garbage(lines: list[str], end: str) -> None:
    """Lines that look like DEX reach the typed layer and the checks, not just the lexer."""
    read_or_refuse(end.join(lines))


@FUZZ_SLOW
@given(st.data())
def test_edited_real_file(data: st.DataObject) -> None:
    """Cut, delete, insert and overwrite characters of a realistic file."""
    chars = list(SAMPLE)
    for _ in range(data.draw(st.integers(1, 5))):
        if not chars:
            break
        at = data.draw(st.integers(0, len(chars) - 1))
        action = data.draw(st.sampled_from(["cut", "delete", "insert", "replace"]))
        if action == "cut":
            del chars[at:]
        elif action == "delete":
            del chars[at]
        else:
            new = data.draw(st.sampled_from(["*", "\r", "\n", "\x00", "9", "Z", "\u00e9", " "]))
            chars[at : at + (action == "replace")] = [new]
    read_or_refuse("".join(chars))
    read_or_refuse("".join(chars).encode("utf-8"))


def test_every_truncation_keeps_the_lines_before_the_cut() -> None:
    refused = 0
    for cut in range(len(SAMPLE) + 1):
        prefix = SAMPLE[:cut]
        audit = read_or_refuse(prefix)
        if audit is None:
            assert not prefix.startswith("DXS*"), cut
            refused += 1
            continue
        assert audit.complete == ("\r\nDXE" in prefix), cut
        assert ("missing_segment" in {w.code for w in audit.warnings}) != audit.complete, cut
        if "CA2*" in prefix:  # the VA1 line before it is whole
            assert audit.data.paid_vends == SalesTotals(143500, 423, 142450, 421), cut
        if "VA1*" in prefix:
            assert audit.data.clock == AuditTime(dt.date(2024, 4, 15), dt.time(15, 4, 21)), cut
    assert refused == 3  # "", "D" and "DX" hold no known segment yet
