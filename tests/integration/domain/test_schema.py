"""Migration 0004's domain tables go away again on downgrade, on both databases
(tests/integration/db/test_schema.py checks that the migrations build exactly
hub.domain.models)."""

from __future__ import annotations

from sqlalchemy import inspect

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.domain.models import DOMAIN_TABLES
from tests.support.migrations import downgrade


def test_downgrade_removes_the_domain_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0004")
    assert set(inspect(engine).get_table_names()) >= DOMAIN_TABLES
    downgrade(engine, "0003")
    tables = set(inspect(engine).get_table_names())
    assert not DOMAIN_TABLES & tables
    assert "command" in tables  # the revision before ours is untouched
    engine.dispose()
