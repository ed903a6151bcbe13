"""Migration 0001 builds exactly the tables the registry models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, inspect
from sqlmodel import SQLModel

import hub.registry.models  # noqa: F401 - registers the tables on SQLModel.metadata
from hub.db.engine import make_engine
from hub.db.migrate import MIGRATIONS_DIR, current_revision, head_revision, upgrade
from hub.registry.models import REGISTRY_TABLES


@pytest.fixture
def engine(database_url: str) -> Any:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _registry_differences(engine: Engine, metadata: MetaData) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        # reflected side: leave out the other migrations' tables
        return type_ != "table" or name in REGISTRY_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))


def test_upgrade_reaches_head_and_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert set(REGISTRY_TABLES) <= set(inspect(engine).get_table_names())


def _registry_metadata() -> MetaData:
    """The registry's tables alone (other modules add theirs to SQLModel.metadata)."""
    registry = MetaData()
    for name in REGISTRY_TABLES:
        SQLModel.metadata.tables[name].to_metadata(registry)
    return registry


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    upgrade(engine)
    assert _registry_differences(engine, _registry_metadata()) == []


def test_comparison_notices_a_difference(engine: Engine) -> None:
    """The check above can fail: a model with one more column is reported."""
    upgrade(engine)
    altered = _registry_metadata()
    altered.tables["device"].append_column(Column("extra", Integer))
    differences = _registry_differences(engine, altered)
    assert [d[0] for d in differences] == ["add_column"]
    assert (differences[0][2], differences[0][3].name) == ("device", "extra")


def test_downgrade_removes_the_registry(engine: Engine) -> None:
    upgrade(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not set(REGISTRY_TABLES) & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(REGISTRY_TABLES) <= set(inspect(engine).get_table_names())
