"""The migrations reach head and run again harmlessly; the registry's tables go away on
downgrade and come back (tests/integration/db/test_schema.py checks that the migrations
build exactly the registry models' tables)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, inspect

from hub.db.engine import make_engine
from hub.db.migrate import current_revision, head_revision, upgrade
from hub.registry.models import REGISTRY_TABLES
from tests.support.migrations import downgrade


@pytest.fixture
def engine(database_url: str) -> Any:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_upgrade_reaches_head_and_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(REGISTRY_TABLES) <= set(inspect(engine).get_table_names())


def test_downgrade_removes_the_registry(engine: Engine) -> None:
    upgrade(engine)
    downgrade(engine, "base")
    assert not set(REGISTRY_TABLES) & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(REGISTRY_TABLES) <= set(inspect(engine).get_table_names())
