"""Typed values of the DEX segments the hub reads and the simulators write.

Money is an int in the currency's minor units, exactly as the file states it (ID401 gives
the number of decimal places). Every element a file may leave out is ``None`` when absent
or unreadable; text elements are trimmed of padding spaces, and empty text is ``None``.
Each class names the segment and the element (``VA101``) each field comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DxsHeader:
    """DXS: start of the transmission."""

    communication_id: str | None = None  # DXS01 sender's communication id
    functional_id: str | None = "VA"  # DXS02 "VA" = vending audit
    version: str | None = "V1/1"  # DXS03 DEX/UCS version of the sender
    transmission_control: str | None = "1"  # DXS04 transmission control number


@dataclass(frozen=True, slots=True)
class DxeTrailer:
    """DXE: end of the transmission (written by the writer, never given to it)."""

    transmission_control: str | None  # DXE01, repeats DXS04
    set_count: int | None  # DXE02 number of transaction sets (ST..SE) sent


@dataclass(frozen=True, slots=True)
class MachineId:
    """ID1: the vending machine."""

    serial: str | None = None  # ID101 machine serial number
    model: str | None = None  # ID102 machine model number
    build_standard: str | None = None  # ID103 machine build standard
    location: str | None = None  # ID104 machine location
    user_field: str | None = None  # ID105 user defined field
    asset_number: str | None = None  # ID106 machine asset number
    dts_level: str | None = None  # ID107 EVA-DTS level the machine implements (e.g. "6")
    dts_revision: str | None = None  # ID108 EVA-DTS revision (e.g. "2")


@dataclass(frozen=True, slots=True)
class Currency:
    """ID4: how to read money values."""

    decimal_places: int | None = None  # ID401 decimal point position (2: 143500 = 1435.00)
    numeric_code: str | None = None  # ID402 currency numeric code ("1978": 1 + ISO 4217 978)
    alpha_code: str | None = None  # ID403 currency alphabetic code ("EUR")


@dataclass(frozen=True, slots=True)
class AuditTime:
    """ID5: the machine's clock when the audit was taken."""

    date: dt.date | None = None  # ID501 YYYYMMDD (YYMMDD accepted)
    time: dt.time | None = None  # ID502 HHMMSS (HHMM accepted)
    time_zone: str | None = None  # ID504 daylight-saving / time zone code ("EU", "CET")


@dataclass(frozen=True, slots=True)
class SalesTotals:
    """VA1 (all paid vends), CA2 (cash sales) and DA2 (cashless 1 sales): elements 01..04.
    Note the order: value before count (PA2 has count before value)."""

    value_since_init: int | None = None  # xx01 value since initialisation (minor units)
    count_since_init: int | None = None  # xx02 number since initialisation
    value_since_reset: int | None = None  # xx03 value since last reset (minor units)
    count_since_reset: int | None = None  # xx04 number since last reset


@dataclass(frozen=True, slots=True)
class Product:
    """PA1 (selection and price) with the PA2 (paid vends) that follows it."""

    product_id: str | None = None  # PA101 product identifier (selection number)
    price: int | None = None  # PA102 price (minor units)
    name: str | None = None  # PA103 product identification (a name or product code)
    count_since_init: int | None = None  # PA201 paid vends since initialisation
    value_since_init: int | None = None  # PA202 value of those (minor units)
    count_since_reset: int | None = None  # PA203 paid vends since last reset
    value_since_reset: int | None = None  # PA204 value of those (minor units)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """EA1: one event (fault or operation) with its time."""

    event_id: str | None = None  # EA101 event identification ("EGS" door open, "EJJ"...)
    date: dt.date | None = None  # EA102 date of the event
    time: dt.time | None = None  # EA103 time of the event
    duration_minutes: int | None = None  # EA104 duration of the event in minutes
    duration_ms: int | None = None  # EA105 duration of the event in milliseconds
    user_data: str | None = None  # EA106 user defined data


@dataclass(frozen=True, slots=True)
class EventCount:
    """EA2: how often an event happened, and whether it is active now."""

    event_id: str | None = None  # EA201 event identification
    count_since_reset: int | None = None  # EA202 number of events since last reset
    count_since_init: int | None = None  # EA203 number of events since initialisation
    user_data: str | None = None  # EA204 user defined data
    active: bool | None = None  # EA205 current event activity (1 active, 0 inactive)
    duration_minutes: int | None = None  # EA206 cumulative duration in minutes


@dataclass(frozen=True, slots=True)
class Readout:
    """EA3: this audit read-out and the previous one."""

    reads_with_reset: int | None = None  # EA301 reads with reset since initialisation
    date: dt.date | None = None  # EA302 date of this read-out
    time: dt.time | None = None  # EA303 time of this read-out
    terminal_id: str | None = None  # EA304 this interrogator's identification
    last_date: dt.date | None = None  # EA305 date of the last read-out
    last_time: dt.time | None = None  # EA306 time of the last read-out
    last_terminal_id: str | None = None  # EA307 last interrogator's identification
    reads_total: int | None = None  # EA309 reads with or without reset since init
    resets: int | None = None  # EA310 resets since initialisation


@dataclass(frozen=True, slots=True)
class OperatorEvent:
    """EA6: a dated operator or maintenance note (cleaning, rinsing...)."""

    date: dt.date | None = None  # EA601 date
    time: dt.time | None = None  # EA602 time
    source: str | None = None  # EA603 who or what recorded it (machine or operator id)
    description: str | None = None  # EA604 free text ("Clean Brewer")


@dataclass(frozen=True, slots=True)
class AuditData:
    """Everything typed in one audit: what the reader returns and the writer takes."""

    header: DxsHeader | None = None
    machine: MachineId | None = None
    currency: Currency | None = None
    clock: AuditTime | None = None
    paid_vends: SalesTotals | None = None  # VA1
    cash: SalesTotals | None = None  # CA2
    cashless: SalesTotals | None = None  # DA2
    products: tuple[Product, ...] = ()
    events: tuple[EventRecord, ...] = ()  # EA1
    event_counts: tuple[EventCount, ...] = ()  # EA2
    readout: Readout | None = None  # EA3
    operator_events: tuple[OperatorEvent, ...] = ()  # EA6
