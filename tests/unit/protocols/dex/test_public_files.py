"""The four public DEX files in ../shared/vectors/dex, written by no one on this team."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from firmware_protocols.dex import (
    DexAudit,
    MachineId,
    OperatorEvent,
    SalesTotals,
    crc16_arc,
    read_dex,
)

LANMARK = "lanmark7-dex-utility-Test1.dex.txt"
RENEAARON = "reneaaron-eva-dts-parser-sample.dex.txt"
ANIMO = "mkrasselt1-php-evadts-parser-animo.dex.txt"
SIELAFF = "mkrasselt1-php-evadts-parser-sielaff-truncated.dex.txt"
# file, published G85, published SE01
COMPLETE = [(LANMARK, "E8BC", 54), (RENEAARON, "F66D", 144), (ANIMO, "B9AE", 117)]


@pytest.fixture(scope="module")
def dex_dir(vectors_dir: Path) -> Path:
    return vectors_dir / "dex"


def raw(dex_dir: Path, name: str) -> bytes:
    return (dex_dir / name).read_bytes()


def read(dex_dir: Path, name: str) -> DexAudit:
    return read_dex(raw(dex_dir, name))


def test_every_public_file_parses(dex_dir: Path) -> None:
    names = sorted(p.name for p in dex_dir.glob("*.dex.txt"))
    assert names == sorted([LANMARK, RENEAARON, ANIMO, SIELAFF])
    for name in names:
        audit = read(dex_dir, name)
        assert audit.data.header is not None and audit.data.header.functional_id == "VA"
        assert audit.data.paid_vends is not None


@pytest.mark.parametrize(("name", "g85", "se"), COMPLETE)
def test_published_g85_and_se_are_stated_and_computed(
    dex_dir: Path, name: str, g85: str, se: int
) -> None:
    audit = read(dex_dir, name)
    assert audit.complete and audit.valid
    assert audit.crc is not None and audit.segment_count is not None
    assert (audit.crc.stated, audit.crc.computed, audit.crc.ok) == (g85, g85, True)
    assert (audit.segment_count.stated, audit.segment_count.computed) == (se, se)
    assert audit.segment_count.ok
    assert not [w for w in audit.warnings if w.code != "set_count_mismatch"]


@pytest.mark.parametrize(("name", "g85", "se"), COMPLETE)
def test_g85_rule_on_the_raw_bytes(dex_dir: Path, name: str, g85: str, se: int) -> None:
    """The rule itself, without the reader: CRC-16/ARC of the CRLF bytes from ``ST`` to
    the start of ``G85``."""
    data = raw(dex_dir, name).replace(b"\n", b"\r\n")
    start, end = data.index(b"ST*"), data.index(b"G85*")
    assert f"{crc16_arc(data[start:end]):04X}" == g85


@pytest.mark.parametrize(("name", "g85", "se"), COMPLETE)
def test_crlf_lf_and_cr_give_the_same_audit(dex_dir: Path, name: str, g85: str, se: int) -> None:
    lf = raw(dex_dir, name)
    audits = [read_dex(lf.replace(b"\n", ending)) for ending in (b"\n", b"\r\n", b"\r")]
    assert all(a.valid for a in audits)
    assert audits[0].data == audits[1].data == audits[2].data
    assert read_dex(lf.decode("ascii")).data == audits[0].data  # as a Sparkplug string


def test_reneaaron_totals_and_selections(dex_dir: Path) -> None:
    data = read(dex_dir, RENEAARON).data
    assert data.paid_vends == SalesTotals(143500, 423, 142450, 421)
    assert data.cash == SalesTotals(128250, 382, 127200, 380)
    assert data.cashless == SalesTotals(15250, 41, 15250, 41)
    assert data.currency is not None and data.currency.decimal_places == 2
    assert data.currency.numeric_code == "1978" and data.currency.alpha_code is None
    assert data.clock is not None
    assert (data.clock.date, data.clock.time) == (dt.date(2024, 4, 15), dt.time(15, 4, 21))
    prices = {p.product_id: p.price for p in data.products}
    counts = {p.product_id: p.count_since_init for p in data.products}
    values = {p.product_id: p.value_since_init for p in data.products}
    expected_price = dict(
        zip(
            map(str, range(10, 30)),
            [
                750,
                750,
                380,
                380,
                650,
                330,
                590,
                330,
                330,
                390,
                330,
                300,
                210,
                300,
                300,
                250,
                250,
                390,
                250,
                390,
            ],
            strict=True,
        )
    )
    expected_count = dict(
        zip(
            map(str, range(10, 30)),
            [4, 4, 23, 1, 2, 15, 8, 22, 35, 9, 48, 48, 11, 43, 30, 8, 30, 33, 6, 43],
            strict=True,
        )
    )
    expected_price |= {str(n): 100 for n in range(30, 46)}
    expected_count |= {str(n): 0 for n in range(30, 46)}
    assert prices == expected_price
    assert counts == expected_count
    assert values["12"] == 8740 and values["29"] == 16770
    # the audit adds up: selections give VA1, and cash plus cashless give VA1
    assert sum(c or 0 for c in counts.values()) == 423
    assert sum(v or 0 for v in values.values()) == 143500
    assert data.paid_vends.value_since_init == 128250 + 15250
    p23 = next(p for p in data.products if p.product_id == "23")
    assert (p23.count_since_reset, p23.value_since_reset) == (42, 12600)
    assert data.readout is not None and data.readout.date == dt.date(2024, 4, 15)
    assert (data.readout.reads_total, data.readout.resets) == (3, 4)


def test_reneaaron_keeps_pa7_per_selection(dex_dir: Path) -> None:
    audit = read(dex_dir, RENEAARON)
    pa7 = [s for s in audit.unknown_segments if s.id == "PA7"]
    assert len(pa7) == 34
    assert pa7[0].elements == ("10", "CA", "0", "750", "3", "2250", "3", "2250")


def test_animo_names_and_ea6_events(dex_dir: Path) -> None:
    data = read(dex_dir, ANIMO).data
    names = {p.product_id: p.name for p in data.products if p.name}
    assert names == {
        "0": "COFFEE",
        "4": "CAPPUCCINO",
        "5": "LATTE MACCHIATO",
        "6": "CHOCOLATE MILK",
        "7": "HOT WATER",
        "8": "COFFEE MILK",
        "9": "COFFEE CHOC",
    }
    assert [p.product_id for p in data.products] == [str(n) for n in range(24)]
    coffee = data.products[0]
    assert (coffee.price, coffee.count_since_init, coffee.value_since_init) == (100, 412, 41200)
    assert data.machine is not None
    assert (data.machine.serial, data.machine.model) == ("ANIKraftver", "3M3Aba")  # padding
    assert data.paid_vends == SalesTotals(816100, 8161, 816100, 8161)
    assert data.currency is not None and data.currency.alpha_code == "EUR"
    assert data.clock is not None and data.clock.time_zone == "EU"

    def note(day: str, hms: str, text: str) -> OperatorEvent:
        date = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
        time = dt.time(int(hms[:2]), int(hms[2:4]), int(hms[4:]))
        return OperatorEvent(date, time, "ANIKraftver", text)

    assert data.operator_events == (
        note("20100111", "232706", "Clean Brewer"),
        note("20100111", "232706", "Rinse Brewer"),
        note("20100119", "050339", "Clean Mixer"),
        note("20100119", "050339", "Rinse Mixer"),
        note("20210923", "125520", "Clean Milk"),
        note("20210923", "124931", "Rinse Milk"),
    )


def test_lanmark7_loops_and_empty_id1(dex_dir: Path) -> None:
    audit = read(dex_dir, LANMARK)
    assert audit.data.machine == MachineId()  # "ID1******": present, every element empty
    loops = [(s.id, s.elements) for s in audit.segments if s.id in ("LS", "LE")]
    assert loops == [("LS", ("0100",)), ("LE", ("0100",)), ("LS", ("0200",)), ("LE", ("0200",))]
    # SE01 leaves the four loop markers out: 58 lines from ST to SE, 54 counted
    data = raw(dex_dir, LANMARK).decode()
    lines = data[data.index("ST*") : data.index("DXE*")].splitlines()
    assert len(lines) == 58 and audit.segment_count is not None
    assert audit.segment_count.computed == 54
    assert [(p.product_id, p.price, p.count_since_init) for p in audit.data.products] == [
        (str(n), 500, 0) for n in range(1, 11)
    ]
    assert audit.data.paid_vends == SalesTotals(69250, 1306, 0, 0)
    assert audit.data.cash == SalesTotals(54400, 302, 0, 0)
    assert audit.data.cashless == SalesTotals(12600, 220, 0, 0)
    assert audit.data.readout is not None and audit.data.readout.reads_with_reset == 23
    assert len(audit.data.events) == 1 and audit.data.events[0].event_id is None
    ma5 = [s for s in audit.unknown_segments if s.id == "MA5"]
    assert len(ma5) == 9 and ma5[-1].elements == ("MISC", "1", "0", "17", "0")


def test_sielaff_truncated_is_incomplete_but_read(dex_dir: Path) -> None:
    audit = read(dex_dir, SIELAFF)
    assert not audit.complete and not audit.valid
    assert audit.crc is None and audit.segment_count is None and audit.trailer is None
    missing = {w.detail.split()[1] for w in audit.warnings if w.code == "missing_segment"}
    assert missing == {"G85", "SE", "DXE"}
    data = audit.data
    assert data.machine is not None
    assert (data.machine.serial, data.machine.model, data.machine.asset_number) == (
        "SIE90517939",
        "2",
        "90517939",
    )
    assert (data.machine.dts_level, data.machine.dts_revision) == ("6", "1")
    assert data.paid_vends == SalesTotals(234850, 1666, 114400, 1088)
    assert data.cash == SalesTotals(232950, 1659, 112900, 1083)
    assert data.cashless == SalesTotals(1900, 7, 1500, 5)
    assert data.clock is not None and data.clock.date == dt.date(2023, 8, 21)
    # MC5 before DXS and the cut-off last line are kept, in order
    assert audit.segments[0].id == "MC5" and audit.segments[1].id == "DXS"
    assert audit.segments[-1].id == "MA5" and audit.segments[-1].elements == ("CA11", "1", "2", "3")
