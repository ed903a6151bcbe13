"""Migration 0002 builds exactly the tables of hub.store.schema, on both databases."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Index, MetaData, inspect

from hub.db.engine import make_engine
from hub.db.migrate import MIGRATIONS_DIR, upgrade
from hub.store.schema import STORE_TABLES, metadata


def _differences(engine: Engine, target: MetaData) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "table" or name in STORE_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return list(compare_metadata(context, target))


def test_migrated_schema_equals_the_tables(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= STORE_TABLES
    assert _differences(engine, metadata) == []


def test_the_comparison_notices_a_difference(engine: Engine) -> None:
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    Index("ix_not_migrated", changed.tables["event"].c.received_ms)
    diffs = _differences(engine, changed)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_not_migrated"


def test_downgrade_removes_the_store_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0002")  # only up to ours: later revisions are not this test's business
    assert set(inspect(engine).get_table_names()) >= STORE_TABLES
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not STORE_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
