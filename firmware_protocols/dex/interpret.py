"""Segments to :class:`~.model.AuditData`: the typed view of a file.

Single segments (DXS, ID1, ID4, ID5, VA1, CA2, DA2, EA3) take their first occurrence and
report later ones. A PA2 belongs to the PA1 before it. EA1, EA2 and EA6 are kept in order.
Segments no layout names are left alone (they stay in the file's segment list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from firmware_protocols.dex import layouts
from firmware_protocols.dex.layouts import Layout, Problem, decode_fields
from firmware_protocols.dex.lexer import Segment
from firmware_protocols.dex.model import (
    AuditData,
    AuditTime,
    Currency,
    DxeTrailer,
    DxsHeader,
    EventCount,
    EventRecord,
    MachineId,
    OperatorEvent,
    Product,
    Readout,
    SalesTotals,
)

_SINGLE: dict[str, tuple[str, Layout, Callable[..., Any]]] = {
    "DXS": ("header", layouts.DXS, DxsHeader),
    "ID1": ("machine", layouts.ID1, MachineId),
    "ID4": ("currency", layouts.ID4, Currency),
    "ID5": ("clock", layouts.ID5, AuditTime),
    "VA1": ("paid_vends", layouts.VA1, SalesTotals),
    "CA2": ("cash", layouts.CA2, SalesTotals),
    "DA2": ("cashless", layouts.DA2, SalesTotals),
    "EA3": ("readout", layouts.EA3, Readout),
}
_REPEATED: dict[str, tuple[str, Layout, Callable[..., Any]]] = {
    "EA1": ("events", layouts.EA1, EventRecord),
    "EA2": ("event_counts", layouts.EA2, EventCount),
    "EA6": ("operator_events", layouts.EA6, OperatorEvent),
}


def interpret(segments: Iterable[Segment], problem: Problem) -> AuditData:
    """The typed values of ``segments``; every oddity goes to ``problem``."""
    single: dict[str, Any] = {}
    repeated: dict[str, list[Any]] = {name: [] for name, _, _ in _REPEATED.values()}
    products: list[Product] = []
    has_pa2 = False
    for segment in segments:
        line = segment.line or None
        if segment.id == "PA1":
            products.append(Product(**decode_fields(layouts.PA1, segment, problem)))
            has_pa2 = False
        elif segment.id == "PA2":
            if not products or has_pa2:
                problem("orphan_pa2", "PA2 without a PA1 of its own: ignored", line)
                continue
            products[-1] = replace(products[-1], **decode_fields(layouts.PA2, segment, problem))
            has_pa2 = True
        elif segment.id in _SINGLE:
            name, layout, make = _SINGLE[segment.id]
            if name in single:
                problem("duplicate_segment", f"second {segment.id}: ignored", line)
                continue
            single[name] = make(**decode_fields(layout, segment, problem))
        elif segment.id in _REPEATED:
            name, layout, make = _REPEATED[segment.id]
            repeated[name].append(make(**decode_fields(layout, segment, problem)))
    return AuditData(
        **single,
        products=tuple(products),
        events=tuple(repeated["events"]),
        event_counts=tuple(repeated["event_counts"]),
        operator_events=tuple(repeated["operator_events"]),
    )


def trailer_of(segment: Segment, problem: Problem) -> DxeTrailer:
    """The typed DXE segment."""
    return DxeTrailer(**decode_fields(layouts.DXE, segment, problem))
