"""Device ids up to 128 characters, in every table that holds one.

The protocols let a device id be up to 128 characters (``LK-0412`` style ids included);
the columns held 64. This widens each device-id column from VARCHAR(64) to VARCHAR(128).

PostgreSQL: ``ALTER COLUMN ... TYPE varchar(128)``, a change of the catalogue only (no
table rewrite, indexes and foreign keys kept). SQLite stores text the same whatever
length a VARCHAR declares, so only the declared type in the schema changes: done with
the procedure SQLite documents for changes that do not affect the on-disk content
(https://www.sqlite.org/lang_altertable.html, "making other kinds of table schema
changes": edit ``sqlite_schema`` under ``writable_schema`` and bump ``schema_version``),
instead of copying every table (telemetry can be millions of rows).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEVICE_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "device": ("id",),
    "compartment": ("device_id",),
    "vending_slot": ("device_id",),
    "telemetry": ("device_id",),
    "telemetry_metric": ("device_id",),
    "event": ("device_id",),
    "presence_change": ("device_id",),
    "twin": ("device_id",),
    "command": ("device_id",),
    "command_reply": ("device_id",),
    "access_log": ("device_id",),
    "parcel": ("device_id",),
    "vending_sale": ("device_id",),
    "dex_audit": ("device_id",),
    "audit_entry": ("device_id",),
    "alarm": ("device_id",),
    "firmware_campaign_device": ("device_id",),
    "firmware_campaign_event": ("device_id",),
}


def _declared(sql: str, column: str, old: int, new: int) -> str:
    """``sql`` (a CREATE TABLE) with ``column``'s VARCHAR(old) declared VARCHAR(new)."""
    pattern = re.compile(rf'((?:^|[\s(,])"?{column}"?\s+)VARCHAR\({old}\)', re.IGNORECASE)
    changed, count = pattern.subn(rf"\g<1>VARCHAR({new})", sql)
    if count != 1:
        raise RuntimeError(f"cannot find {column} VARCHAR({old}) in {sql!r}")
    return changed


def _sqlite_widen(old: int, new: int) -> None:
    conn = op.get_bind()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table, columns in DEVICE_ID_COLUMNS.items():
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar_one()
            for column in columns:
                sql = _declared(sql, column, old, new)
            conn.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
            )
        conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        conn.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"SQLite schema check failed: {problems}")


def _postgres_widen(old: int, new: int) -> None:
    for table, columns in DEVICE_ID_COLUMNS.items():
        for column in columns:
            op.alter_column(
                table,
                column,
                type_=sa.String(new),
                existing_type=sa.String(old),
                existing_nullable=table == "audit_entry",
            )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_widen(64, 128)
    else:
        _postgres_widen(64, 128)


def downgrade() -> None:
    # Refused by PostgreSQL if an id longer than 64 characters is stored: remove those
    # devices and their history first.
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_widen(128, 64)
    else:
        _postgres_widen(128, 64)
