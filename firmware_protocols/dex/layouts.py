"""Segment layouts as data: which element of which segment fills which typed field.

One table drives both directions: :func:`decode_fields` reads a segment
into keyword arguments for its dataclass, :func:`encode_fields` writes a dataclass back
into a segment. ``PA1`` and ``PA2`` share the :class:`~.model.Product` class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from firmware_protocols.dex.elements import Kind, format_element, parse
from firmware_protocols.dex.lexer import Segment


@dataclass(frozen=True, slots=True)
class Layout:
    """Elements of one segment: (position counted from 1, field name, kind)."""

    segment_id: str
    fields: tuple[tuple[int, str, Kind], ...]


def _layout(segment_id: str, *fields: tuple[int, str, Kind]) -> Layout:
    return Layout(segment_id, fields)


DXS = _layout(
    "DXS",
    (1, "communication_id", "text"),
    (2, "functional_id", "text"),
    (3, "version", "text"),
    (4, "transmission_control", "text"),
)
DXE = _layout("DXE", (1, "transmission_control", "text"), (2, "set_count", "int"))
ID1 = _layout(
    "ID1",
    (1, "serial", "text"),
    (2, "model", "text"),
    (3, "build_standard", "text"),
    (4, "location", "text"),
    (5, "user_field", "text"),
    (6, "asset_number", "text"),
    (7, "dts_level", "text"),
    (8, "dts_revision", "text"),
)
ID4 = _layout(
    "ID4", (1, "decimal_places", "int"), (2, "numeric_code", "text"), (3, "alpha_code", "text")
)
ID5 = _layout("ID5", (1, "date", "date"), (2, "time", "time"), (4, "time_zone", "text"))
_TOTALS: tuple[tuple[int, str, Kind], ...] = (
    (1, "value_since_init", "int"),
    (2, "count_since_init", "int"),
    (3, "value_since_reset", "int"),
    (4, "count_since_reset", "int"),
)
VA1 = Layout("VA1", _TOTALS)
CA2 = Layout("CA2", _TOTALS)
DA2 = Layout("DA2", _TOTALS)
PA1 = _layout("PA1", (1, "product_id", "text"), (2, "price", "int"), (3, "name", "text"))
PA2 = _layout(
    "PA2",
    (1, "count_since_init", "int"),
    (2, "value_since_init", "int"),
    (3, "count_since_reset", "int"),
    (4, "value_since_reset", "int"),
)
EA1 = _layout(
    "EA1",
    (1, "event_id", "text"),
    (2, "date", "date"),
    (3, "time", "time"),
    (4, "duration_minutes", "int"),
    (5, "duration_ms", "int"),
    (6, "user_data", "text"),
)
EA2 = _layout(
    "EA2",
    (1, "event_id", "text"),
    (2, "count_since_reset", "int"),
    (3, "count_since_init", "int"),
    (4, "user_data", "text"),
    (5, "active", "flag"),
    (6, "duration_minutes", "int"),
)
EA3 = _layout(
    "EA3",
    (1, "reads_with_reset", "int"),
    (2, "date", "date"),
    (3, "time", "time"),
    (4, "terminal_id", "text"),
    (5, "last_date", "date"),
    (6, "last_time", "time"),
    (7, "last_terminal_id", "text"),
    (9, "reads_total", "int"),
    (10, "resets", "int"),
)
EA6 = _layout(
    "EA6",
    (1, "date", "date"),
    (2, "time", "time"),
    (3, "source", "text"),
    (4, "description", "text"),
)

LAYOUTS: Mapping[str, Layout] = MappingProxyType(
    {
        layout.segment_id: layout
        for layout in (DXS, DXE, ID1, ID4, ID5, VA1, CA2, DA2, PA1, PA2, EA1, EA2, EA3, EA6)
    }
)
"""Every segment the typed layer reads, by id."""

Problem = Callable[[str, str, int | None], None]
"""Where decoding reports an unreadable element: (code, detail, line)."""


def decode_fields(layout: Layout, segment: Segment, problem: Problem) -> dict[str, Any]:
    """Keyword arguments for the segment's dataclass; unreadable elements become None."""
    values: dict[str, Any] = {}
    for position, name, kind in layout.fields:
        value, issue = parse(kind, segment.get(position))
        if issue is not None:
            where = f"{segment.id}{position:02d}"
            problem("bad_element", f"{where} ({name}): {issue}", segment.line or None)
        values[name] = value
    return values


def encode_fields(layout: Layout, record: object) -> Segment:
    """The segment holding ``record``'s fields; raises DexError for unwritable values."""
    width = max(position for position, _, _ in layout.fields)
    elements = [""] * width
    for position, name, kind in layout.fields:
        where = f"{layout.segment_id}{position:02d} ({name})"
        elements[position - 1] = format_element(kind, getattr(record, name), where)
    return Segment(layout.segment_id, tuple(elements))
