"""Telemetry as one row per message: ``metrics`` holds {name: value} as JSON.

Revision ID: 0007
Revises: 0006

One row per metric cost the ingest a row, a primary-key entry and two index entries per
reading (2.7 readings a message on average). Existing rows are folded into one row per
(device, seq), keeping the message's earliest timestamp; the downgrade spreads them out
again. ``telemetry_metric`` lists the metric names each device has reported (the index
of the JSON keys). Mirrors hub/store/schema.py (a test compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fold_sql(dialect: str) -> str:
    aggregate = "json_group_object" if dialect == "sqlite" else "json_object_agg"
    return (
        "INSERT INTO telemetry_message (device_id, seq, ts_ms, metrics) "
        f"SELECT device_id, seq, min(ts_ms), {aggregate}(metric, value) "
        "FROM telemetry GROUP BY device_id, seq"
    )


def _spread_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return (
            "INSERT INTO telemetry_by_metric (device_id, metric, ts_ms, value, seq) "
            "SELECT t.device_id, j.key, t.ts_ms, j.value, t.seq "
            "FROM telemetry AS t, json_each(t.metrics) AS j"
        )
    return (
        "INSERT INTO telemetry_by_metric (device_id, metric, ts_ms, value, seq) "
        "SELECT t.device_id, j.key, t.ts_ms, j.value::float8, t.seq "
        "FROM telemetry AS t, json_each_text(t.metrics) AS j"
    )


def _pk_name(dialect: str, final: str, interim: str) -> str:
    """PostgreSQL names a primary key's index in the schema's namespace, so the new
    table's key takes an interim name until the old table is gone; SQLite keeps
    constraint names inside the table and takes the final one at once."""
    return interim if dialect == "postgresql" else final


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "telemetry_message",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "device_id", "seq", name=_pk_name(dialect, "pk_telemetry", "pk_telemetry_message")
        ),
    )
    op.execute(_fold_sql(dialect))
    op.create_table(
        "telemetry_metric_names",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO telemetry_metric_names (device_id, metric, ts_ms) "
        "SELECT device_id, metric, min(ts_ms) FROM telemetry GROUP BY device_id, metric"
    )
    op.drop_index("ix_telemetry_device_metric_ts", table_name="telemetry")
    op.drop_index("ix_telemetry_ts", table_name="telemetry")
    op.drop_table("telemetry")
    op.rename_table("telemetry_message", "telemetry")
    if dialect == "postgresql":
        op.execute("ALTER TABLE telemetry RENAME CONSTRAINT pk_telemetry_message TO pk_telemetry")
    op.create_index("ix_telemetry_device_ts", "telemetry", ["device_id", "ts_ms"])
    op.create_index("ix_telemetry_ts", "telemetry", ["ts_ms"])
    op.create_table(
        "telemetry_metric",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("first_ts_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "metric", name="pk_telemetry_metric"),
    )
    op.execute(
        "INSERT INTO telemetry_metric (device_id, metric, first_ts_ms) "
        "SELECT device_id, metric, min(ts_ms) FROM telemetry_metric_names "
        "GROUP BY device_id, metric"
    )
    op.drop_table("telemetry_metric_names")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("telemetry_metric")
    op.create_table(
        "telemetry_by_metric",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "device_id",
            "seq",
            "metric",
            name=_pk_name(dialect, "pk_telemetry", "pk_telemetry_by_metric"),
        ),
    )
    op.execute(_spread_sql(dialect))
    op.drop_index("ix_telemetry_device_ts", table_name="telemetry")
    op.drop_index("ix_telemetry_ts", table_name="telemetry")
    op.drop_table("telemetry")
    op.rename_table("telemetry_by_metric", "telemetry")
    if dialect == "postgresql":
        op.execute("ALTER TABLE telemetry RENAME CONSTRAINT pk_telemetry_by_metric TO pk_telemetry")
    op.create_index("ix_telemetry_device_metric_ts", "telemetry", ["device_id", "metric", "ts_ms"])
    op.create_index("ix_telemetry_ts", "telemetry", ["ts_ms"])
