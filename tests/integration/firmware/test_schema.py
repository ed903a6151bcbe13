"""Migration 0008 builds exactly the tables of hub.firmware.tables, on both databases, and
takes them away again on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, inspect
from sqlmodel import SQLModel

import hub.registry.models  # noqa: F401 - the node table the windows refer to
from hub.db.engine import make_engine
from hub.db.migrate import MIGRATIONS_DIR, upgrade
from hub.firmware.tables import FIRMWARE_TABLES, metadata


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)  # the tables as they are now (0009 widened device ids)
    yield engine
    engine.dispose()


def firmware_metadata() -> MetaData:
    target = MetaData()
    SQLModel.metadata.tables["node"].to_metadata(target)
    for table in metadata.tables.values():
        table.to_metadata(target)
    return target


def differences(engine: Engine, target: MetaData) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "table" or name in FIRMWARE_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return [d for d in compare_metadata(context, target) if not _about_node(d)]


def _about_node(difference: Any) -> bool:
    """The node table is only there for the windows' foreign key; migration 0001 owns it."""
    subject = difference[1]
    table = getattr(subject, "table", subject)
    return getattr(table, "name", None) == "node"


def test_migrated_schema_equals_the_tables(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= FIRMWARE_TABLES
    assert differences(engine, firmware_metadata()) == []


def test_the_comparison_notices_a_difference(engine: Engine) -> None:
    changed = firmware_metadata()
    changed.tables["firmware_campaign"].append_column(Column("extra", Integer))
    assert [d[0] for d in differences(engine, changed)] == ["add_column"]


def test_downgrade_removes_the_firmware_tables(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    assert not FIRMWARE_TABLES & set(inspect(engine).get_table_names())
