"""Migration 0004 builds exactly the tables of hub.domain.models, on both databases, and
takes them away again on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Index, MetaData, inspect

from hub.db.engine import make_engine
from hub.db.migrate import MIGRATIONS_DIR, upgrade
from hub.domain.models import ACCESS_LOG, DEX_AUDIT, DOMAIN_TABLES, PARCEL, VENDING_SALE


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)  # the tables as they are now (0009 widened device ids)
    yield engine
    engine.dispose()


def domain_metadata() -> MetaData:
    metadata = MetaData()
    for table in (ACCESS_LOG, PARCEL, VENDING_SALE, DEX_AUDIT):
        table.to_metadata(metadata)
    return metadata


def differences(engine: Engine, target: MetaData) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "table" or name in DOMAIN_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return list(compare_metadata(context, target))


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= DOMAIN_TABLES
    assert differences(engine, domain_metadata()) == []


def test_the_comparison_notices_a_difference(engine: Engine) -> None:
    changed = domain_metadata()
    Index("ix_not_migrated", changed.tables["parcel"].c.tracking)
    diffs = differences(engine, changed)
    assert [d[0] for d in diffs] == ["add_index"]


def test_downgrade_removes_the_domain_tables(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    tables = set(inspect(engine).get_table_names())
    assert not DOMAIN_TABLES & tables
    assert "command" in tables  # the revision before ours is untouched
