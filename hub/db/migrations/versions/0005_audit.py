"""API: audit trail and idempotency keys.

Revision ID: 0005
Revises: 0004

Mirrors hub/api/audit/tables.py (a test compares the two). The audit table also gets
triggers that refuse UPDATE and DELETE: the application never changes a row, and someone
who drops the triggers to edit one is caught by ``hub audit verify``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = (
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry"
    " FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
)
_SQLITE_TRIGGERS = {
    "audit_entry_no_update": "UPDATE",
    "audit_entry_no_delete": "DELETE",
}


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=True),
        sa.Column("device_path", sa.String(255), nullable=True),
        sa.Column("parcel_id", sa.String(64), nullable=True),
        sa.Column("command_id", sa.String(32), nullable=True),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("latency_us", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(256), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("hash", name="uq_audit_entry_hash"),
    )
    op.create_index(
        "ix_audit_entry_device_path",
        "audit_entry",
        ["device_path"],
        postgresql_ops={"device_path": "varchar_pattern_ops"},
    )
    op.create_index("ix_audit_entry_resident", "audit_entry", ["resident_id"])
    op.create_index("ix_audit_entry_ts", "audit_entry", ["ts_ms"])
    op.create_table(
        "api_idempotency",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("completed_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("subject", "key", name="pk_api_idempotency"),
    )
    op.create_index("ix_api_idempotency_created", "api_idempotency", ["created_ms"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for name, statement in _SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {statement} ON audit_entry"
                " BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("api_idempotency")
    op.drop_table("audit_entry")
