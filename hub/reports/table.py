"""A report as a table: named columns and rows of plain values, and its CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    columns: list[str]
    rows: list[dict[str, Cell]]


def table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> Table:
    return Table(list(columns), [{c: row.get(c) for c in columns} for row in rows])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(data: Table) -> str:
    """RFC 4180 CSV with a header row (CRLF line ends; the caller sends it as UTF-8 with a
    byte-order mark so spreadsheet programs read Chinese names correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(data.columns)
    for row in data.rows:
        writer.writerow([_cell(row[c]) for c in data.columns])
    return "\ufeff" + out.getvalue()
