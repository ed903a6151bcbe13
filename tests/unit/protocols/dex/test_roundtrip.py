"""Writer then reader is the identity on valid audits, and the file is valid.

Whole audits hold a hundred-odd fields, and drawing each through Hypothesis costs about
10 ms an example; so the 2000-example property draws a seed and builds the audit with
``random.Random`` (edge values weighted in), while a smaller structured property keeps
Hypothesis' shrinking, and text elements get a character-level property of their own.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_protocols.dex import (
    AuditData,
    AuditTime,
    Currency,
    DxsHeader,
    EventCount,
    EventRecord,
    MachineId,
    OperatorEvent,
    Product,
    Readout,
    SalesTotals,
    read_dex,
    write_dex,
)

T = TypeVar("T")
TEXT_POOL = (
    "0",
    "1",
    "42",
    "0001",
    "4294967295",
    "EUR",
    "1978",
    "V1/1",
    "VA",
    "EGS",
    "EJJ",
    "SnackBox 40",
    "Caf\u00e9 cr\u00e8me",
    "\u00c4pfel & Birnen",
    "\u65e5\u672c",
    "A-17/3#",
    "x" * 40,
    "Hall 3 (north)",
    "..",
    "#",
    "\u00a7 5",
    "ID1",
    "SE",
    "G85",
    "DXE",
    "LS",
)
CHARS = "ABCZaz09 -_./#&()\u00e9\u00df\u00c4\u20ac\u65e5\u0436"
INTS = (0, 1, 9, 10, 99, 100, 65535, 65536, 2**32 - 1, 2**32, 10**12)


class Maker:
    """A random valid audit from one seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def opt(self, make: Callable[[], T]) -> T | None:
        return None if self.rng.random() < 0.25 else make()

    def text(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(TEXT_POOL)
        size = self.rng.randint(1, 16)
        value = "".join(self.rng.choice(CHARS) for _ in range(size)).strip(" ")
        return value or "x"

    def number(self) -> int:
        return self.rng.choice(INTS) if self.rng.random() < 0.4 else self.rng.randrange(10**9)

    def date(self) -> dt.date:
        edge = (dt.date.min, dt.date.max, dt.date(2000, 2, 29), dt.date(1999, 12, 31))
        if self.rng.random() < 0.2:
            return self.rng.choice(edge)
        return dt.date.fromordinal(self.rng.randint(1, dt.date.max.toordinal()))

    def time(self) -> dt.time:
        rng = self.rng
        return dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60))

    def record(self, cls: Callable[..., T], **kinds: Callable[[], Any]) -> T:
        return cls(**{name: self.opt(make) for name, make in kinds.items()})

    def many(self, make: Callable[[], T], most: int) -> tuple[T, ...]:
        return tuple(make() for _ in range(self.rng.randint(0, most)))

    def totals(self) -> SalesTotals:
        i = self.number
        return self.record(
            SalesTotals,
            value_since_init=i,
            count_since_init=i,
            value_since_reset=i,
            count_since_reset=i,
        )

    def audit(self) -> AuditData:
        t, i, d, h = self.text, self.number, self.date, self.time
        return AuditData(
            header=self.record(
                DxsHeader, communication_id=t, functional_id=t, version=t, transmission_control=t
            ),
            machine=self.opt(
                lambda: self.record(
                    MachineId,
                    serial=t,
                    model=t,
                    build_standard=t,
                    location=t,
                    user_field=t,
                    asset_number=t,
                    dts_level=t,
                    dts_revision=t,
                )
            ),
            currency=self.opt(
                lambda: self.record(
                    Currency,
                    decimal_places=lambda: self.rng.randint(0, 3),
                    numeric_code=t,
                    alpha_code=t,
                )
            ),
            clock=self.opt(lambda: self.record(AuditTime, date=d, time=h, time_zone=t)),
            paid_vends=self.opt(self.totals),
            cash=self.opt(self.totals),
            cashless=self.opt(self.totals),
            products=self.many(
                lambda: self.record(
                    Product,
                    product_id=t,
                    price=i,
                    name=t,
                    count_since_init=i,
                    value_since_init=i,
                    count_since_reset=i,
                    value_since_reset=i,
                ),
                12,
            ),
            events=self.many(
                lambda: self.record(
                    EventRecord,
                    event_id=t,
                    date=d,
                    time=h,
                    duration_minutes=i,
                    duration_ms=i,
                    user_data=t,
                ),
                4,
            ),
            event_counts=self.many(
                lambda: self.record(
                    EventCount,
                    event_id=t,
                    count_since_reset=i,
                    count_since_init=i,
                    user_data=t,
                    active=lambda: self.rng.random() < 0.5,
                    duration_minutes=i,
                ),
                4,
            ),
            readout=self.opt(
                lambda: self.record(
                    Readout,
                    reads_with_reset=i,
                    date=d,
                    time=h,
                    terminal_id=t,
                    last_date=d,
                    last_time=h,
                    last_terminal_id=t,
                    reads_total=i,
                    resets=i,
                )
            ),
            operator_events=self.many(
                lambda: self.record(OperatorEvent, date=d, time=h, source=t, description=t), 4
            ),
        )


def assert_round_trip(data: AuditData) -> None:
    audit = read_dex(write_dex(data))
    assert audit.data == data
    assert audit.valid and audit.warnings == ()


@settings(max_examples=2000, deadline=None, database=None)
@given(st.integers(0, 2**64))
def test_writer_then_reader_is_identity(seed: int) -> None:
    assert_round_trip(Maker(seed).audit())


def test_the_generator_covers_what_it_should() -> None:
    audits = [Maker(seed).audit() for seed in range(200)]
    assert sum(len(a.products) for a in audits) > 800
    assert any(a.machine is None for a in audits) and any(a.machine for a in audits)
    assert any(e.active is False for a in audits for e in a.event_counts)
    names = {p.name for a in audits for p in a.products}
    assert None in names and any(n and not n.isascii() for n in names)


# ---------------------------------------------------------------- structured, shrinking
def opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def record(cls: Callable[..., T], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[T]:
    return st.builds(cls, **{name: opt(strategy) for name, strategy in fields.items()})


texts = st.sampled_from(TEXT_POOL)
ints = st.integers(0, 10**12)
small_audits = st.builds(
    AuditData,
    header=record(DxsHeader, communication_id=texts, transmission_control=texts),
    machine=opt(record(MachineId, serial=texts, location=texts, dts_level=texts)),
    clock=opt(
        record(AuditTime, date=st.dates(), time=st.times().map(lambda t: t.replace(microsecond=0)))
    ),
    paid_vends=opt(record(SalesTotals, value_since_init=ints, count_since_reset=ints)),
    products=st.lists(
        record(Product, product_id=texts, price=ints, name=texts, value_since_reset=ints),
        max_size=4,
    ).map(tuple),
    event_counts=st.lists(record(EventCount, event_id=texts, active=st.booleans()), max_size=2).map(
        tuple
    ),
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(small_audits)
def test_structured_audits_round_trip(data: AuditData) -> None:
    assert_round_trip(data)


# what a device may write in a text element: printable, no '*', no padding
element_text = (
    st.text(
        st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="*"),
        min_size=1,
        max_size=16,
    )
    .map(lambda s: s.strip(" \t"))
    .filter(lambda s: bool(s) and s.isprintable())
)


@settings(max_examples=500, deadline=None, database=None)
@given(element_text)
def test_any_printable_text_element_round_trips(value: str) -> None:
    assert_round_trip(
        AuditData(DxsHeader(value), MachineId(serial=value), products=(Product(value),))
    )
