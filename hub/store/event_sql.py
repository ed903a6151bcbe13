"""The events insert, written by hand: many rows per statement, duplicates skipped by
the table's natural key, and the keys of the rows that were new returned.

SQLAlchemy's own multi-row path (insertmanyvalues) processes every parameter in Python
and serialises each event's data as JSON again; here the data arrives as JSON text from
the screen and the parameters go to the driver as one flat list. PostgreSQL gets an
explicit ``::json`` cast, as text does not turn into JSON by itself there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.store.screen import EventParams

EVENT_ROWS_PER_STATEMENT = 1000  # 6 parameters a row: well under both databases' limits
_HEAD = "INSERT INTO event (device_id, seq, ts_ms, type, data, received_ms) VALUES "
_TAIL = " ON CONFLICT (device_id, seq, type) DO NOTHING RETURNING device_id, seq, type"


class EventInsertSql:
    """Statements for one dialect, cached by row count."""

    def __init__(self, dialect: str, paramstyle: str) -> None:
        if paramstyle == "qmark":
            marker = "?"
        elif paramstyle in ("format", "pyformat"):
            marker = "%s"
        else:
            raise ValueError(f"unsupported paramstyle {paramstyle!r}")
        data = f"{marker}::json" if dialect == "postgresql" else marker
        self._row = f"({marker}, {marker}, {marker}, {marker}, {data}, {marker})"
        self._cache: dict[int, str] = {}

    def statement(
        self, rows: Sequence[EventParams], received_ms: int
    ) -> tuple[str, tuple[Any, ...]]:
        """The SQL and the flat parameters for ``rows``."""
        count = len(rows)
        sql = self._cache.get(count)
        if sql is None:
            sql = _HEAD + ", ".join([self._row] * count) + _TAIL
            if len(self._cache) < 64:
                self._cache[count] = sql
        params: list[Any] = []
        extend = params.extend
        for row in rows:
            extend(row)
            params.append(received_ms)
        return sql, tuple(params)
