"""The reader's tolerance: line endings, whitespace, unknown segments, damaged and
truncated files, encodings, and the few inputs it refuses as not DEX."""

from __future__ import annotations

import datetime as dt

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.dex import DexAudit, DexError, Product, crc16_arc, read_dex

BODY = [
    "ST*001*0001",
    "ID1*SN42*MODEL-7*1*Hall 3**A-17",
    "ID4*2*1978*EUR",
    "ID5*20240301*0815",
    "VA1*1250*5*250*1",
    "CA2*1000*4*250*1",
    "DA2*250*1*0*0",
    "PA1*A1*250*Water",
    "PA2*5*1250*1*250",
    "ZZ9*vendor*data",
    "EA1*EGS*240301*081500*3",
    "EA2*EJJ*1*4**1*90",
]


def build(body: list[str], ending: str = "\r\n", *, crc_encoding: str = "ascii") -> str:
    """A DEX text made by hand here, independent of the writer under test."""
    crc = crc16_arc("".join(line + "\r\n" for line in body).encode(crc_encoding))
    count = len([line for line in body if not line.startswith(("LS*", "LE*"))]) + 2
    lines = ["DXS*TEST000001*VA*V1/1*1", *body, f"G85*{crc:04X}", f"SE*{count}*0001", "DXE*1*1"]
    return ending.join(lines) + ending


def codes(audit: DexAudit) -> list[str]:
    return [w.code for w in audit.warnings]


def test_hand_built_file_is_valid_and_typed() -> None:
    audit = read_dex(build(BODY).encode())
    assert audit.valid and audit.warnings == ()
    data = audit.data
    assert data.machine is not None and data.machine.location == "Hall 3"
    assert data.machine.asset_number == "A-17" and data.machine.user_field is None
    assert data.clock is not None and data.clock.time == dt.time(8, 15)  # HHMM accepted
    assert data.products == (Product("A1", 250, "Water", 5, 1250, 1, 250),)
    event = data.events[0]
    assert (event.event_id, event.date, event.time) == ("EGS", dt.date(2024, 3, 1), dt.time(8, 15))
    assert event.duration_minutes == 3 and event.duration_ms is None  # YYMMDD accepted
    count = data.event_counts[0]
    assert (count.event_id, count.count_since_reset, count.count_since_init) == ("EJJ", 1, 4)
    assert (count.active, count.duration_minutes) == (True, 90)
    assert [s.id for s in audit.unknown_segments] == ["ZZ9"]
    assert audit.unknown_segments[0].elements == ("vendor", "data")
    assert audit.trailer is not None and audit.trailer.set_count == 1


def test_blank_lines_and_padding_around_lines_are_tolerated() -> None:
    text = build(BODY, "\n")
    padded = "\n\n" + text.replace("\n", "  \t\n").replace("ID4*", "\n   \nID4*") + "\n\n"
    audit = read_dex(padded)
    assert audit.complete and audit.crc is not None and audit.crc.ok
    assert audit.segment_count is not None and audit.segment_count.ok
    assert codes(audit) == ["crc_variant"]  # matched once trailing spaces were trimmed
    assert audit.data == read_dex(text).data


def test_bom_and_dos_eof_padding_are_dropped() -> None:
    data = b"\xef\xbb\xbf" + build(BODY).encode() + b"\x1a\x00\x00"
    audit = read_dex(data)
    assert audit.valid and audit.warnings == ()


def test_changed_byte_fails_g85_but_values_are_read() -> None:
    audit = read_dex(build(BODY).replace("VA1*1250", "VA1*1350"))
    assert audit.complete and not audit.valid
    assert audit.crc is not None and not audit.crc.ok
    assert audit.crc.stated != audit.crc.computed
    assert audit.segment_count is not None and audit.segment_count.ok
    assert codes(audit) == ["crc_mismatch"]
    assert audit.data.paid_vends is not None and audit.data.paid_vends.value_since_init == 1350


def test_lost_line_fails_se_count() -> None:
    text = build(BODY).replace("DA2*250*1*0*0\r\n", "")
    audit = read_dex(text)
    assert audit.segment_count is not None
    assert (audit.segment_count.stated, audit.segment_count.computed) == (14, 13)
    assert not audit.segment_count.ok and "se_count_mismatch" in codes(audit)
    assert audit.data.cashless is None


def test_loop_markers_are_not_counted() -> None:
    body = [BODY[0], "LS*0100", *BODY[7:9], "LE*0100", *BODY[9:]]
    audit = read_dex(build(body))
    assert audit.valid and audit.segment_count is not None
    assert audit.segment_count.computed == len(body) + 2 - 2


def test_lowercase_g85_is_accepted_with_a_warning() -> None:
    text = build(BODY)
    stated = text.split("G85*")[1][:4]
    audit = read_dex(text.replace(f"G85*{stated}", f"G85*{stated.lower()}"))
    assert audit.crc is not None and audit.crc.ok
    expected = ["g85_format"] if stated != stated.lower() else []  # "1234" has no case
    assert codes(audit) == expected


