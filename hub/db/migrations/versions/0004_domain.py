"""Domain: parcels, access log, vending sales and DEX audits.

Revision ID: 0004
Revises: 0003

Written out by hand so that it stays what it was when it shipped;
tests/integration/db/test_schema.py checks it matches hub/domain/models.py.
Door alerts (forced open, held open) are rows of the store's ``event`` table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_ID, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "access_log",
        _id(),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("credential_kind", sa.String(8), nullable=False),
        sa.Column("card_format", sa.String(8), nullable=True),
        sa.Column("facility_code", sa.Integer(), nullable=True),
        sa.Column("card_number", sa.BigInteger(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("instance_id", sa.String(64), nullable=False),
        sa.UniqueConstraint(
            "device_id", "event_seq", "credential_kind", name="uq_access_log_event"
        ),
        sa.CheckConstraint("result IN ('granted', 'denied')", name="ck_access_log_result"),
        sa.CheckConstraint("credential_kind IN ('card', 'pin')", name="ck_access_log_kind"),
    )
    op.create_index("ix_access_log_device_ts", "access_log", ["device_id", "ts_ms"])
    op.create_index("ix_access_log_resident_ts", "access_log", ["resident_id", "ts_ms"])

    op.create_table(
        "parcel",
        _id(),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("compartment", sa.Integer(), nullable=False),
        sa.Column("tracking", sa.String(64), nullable=False),
        sa.Column("building", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(32), nullable=True),
        sa.Column("pickup_code", sa.String(6), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("deposit_seq", sa.BigInteger(), nullable=False),
        sa.Column("deposited_ms", sa.BigInteger(), nullable=False),
        sa.Column("collected_ms", sa.BigInteger(), nullable=True),
        sa.Column("pickup_method", sa.String(16), nullable=True),
        sa.UniqueConstraint("device_id", "deposit_seq", name="uq_parcel_deposit"),
        sa.CheckConstraint("state IN ('waiting', 'collected', 'returned')", name="ck_parcel_state"),
    )
    op.create_index("ix_parcel_resident_state", "parcel", ["resident_id", "state"])
    op.create_index(
        "ix_parcel_device_compartment_state", "parcel", ["device_id", "compartment", "state"]
    )

    op.create_table(
        "vending_sale",
        _id(),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("vend_id", sa.String(80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("device_id", "vend_id", name="uq_vending_sale_vend"),
    )
    op.create_index("ix_vending_sale_device_ts", "vending_sale", ["device_id", "ts_ms"])
    op.create_index("ix_vending_sale_ts", "vending_sale", ["ts_ms"])

    op.create_table(
        "dex_audit",
        _id(),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("g85_ok", sa.Boolean(), nullable=True),
        sa.Column("se_ok", sa.Boolean(), nullable=True),
        sa.Column("decimal_places", sa.Integer(), nullable=True),
        *(
            sa.Column(name, sa.BigInteger(), nullable=True)
            for name in (
                "va1_value",
                "va1_count",
                "va1_value_reset",
                "va1_count_reset",
                "ca2_value",
                "ca2_count",
                "da2_value",
                "da2_count",
            )
        ),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(64), nullable=True),
        sa.UniqueConstraint("device_id", "seq", name="uq_dex_audit_message"),
    )
    op.create_index("ix_dex_audit_device_received", "dex_audit", ["device_id", "received_ms"])


def downgrade() -> None:
    op.drop_table("dex_audit")
    op.drop_table("vending_sale")
    op.drop_table("parcel")
    op.drop_table("access_log")
