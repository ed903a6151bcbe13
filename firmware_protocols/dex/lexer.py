"""Bytes or text to lines to segments: the tolerant lexical layer of the DEX reader.

A DEX file is lines of ``ID*element*element...``. Lines may end in CRLF, LF or CR; blank
lines and whitespace around a line are ignored; a line whose first token is not a segment
id (an uppercase letter then one to five uppercase letters or digits) is *malformed* and
is reported, not raised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from firmware_protocols.dex.errors import DexError

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,5}")
LINE_BREAK = re.compile(r"\r\n|\n|\r")
LINE_SPACE = " \t\x0b\x0c"
"""What the reader trims around a line (CR and LF are line breaks)."""
ELEMENT_SPACE = " \t"
"""What the typed layer trims around an element (padding of fixed-width fields)."""
PADDING = "\x00\x1a"
"""Trailing NUL and SUB (DOS end-of-file) bytes some loggers append; dropped."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its id (``VA1``) and its elements, raw, in order. ``line`` is where it
    was read (1-based; 0 for a segment built in code) and takes no part in equality."""

    id: str
    elements: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)

    def get(self, position: int) -> str:
        """Element ``position``, counted from 1 as the standard does (VA103 is
        ``get(3)``), or ``""`` when the segment is shorter."""
        index = position - 1
        return self.elements[index] if 0 <= index < len(self.elements) else ""

    def render(self) -> str:
        """The segment as a line without its line ending; trailing empty elements are
        dropped, as devices do."""
        elements = list(self.elements)
        while elements and elements[-1] == "":
            elements.pop()
        return "*".join([self.id, *elements])


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank input line: its number, its text without the line ending, and the
    segment it holds (None when malformed)."""

    number: int
    raw: str
    segment: Segment | None


@dataclass(frozen=True, slots=True)
class Text:
    """Decoded input and the encodings its bytes may have had (tried in order for G85)."""

    text: str
    encodings: tuple[str, ...]


def decode(payload: bytes | bytearray | memoryview | str, max_bytes: int) -> Text:
    """Turn the payload into text. Bytes are UTF-8 if they decode as such, else Latin-1;
    a str (a Sparkplug string metric) may have been either before it became text.
    Raises DexError for non-text types, oversized, empty or binary (NUL-bearing) input."""
    if isinstance(payload, str):
        size = len(payload)
    elif isinstance(payload, bytes | bytearray | memoryview):
        payload = bytes(payload)
        size = len(payload)
    else:
        raise DexError("not_text", f"expected bytes or str, got {type(payload).__name__}")
    if size > max_bytes:
        raise DexError("too_large", f"{size} > {max_bytes} bytes")
    if isinstance(payload, str):
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DexError("not_text", "string holds unpaired surrogates") from exc
        decoded = Text(payload, ("utf-8", "latin-1"))
    else:
        try:
            decoded = Text(payload.decode("utf-8"), ("utf-8",))
        except UnicodeDecodeError:
            decoded = Text(payload.decode("latin-1"), ("latin-1",))
    text = decoded.text.removeprefix("\ufeff").rstrip(PADDING)
    if not text.strip(LINE_SPACE + "\r\n"):
        raise DexError("empty", "no segments")
    if "\x00" in text:
        raise DexError("not_text", "NUL byte inside the data: binary, not a DEX file")
    return Text(text, decoded.encodings)


def parse_line(number: int, raw: str) -> Line:
    """One non-blank line to a :class:`Line`; a bad segment id leaves ``segment`` None."""
    parts = raw.strip(LINE_SPACE).split("*")
    seg_id = parts[0]
    if SEGMENT_ID.fullmatch(seg_id) is None:
        return Line(number, raw, None)
    return Line(number, raw, Segment(seg_id, tuple(parts[1:]), number))


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, numbered from 1 as in the input."""
    lines = []
    for index, raw in enumerate(LINE_BREAK.split(text), start=1):
        if raw.strip(LINE_SPACE):
            lines.append(parse_line(index, raw))
    return lines


def segments_of(lines: Sequence[Line]) -> tuple[Segment, ...]:
    """The well-formed segments among ``lines``, in order."""
    return tuple(line.segment for line in lines if line.segment is not None)
