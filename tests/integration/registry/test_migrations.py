"""The migrations reach head and run again harmlessly; the registry's tables go away on
downgrade and come back (tests/integration/db/test_schema.py checks that the migrations
build exactly the registry models' tables)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from hub.db.migrate import current_revision, head_revision, upgrade
from hub.registry.models import REGISTRY_TABLES
from tests.support.migrations import downgrade


def test_upgrade_reaches_head_and_is_idempotent(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(REGISTRY_TABLES) <= set(inspect(empty_engine).get_table_names())


def test_downgrade_removes_the_registry(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert not set(REGISTRY_TABLES) & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert set(REGISTRY_TABLES) <= set(inspect(empty_engine).get_table_names())
