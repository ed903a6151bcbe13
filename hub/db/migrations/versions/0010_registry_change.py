"""The registry's change feed (hub/registry/change_feed.py).

Written out by hand so that it stays what it was when it shipped;
tests/integration/registry/test_migrations.py checks it matches hub/registry/models.py.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_change",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "entity IN ('device', 'resident', 'credential', 'registry')",
            name="ck_registry_change_entity",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_registry_change_ts", "registry_change", ["ts_ms"])


def downgrade() -> None:
    op.drop_table("registry_change")
