"""The writer: a realistic audit, its exact bytes, the checks, and refused values."""

from __future__ import annotations

import datetime as dt

import pytest

from firmware_protocols.dex import (
    AuditData,
    AuditTime,
    Currency,
    DexError,
    DxsHeader,
    EventCount,
    EventRecord,
    MachineId,
    OperatorEvent,
    Product,
    Readout,
    SalesTotals,
    Segment,
    crc16_arc,
    read_dex,
    write_dex,
)

AUDIT = AuditData(
    header=DxsHeader("VMC0000042"),
    machine=MachineId(serial="VM-042", model="SnackBox 40", location="Community 17"),
    currency=Currency(2, "1978", "EUR"),
    clock=AuditTime(dt.date(2026, 5, 4), dt.time(7, 30, 5)),
    paid_vends=SalesTotals(4350, 17, 1150, 5),
    cash=SalesTotals(3000, 12, 800, 3),
    cashless=SalesTotals(1350, 5, 350, 2),
    products=(
        Product("1", 250, "Carrots 500g", 10, 2500, 3, 750),
        Product("2", 370, "Tomatoes", 5, 1850, 1, 370),
        Product("3", 120),
    ),
    events=(EventRecord("EGS", dt.date(2026, 5, 4), dt.time(6, 0), duration_minutes=12),),
    event_counts=(EventCount("EJJ", 0, 2, active=False),),
    readout=Readout(reads_with_reset=8, date=dt.date(2026, 5, 4), time=dt.time(7, 30, 5)),
    operator_events=(OperatorEvent(dt.date(2026, 5, 3), dt.time(18, 0), "OP7", "Restock"),),
)

EXPECTED_BODY = (
    "ST*001*0001\r\n"
    "ID1*VM-042*SnackBox 40**Community 17\r\n"
    "ID4*2*1978*EUR\r\n"
    "ID5*20260504*073005\r\n"
    "VA1*4350*17*1150*5\r\n"
    "CA2*3000*12*800*3\r\n"
    "DA2*1350*5*350*2\r\n"
    "PA1*1*250*Carrots 500g\r\n"
    "PA2*10*2500*3*750\r\n"
    "PA1*2*370*Tomatoes\r\n"
    "PA2*5*1850*1*370\r\n"
    "PA1*3*120\r\n"
    "EA1*EGS*20260504*060000*12\r\n"
    "EA2*EJJ*0*2**0\r\n"
    "EA3*8*20260504*073005\r\n"
    "EA6*20260503*180000*OP7*Restock\r\n"
)


def test_writes_the_expected_bytes() -> None:
    out = write_dex(AUDIT).decode("ascii")
    crc = crc16_arc(EXPECTED_BODY.encode())
    assert out == (
        "DXS*VMC0000042*VA*V1/1*1\r\n"
        + EXPECTED_BODY
        + f"G85*{crc:04X}\r\nSE*18*0001\r\nDXE*1*1\r\n"
    )


def test_output_uses_crlf_only_and_reads_back_valid() -> None:
    out = write_dex(AUDIT)
    assert out.count(b"\n") == out.count(b"\r\n") == out.count(b"\r")
    audit = read_dex(out)
    assert audit.valid and audit.warnings == ()
    assert audit.data == AUDIT


def test_empty_audit_and_default_header() -> None:
    out = write_dex(AuditData())
    assert out.startswith(b"DXS**VA*V1/1*1\r\nST*001*0001\r\n")
    audit = read_dex(out)
    assert audit.valid and audit.data == AuditData(header=DxsHeader())


def test_extra_segments_are_written_and_loops_not_counted() -> None:
    extra = (
        Segment("LS", ("0100",)),
        Segment("PA3", ("0", "0")),
        Segment("LE", ("0100",)),
        Segment("MA5", ("SIM", "", "1")),
    )
    audit = read_dex(write_dex(AUDIT, extra=extra, control_number="0042"))
    assert audit.valid and audit.data == AUDIT
    assert audit.unknown_segments == extra
    assert audit.segment_count is not None and audit.segment_count.stated == 20


@pytest.mark.parametrize(
    "data",
    [
        AuditData(paid_vends=SalesTotals(-1)),
        AuditData(products=(Product("1", price=True),)),  # a bool is not a price
        AuditData(products=(Product("A*1", 100),)),
        AuditData(products=(Product("1", 100, "two\r\nlines"),)),
        AuditData(products=(Product("1", 100, " padded"),)),
        AuditData(products=(Product("", 100),)),
        AuditData(machine=MachineId(serial="tab\there")),
        AuditData(clock=AuditTime(dt.datetime(2026, 1, 1, 12, 0))),
        AuditData(clock=AuditTime(time=dt.time(1, 2, 3, 400))),
        AuditData(clock=AuditTime(time=dt.time(1, 2, 3, tzinfo=dt.UTC))),
        AuditData(header=DxsHeader("A*B")),
    ],
)
def test_values_that_would_not_read_back_are_refused(data: AuditData) -> None:
    with pytest.raises(DexError) as caught:
        write_dex(data)
    assert caught.value.reason == "invalid_value"


@pytest.mark.parametrize(
    "extra",
    [Segment("SE", ("1",)), Segment("PA1", ("9",)), Segment("lower"), Segment("MA5", ("a*b",))],
)
def test_extra_segments_that_would_confuse_the_reader_are_refused(extra: Segment) -> None:
    with pytest.raises(DexError):
        write_dex(AUDIT, extra=[extra])


def test_control_number_is_checked() -> None:
    with pytest.raises(DexError):
        write_dex(AUDIT, control_number="00*1")
