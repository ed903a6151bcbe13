"""One element of a segment to a typed value and back: text, number, date, time, flag.

Parsing never raises: a value that cannot be read becomes None and a problem string is
returned beside it. Formatting refuses (DexError ``invalid_value``) any value that would
not read back as itself, so the writer never produces a file the reader misreads.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from firmware_protocols.dex.errors import DexError
from firmware_protocols.dex.lexer import ELEMENT_SPACE

Kind = Literal["text", "int", "date", "time", "flag"]

_DIGITS = re.compile(r"[0-9]+")
Parsed = tuple[object, str | None]  # (value or None, problem or None)


def parse(kind: Kind, raw: str) -> Parsed:
    """The typed value of one raw element, and a problem description when unreadable."""
    value = raw.strip(ELEMENT_SPACE)
    if not value:
        return None, None
    if kind == "text":
        return value, None
    if kind == "int":
        if _DIGITS.fullmatch(value) is None:
            return None, f"{value!r} is not a whole number"
        return int(value), None
    if kind == "flag":
        if value in ("0", "1"):
            return value == "1", None
        return None, f"{value!r} is not 0 or 1"
    if kind == "date":
        return _parse_date(value)
    return _parse_time(value)


def _parse_date(value: str) -> Parsed:
    if _DIGITS.fullmatch(value) is None or len(value) not in (6, 8):
        return None, f"{value!r} is not YYYYMMDD or YYMMDD"
    if set(value) == {"0"}:
        return None, None  # devices write zeros for "never"
    if len(value) == 6:
        year, rest = 2000 + int(value[:2]), value[2:]
    else:
        year, rest = int(value[:4]), value[4:]
    try:
        return dt.date(year, int(rest[:2]), int(rest[2:])), None
    except ValueError:
        return None, f"{value!r} is not a calendar date"


def _parse_time(value: str) -> Parsed:
    if _DIGITS.fullmatch(value) is None or len(value) not in (4, 6):
        return None, f"{value!r} is not HHMMSS or HHMM"
    seconds = int(value[4:]) if len(value) == 6 else 0
    try:
        return dt.time(int(value[:2]), int(value[2:4]), seconds), None
    except ValueError:
        return None, f"{value!r} is not a time of day"


def format_element(kind: Kind, value: object, where: str) -> str:
    """The raw element for a typed value ("" for None); ``where`` names it in errors."""
    if value is None:
        return ""
    if kind == "text" and isinstance(value, str):
        check_text(value, where)
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise DexError("invalid_value", f"{where}: {value} is negative")
        return str(value)
    if kind == "flag" and isinstance(value, bool):
        return "1" if value else "0"
    if kind == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    if kind == "time" and isinstance(value, dt.time):
        if value.microsecond or value.tzinfo is not None:
            raise DexError("invalid_value", f"{where}: times are whole seconds, no zone")
        return f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
    raise DexError("invalid_value", f"{where}: {value!r} is not a {kind}")


def check_text(value: str, where: str, *, allow_empty: bool = False) -> None:
    """Refuse text the reader would not give back unchanged: empty (use None), padded
    with spaces, holding ``*``, line breaks or other non-printable characters."""
    if not value:
        if allow_empty:
            return
        raise DexError("invalid_value", f"{where}: empty text, use None")
    if value != value.strip(ELEMENT_SPACE):
        raise DexError("invalid_value", f"{where}: {value!r} has surrounding spaces")
    if "*" in value or not value.isprintable():
        raise DexError("invalid_value", f"{where}: {value!r} holds '*' or control characters")
