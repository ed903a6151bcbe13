"""The DEX/UCS writer: :func:`write_dex` turns :class:`~.model.AuditData` into a valid file.

Output is UTF-8 (plain ASCII for ASCII values) with CRLF after every line, segments in
EVA-DTS order (DXS, ST, ID1, ID4, ID5, VA1, CA2, DA2, PA1/PA2 per product, EA1, EA2, EA3,
EA6, any extra segments, G85, SE, DXE), a correct G85 CRC-16/ARC and SE01 count. Reading
the result gives back exactly the data written (``read_dex(write_dex(d)).data == d``) as
long as ``d.header`` is set; a None header is written as ``DxsHeader()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from firmware_protocols.dex import layouts
from firmware_protocols.dex.checks import LOOP_IDS
from firmware_protocols.dex.crc import crc16_arc, format_crc
from firmware_protocols.dex.elements import check_text
from firmware_protocols.dex.errors import DexError
from firmware_protocols.dex.layouts import LAYOUTS, Layout, encode_fields
from firmware_protocols.dex.lexer import SEGMENT_ID, Segment
from firmware_protocols.dex.model import AuditData, DxsHeader, Product

CRLF = "\r\n"
_RESERVED = frozenset({"DXS", "ST", "G85", "SE", "DXE"}) | frozenset(LAYOUTS)


def _optional(layout: Layout, record: object | None) -> list[Segment]:
    return [] if record is None else [encode_fields(layout, record)]


def _products(products: Iterable[Product]) -> list[Segment]:
    out = []
    for product in products:
        out.append(encode_fields(layouts.PA1, product))
        pa2 = encode_fields(layouts.PA2, product)
        if any(pa2.elements):
            out.append(pa2)
    return out


def _extra(segments: Sequence[Segment]) -> list[Segment]:
    for segment in segments:
        if SEGMENT_ID.fullmatch(segment.id) is None or segment.id in _RESERVED:
            raise DexError("invalid_value", f"extra segment id {segment.id!r} not allowed")
        for position, element in enumerate(segment.elements, start=1):
            check_text(element, f"{segment.id}{position:02d}", allow_empty=True)
    return list(segments)


def body_segments(data: AuditData, extra: Sequence[Segment] = ()) -> list[Segment]:
    """The typed segments between ST and G85, in writing order."""
    return [
        *_optional(layouts.ID1, data.machine),
        *_optional(layouts.ID4, data.currency),
        *_optional(layouts.ID5, data.clock),
        *_optional(layouts.VA1, data.paid_vends),
        *_optional(layouts.CA2, data.cash),
        *_optional(layouts.DA2, data.cashless),
        *_products(data.products),
        *(encode_fields(layouts.EA1, event) for event in data.events),
        *(encode_fields(layouts.EA2, count) for count in data.event_counts),
        *_optional(layouts.EA3, data.readout),
        *(encode_fields(layouts.EA6, note) for note in data.operator_events),
        *_extra(extra),
    ]


def write_dex(
    data: AuditData, *, control_number: str = "0001", extra: Sequence[Segment] = ()
) -> bytes:
    """A complete DEX file for ``data``. ``control_number`` is ST02/SE02; ``extra``
    segments (not control or typed ids, e.g. PA3, CA3, MA5, LS/LE) go before G85.
    Raises DexError ``invalid_value`` for values that would not read back unchanged
    (negative numbers, text with ``*``, line breaks, padding, or empty text)."""
    check_text(control_number, "ST02")
    header = data.header if data.header is not None else DxsHeader()
    body = [Segment("ST", ("001", control_number)), *body_segments(data, extra)]
    body_text = "".join(segment.render() + CRLF for segment in body)
    crc = crc16_arc(body_text.encode("utf-8"))
    count = sum(1 for segment in body if segment.id not in LOOP_IDS) + 2  # G85 and SE
    closing = [
        Segment("G85", (format_crc(crc),)),
        Segment("SE", (str(count), control_number)),
        Segment("DXE", (header.transmission_control or "", "1")),
    ]
    head = encode_fields(layouts.DXS, header).render() + CRLF
    tail = "".join(segment.render() + CRLF for segment in closing)
    return (head + body_text + tail).encode("utf-8")
