"""Firmware images, maintenance windows and campaigns.

Revision ID: 0008
Revises: 0007

Written out by hand so that it stays what it was when it shipped;
tests/integration/db/test_schema.py checks it matches hub/firmware/tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "kind IN ('locker', 'vending', 'door')"
CAMPAIGN_STATES = "state IN ('running', 'paused', 'completed', 'aborted', 'cancelled')"
DEVICE_STATES = (
    "state IN ('pending', 'sending', 'downloading', 'verifying', 'installing', 'rebooting',"
    " 'updated', 'failed', 'skipped', 'cancelled')"
)


def upgrade() -> None:
    op.create_table(
        "firmware_image",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(KINDS, name="ck_firmware_image_kind"),
    )
    op.create_index("ix_firmware_image_kind_version", "firmware_image", ["kind", "version"])
    op.create_table(
        "firmware_chunk",
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey("firmware_image.sha256", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "idx", name="pk_firmware_chunk"),
    )
    op.create_table(
        "maintenance_window",
        sa.Column(
            "node_id",
            sa.Integer(),
            sa.ForeignKey("node.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440 AND end_minute >= 0"
            " AND end_minute < 1440 AND start_minute <> end_minute",
            name="ck_maintenance_window_minutes",
        ),
    )
    op.create_table(
        "firmware_campaign",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column(
            "image_sha256",
            sa.String(64),
            sa.ForeignKey("firmware_image.sha256"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("scope_path", sa.String(255), nullable=False),
        sa.Column("canary_share", sa.Float(), nullable=False),
        sa.Column("wave_size", sa.Integer(), nullable=False),
        sa.Column("failure_threshold", sa.Float(), nullable=False),
        sa.Column("max_doors_per_building", sa.Integer(), nullable=False),
        sa.Column("max_in_flight", sa.Integer(), nullable=False),
        sa.Column("device_timeout_s", sa.Integer(), nullable=False),
        sa.Column("health_soak_s", sa.Integer(), nullable=False),
        sa.Column("health_factor", sa.Float(), nullable=False),
        sa.Column("health_min_events", sa.Integer(), nullable=False),
        sa.Column("respect_windows", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("waves", sa.Integer(), nullable=False),
        sa.Column("wave_started_ms", sa.BigInteger(), nullable=True),
        sa.Column("wave_done_ms", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(256), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("finished_ms", sa.BigInteger(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until_ms", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(CAMPAIGN_STATES, name="ck_firmware_campaign_state"),
        sa.CheckConstraint(KINDS, name="ck_firmware_campaign_kind"),
    )
    op.create_index("ix_firmware_campaign_state", "firmware_campaign", ["state"])
    op.create_table(
        "firmware_campaign_device",
        sa.Column(
            "campaign_id",
            sa.BigInteger(),
            sa.ForeignKey("firmware_campaign.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("device_path", sa.String(255), nullable=False),
        sa.Column("community_path", sa.String(255), nullable=True),
        sa.Column("building_path", sa.String(255), nullable=True),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("from_version", sa.String(32), nullable=False),
        sa.Column("to_version", sa.String(32), nullable=False),
        sa.Column("command_id", sa.String(32), nullable=True),
        sa.Column("progress_pct", sa.Integer(), nullable=True),
        sa.Column("bytes_sent", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(128), nullable=True),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("started_ms", sa.BigInteger(), nullable=True),
        sa.Column("finished_ms", sa.BigInteger(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "device_id", name="pk_firmware_campaign_device"),
        sa.CheckConstraint(DEVICE_STATES, name="ck_firmware_campaign_device_state"),
    )
    op.create_index(
        "ix_firmware_campaign_device_state", "firmware_campaign_device", ["campaign_id", "state"]
    )
    op.create_index(
        "ix_firmware_campaign_device_building",
        "firmware_campaign_device",
        ["building_path", "state"],
    )
    op.create_index("ix_firmware_campaign_device_id", "firmware_campaign_device", ["device_id"])
    op.create_table(
        "firmware_campaign_event",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "campaign_id",
            sa.BigInteger(),
            sa.ForeignKey("firmware_campaign.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(256), nullable=False),
    )
    op.create_index(
        "ix_firmware_campaign_event_campaign", "firmware_campaign_event", ["campaign_id", "id"]
    )
    op.create_index(
        "ix_firmware_campaign_event_device",
        "firmware_campaign_event",
        ["campaign_id", "device_id", "id"],
    )


def downgrade() -> None:
    op.drop_table("firmware_campaign_event")
    op.drop_table("firmware_campaign_device")
    op.drop_table("firmware_campaign")
    op.drop_table("maintenance_window")
    op.drop_table("firmware_chunk")
    op.drop_table("firmware_image")
