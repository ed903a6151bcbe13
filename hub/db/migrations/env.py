"""Alembic environment: migrations run on the connection handed in by hub.db.migrate."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via hub.db.migrate
    raise RuntimeError("run migrations through `hub migrate` (hub.db.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
