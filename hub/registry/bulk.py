"""Fast bulk inserts for seeding: ``COPY`` on PostgreSQL, a plain ``executemany`` on
SQLite, SQLAlchemy's ``executemany`` anywhere else.

SQLAlchemy's per-row parameter handling costs more than the database for a hundred
thousand rows, so values go through each column type's bind processor (the same
conversion SQLAlchemy applies, e.g. UTC timestamps and booleans) and straight to the
driver. Rows are tuples in the order of ``columns``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

Row = Sequence[Any]


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """Insert ``rows`` (values in ``columns`` order) into ``table`` in ``conn``'s transaction."""
    if not rows:
        return
    dialect = conn.dialect
    if (dialect.name, dialect.driver) not in (("postgresql", "psycopg"), ("sqlite", "pysqlite")):
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    converted = _converted(table, columns, rows, dialect)
    quote = dialect.identifier_preparer
    target = quote.format_table(table)
    names = ", ".join(quote.quote(name) for name in columns)
    if dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy,
        ):
            for row in converted:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", converted)


def _converted(
    table: Table, columns: Sequence[str], rows: Sequence[Row], dialect: Dialect
) -> list[tuple[Any, ...]]:
    """Rows as tuples of driver values: each column's bind processor applied, if it has one."""
    processors = [table.c[name].type.bind_processor(dialect) for name in columns]
    active = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    if not active:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for i, proc in active:
            values[i] = proc(values[i])
        converted.append(tuple(values))
    return converted
