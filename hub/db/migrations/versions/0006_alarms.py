"""Alarms and their history.

Revision ID: 0006
Revises: 0005

Written out by hand so that it stays what it was when it shipped;
tests/integration/db/test_schema.py checks it matches hub/alarms/tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN_ONLY = "state <> 'cleared'"


def upgrade() -> None:
    op.create_table(
        "alarm",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("device_kind", sa.String(16), nullable=False),
        sa.Column("device_path", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("raised_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("condition_active", sa.Boolean(), nullable=False),
        sa.Column("condition_ended_ms", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_ms", sa.BigInteger(), nullable=True),
        sa.Column("cleared_ms", sa.BigInteger(), nullable=True),
        sa.Column("cleared_by", sa.String(64), nullable=True),
        sa.Column("latching", sa.Boolean(), nullable=False),
        sa.Column("stock_unsellable", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("state IN ('active', 'acknowledged', 'cleared')", name="ck_alarm_state"),
        sa.CheckConstraint(
            "severity IN ('critical', 'major', 'minor', 'warning')", name="ck_alarm_severity"
        ),
    )
    op.create_index(
        "uq_alarm_open",
        "alarm",
        ["device_id", "type"],
        unique=True,
        sqlite_where=sa.text(OPEN_ONLY),
        postgresql_where=sa.text(OPEN_ONLY),
    )
    op.create_index("ix_alarm_state_severity", "alarm", ["state", "severity"])
    op.create_index(
        "ix_alarm_device_path",
        "alarm",
        ["device_path"],
        postgresql_ops={"device_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_alarm_device_id", "alarm", ["device_id", "id"])

    op.create_table(
        "alarm_history",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "alarm_id",
            sa.BigInteger(),
            sa.ForeignKey("alarm.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_alarm_history_alarm", "alarm_history", ["alarm_id", "id"])


def downgrade() -> None:
    op.drop_table("alarm_history")
    op.drop_table("alarm")
