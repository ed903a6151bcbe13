"""PostgreSQL's fastest bulk path for telemetry: COPY into a temporary table, then one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` into ``telemetry``.

COPY cannot skip duplicates itself, hence the staging table. It is created once per
connection (``IF NOT EXISTS``) and emptied at every commit (``ON COMMIT DELETE ROWS``);
it lives in the caller's transaction, so a failed batch leaves nothing behind. (A second
call in one transaction merges the first call's rows again; they conflict and count as
nothing, so the counts stay right.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import Connection

from hub.store.screen import TelemetryParams

STAGING = "telemetry_staging"
_CREATE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} "
    "(device_id text, seq int8, ts_ms int8, metrics text) ON COMMIT DELETE ROWS"
)
_COPY = f"COPY {STAGING} (device_id, seq, ts_ms, metrics) FROM STDIN (FORMAT BINARY)"
_TYPES = ["text", "int8", "int8", "text"]
_MERGE = (
    "INSERT INTO telemetry (device_id, seq, ts_ms, metrics) "
    f"SELECT device_id, seq, ts_ms, metrics::json FROM {STAGING} "
    "ON CONFLICT (device_id, seq) DO NOTHING"
)


def copy_telemetry(conn: Connection, rows: Sequence[TelemetryParams]) -> int:
    """Write ``rows`` (metrics already JSON text) within ``conn``'s transaction; return
    how many were new."""
    raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with raw.cursor() as cursor:
        cursor.execute(_CREATE)
        with cursor.copy(_COPY) as copy:
            copy.set_types(_TYPES)
            for row in rows:
                copy.write_row(row)
        cursor.execute(_MERGE)
        return cursor.rowcount
