"""PROTOCOL.md stays true: its example file, its CRC walk-through and its figures."""

from __future__ import annotations

import re
from pathlib import Path

import firmware_protocols.dex as dex
from firmware_protocols.dex import SalesTotals, crc16_arc, read_dex

DOC = (Path(dex.__file__).parent / "PROTOCOL.md").read_text(encoding="utf-8")


def example_file() -> str:
    section = DOC.split("## 7. A complete example", 1)[1]
    block = section.split("```", 2)[1]
    return block.strip("\n").replace("\n", "\r\n") + "\r\n"


def test_the_example_file_is_valid_and_says_what_the_text_says() -> None:
    audit = read_dex(example_file())
    assert audit.valid and audit.warnings == ()
    assert audit.crc is not None and audit.crc.stated == "CBFF"
    assert audit.segment_count is not None and audit.segment_count.stated == 13
    data = audit.data
    assert data.paid_vends == SalesTotals(620, 2, 620, 2)
    assert data.cash is not None and data.cashless is not None
    assert data.cash.value_since_reset == 250 and data.cashless.value_since_reset == 370
    assert [(p.name, p.price) for p in data.products] == [("Carrots", 250), ("Tomatoes", 370)]


def test_the_crc_walk_through_table() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| (\d+) \| ([0-9A-F]{4}) \|$", DOC, re.MULTILINE)
    assert len(rows) == 11
    crc = total = 0
    for line, size, running_total, running_crc in rows:
        data = (line + "\r\n").encode("ascii")
        crc, total = crc16_arc(data, crc), total + len(data)
        assert (len(data), total, f"{crc:04X}") == (int(size), int(running_total), running_crc)
    assert f"{crc:04X}" == "CBFF"
    body = "".join(row[0] + "\r\n" for row in rows)
    assert body in example_file()


def test_the_check_value() -> None:
    assert "`BB3D`" in DOC and f"{crc16_arc(b'123456789'):04X}" == "BB3D"
