"""Registry: hierarchy, devices, compartments, slots, residents, credentials, tokens.

Written out by hand (not imported from the models) so that it stays what it was when it
shipped; tests/integration/db/test_schema.py checks it matches the models.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PATTERN_OPS = {"path": "varchar_pattern_ops"}


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "node",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(48), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("node.id"), nullable=True),
        sa.Column("path", sa.String(255), nullable=False),
        sa.UniqueConstraint("code", name="uq_node_code"),
        sa.CheckConstraint(
            "level IN ('city', 'district', 'subdistrict', 'community', 'building')",
            name="ck_node_level",
        ),
    )
    op.create_index("ix_node_parent_id", "node", ["parent_id"])
    op.create_index("ix_node_path", "node", ["path"], unique=True, postgresql_ops=_PATTERN_OPS)

    op.create_table(
        "device",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("firmware_version", sa.String(32), nullable=False),
        sa.Column("protocol", sa.String(), nullable=False),
        sa.Column("node_id", sa.Integer(), sa.ForeignKey("node.id"), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("mqtt_password_hash", sa.String(255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'locker' AND protocol = 'lockerlink')"
            " OR (kind = 'vending' AND protocol = 'sparkplug_b')"
            " OR (kind = 'door' AND protocol = 'osdp')",
            name="ck_device_kind_protocol",
        ),
    )
    op.create_index("ix_device_node_id", "device", ["node_id"])
    op.create_index("ix_device_path", "device", ["path"], postgresql_ops=_PATTERN_OPS)

    op.create_table(
        "compartment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(64),
            sa.ForeignKey("device.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(), nullable=False),
        sa.UniqueConstraint("device_id", "number", name="uq_compartment_device_number"),
        sa.CheckConstraint("size IN ('S', 'M', 'L')", name="ck_compartment_size"),
    )

    op.create_table(
        "vending_slot",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "device_id",
            sa.String(64),
            sa.ForeignKey("device.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(64), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.UniqueConstraint("device_id", "number", name="uq_vending_slot_device_number"),
        sa.CheckConstraint("price >= 0 AND capacity >= 1", name="ck_vending_slot_values"),
    )

    op.create_table(
        "resident",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("building_id", sa.Integer(), sa.ForeignKey("node.id"), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
    )
    op.create_index("ix_resident_building_id", "resident", ["building_id"])

    op.create_table(
        "door_credential",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "resident_id",
            sa.Integer(),
            sa.ForeignKey("resident.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("card_format", sa.String(), nullable=True),
        sa.Column("facility_code", sa.Integer(), nullable=True),
        sa.Column("card_number", sa.Integer(), nullable=True),
        sa.Column("pin_hash", sa.String(64), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.UniqueConstraint(
            "card_format", "facility_code", "card_number", name="uq_door_credential_card"
        ),
        sa.CheckConstraint(
            "(kind = 'card' AND card_format IN ('H10301', 'H10306')"
            " AND facility_code IS NOT NULL AND card_number IS NOT NULL AND pin_hash IS NULL)"
            " OR (kind = 'pin' AND pin_hash IS NOT NULL AND card_format IS NULL"
            " AND facility_code IS NULL AND card_number IS NULL)",
            name="ck_door_credential_shape",
        ),
    )
    op.create_index("ix_door_credential_resident_id", "door_credential", ["resident_id"])
    op.create_index("ix_door_credential_pin_hash", "door_credential", ["pin_hash"])

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column(
            "scope_node_id",
            sa.Integer(),
            sa.ForeignKey("node.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "resident_id",
            sa.Integer(),
            sa.ForeignKey("resident.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=True),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
        sa.CheckConstraint(
            "(role = 'operator' AND scope_node_id IS NOT NULL AND resident_id IS NULL)"
            " OR (role = 'resident' AND resident_id IS NOT NULL AND scope_node_id IS NULL)",
            name="ck_api_token_role",
        ),
    )
    op.create_index("ix_api_token_scope_node_id", "api_token", ["scope_node_id"])
    op.create_index("ix_api_token_resident_id", "api_token", ["resident_id"])


def downgrade() -> None:
    for table in (
        "api_token",
        "door_credential",
        "resident",
        "vending_slot",
        "compartment",
        "device",
        "node",
    ):
        op.drop_table(table)