@pytest.mark.parametrize("bad", ["G85*", "G85*XYZ1", "G85*12345"])
def test_unreadable_g85_is_a_failed_check(bad: str) -> None:
    text = build(BODY)
    line = next(ln for ln in text.split("\r\n") if ln.startswith("G85*"))
    audit = read_dex(text.replace(line, bad))
    assert audit.crc is not None and not audit.crc.ok and "g85_unreadable" in codes(audit)


def test_unreadable_elements_become_none_with_warnings() -> None:
    body = [*BODY]
    body[4] = "VA1*12a0*5*2.50*1"
    body[3] = "ID5*20241340*2561"
    audit = read_dex(build(body))
    assert audit.valid  # the file is intact; its values are odd
    assert audit.data.paid_vends is not None
    assert audit.data.paid_vends.value_since_init is None
    assert audit.data.paid_vends.count_since_init == 5
    assert audit.data.paid_vends.value_since_reset is None
    assert audit.data.clock is not None and audit.data.clock.date is None
    assert audit.data.clock.time is None
    assert codes(audit) == ["bad_element"] * 4
    assert "VA101" in audit.warnings[2].detail or "VA101" in audit.warnings[0].detail


@pytest.mark.parametrize("cut", ["G85*", "SE*", "DXE*"])
def test_truncated_files_are_incomplete_and_keep_what_was_read(cut: str) -> None:
    text = build(BODY)
    audit = read_dex(text[: text.index(cut)])
    assert not audit.complete and not audit.valid
    assert "missing_segment" in codes(audit)
    assert audit.data.products[0].name == "Water"
    assert audit.data.paid_vends is not None and audit.data.paid_vends.count_since_init == 5
    if cut == "G85*":
        assert audit.crc is None and audit.segment_count is None
    if cut == "DXE*":
        assert audit.crc is not None and audit.crc.ok and audit.segment_count is not None


def test_cut_inside_a_line_keeps_the_partial_segment() -> None:
    text = build(BODY)
    audit = read_dex(text[: text.index("Water") + 3])
    assert audit.data.products[-1] == Product("A1", 250, "Wat")
    assert not audit.complete


def test_malformed_lines_are_reported_not_raised() -> None:
    body = [*BODY[:5], "this is not a segment", "va1*lowercase", *BODY[5:]]
    audit = read_dex(build(body))
    assert codes(audit).count("malformed_line") == 2
    assert audit.segment_count is not None and audit.segment_count.ok  # they were lines
    assert audit.crc is not None and audit.crc.ok


def test_orphan_and_duplicate_segments() -> None:
    body = [BODY[0], "PA2*1*100", BODY[1], "ID1*OTHER", *BODY[2:]]
    audit = read_dex(build(body))
    assert audit.valid
    assert codes(audit) == ["orphan_pa2", "duplicate_segment"]
    assert audit.data.machine is not None and audit.data.machine.serial == "SN42"


def test_control_number_and_set_count_mismatches() -> None:
    text = build(BODY).replace("SE*", "SE*").replace("*0001\r\nDXE*1*1", "*0002\r\nDXE*1*2")
    audit = read_dex(text)
    assert audit.valid
    assert codes(audit) == ["control_mismatch", "set_count_mismatch"]


def test_out_of_order_trailer_is_incomplete() -> None:
    lines = build(BODY).split("\r\n")
    lines[0], lines[1] = lines[1], lines[0]  # ST before DXS
    audit = read_dex("\r\n".join(lines))
    assert not audit.complete and codes(audit)[0] == "segment_order"
    assert audit.data.header is not None and audit.data.paid_vends is not None


def test_latin1_bytes_and_the_same_file_as_a_string() -> None:
    body = [*BODY]
    body[7] = "PA1*A1*250*Caf\u00e9 cr\u00e8me"
    text = build(body, crc_encoding="latin-1")
    from_bytes = read_dex(text.encode("latin-1"))
    from_string = read_dex(text)  # a Sparkplug string metric holding the same file
    for audit in (from_bytes, from_string):
        assert audit.valid, audit.warnings
        assert audit.data.products[0].name == "Caf\u00e9 cr\u00e8me"
    utf8 = build(body, crc_encoding="utf-8")
    assert read_dex(utf8.encode("utf-8")).valid and read_dex(utf8).valid


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        ("  \r\n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text"),
        ("DXS*1*VA\x00*V1", "not_text"),
        ("hello world\nthis is text", "not_dex"),
        ('{"DEX": "Audit", "VA1": 5}', "not_dex"),
        ("MA5*X\nZZ1*2", "not_dex"),
        ("VA1*1\nnot\nthis\neither", "not_dex"),
        ("\ud800VA1*1", "not_text"),
    ],
)
def test_not_dex_at_all_raises_dex_error(payload: bytes | str, reason: str) -> None:
    with pytest.raises(DexError) as caught:
        read_dex(payload)
    assert caught.value.reason == reason
    assert isinstance(caught.value, CodecError)


def test_wrong_type_and_size_limit() -> None:
    with pytest.raises(DexError) as caught:
        read_dex(12345)  # type: ignore[arg-type]
    assert caught.value.reason == "not_text"
    with pytest.raises(DexError) as caught:
        read_dex(build(BODY), max_bytes=100)
    assert caught.value.reason == "too_large"
    assert read_dex(bytearray(build(BODY).encode())).valid
