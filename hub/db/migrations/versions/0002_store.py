"""Stores: telemetry, events, presence history, dead letters, twins.

Revision ID: 0002
Revises: 0001

Mirrors hub/store/schema.py (a test compares the two). ``device_id`` is a plain string:
no foreign keys to the registry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "telemetry",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("metric", sa.String(128), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", "metric", name="pk_telemetry"),
    )
    op.create_index("ix_telemetry_device_metric_ts", "telemetry", ["device_id", "metric", "ts_ms"])
    op.create_index("ix_telemetry_ts", "telemetry", ["ts_ms"])

    op.create_table(
        "event",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("device_id", "seq", "type", name="uq_event_device_seq_type"),
    )
    op.create_index("ix_event_device_ts", "event", ["device_id", "ts_ms"])
    op.create_index("ix_event_type_ts", "event", ["type", "ts_ms"])

    op.create_table(
        "presence_change",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.UniqueConstraint(
            "device_id", "ts_ms", "online", name="uq_presence_change_device_ts_online"
        ),
    )
    op.create_index("ix_presence_change_device_ts", "presence_change", ["device_id", "ts_ms"])

    op.create_table(
        "dead_letter",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_dead_letter_received", "dead_letter", ["received_ms"])
    op.create_index("ix_dead_letter_reason_received", "dead_letter", ["reason", "received_ms"])

    op.create_table(
        "twin",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("reported", sa.JSON(), nullable=False),
        sa.Column("reported_version", sa.BigInteger(), nullable=False),
        sa.Column("desired", sa.JSON(), nullable=False),
        sa.Column("desired_version", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("twin")
    op.drop_table("dead_letter")
    op.drop_table("presence_change")
    op.drop_table("event")
    op.drop_table("telemetry")
