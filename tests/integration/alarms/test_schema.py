"""Migration 0006 builds exactly the tables of hub.alarms.tables, on both databases, keeps
one open alarm per device and type, and takes the tables away again on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Index, MetaData, insert, inspect, update
from sqlalchemy.exc import IntegrityError

from hub.alarms.tables import ALARM, ALARM_HISTORY, ALARM_TABLES
from hub.db.engine import make_engine
from hub.db.migrate import MIGRATIONS_DIR, upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)  # the tables as they are now (0009 widened device ids)
    yield engine
    engine.dispose()


def alarm_metadata() -> MetaData:
    metadata = MetaData()
    for table in (ALARM, ALARM_HISTORY):
        table.to_metadata(metadata)
    return metadata


def differences(engine: Engine, target: MetaData) -> list[Any]:
    def include(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "table" or name in ALARM_TABLES

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return list(compare_metadata(context, target))


def test_migrated_schema_equals_the_tables(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= ALARM_TABLES
    assert differences(engine, alarm_metadata()) == []


def test_the_comparison_notices_a_difference(engine: Engine) -> None:
    changed = alarm_metadata()
    Index("ix_not_migrated", changed.tables["alarm"].c.raised_ms)
    assert [d[0] for d in differences(engine, changed)] == ["add_index"]


def row(state: str = "active") -> dict[str, Any]:
    return {
        "device_id": "door-0001",
        "device_kind": "door",
        "device_path": "c/d/s/c1/b1",
        "type": "tamper",
        "severity": "critical",
        "state": state,
        "raised_ms": 1,
        "last_ms": 1,
        "occurrences": 1,
        "condition_active": True,
        "latching": False,
        "stock_unsellable": False,
        "details": {},
        "updated_ms": 1,
    }


def test_one_open_alarm_per_device_and_type(engine: Engine) -> None:
    with engine.begin() as conn:
        first = conn.execute(insert(ALARM).values(row()).returning(ALARM.c.id)).scalar_one()
        conn.execute(insert(ALARM).values(row("cleared")))  # history of cleared ones: fine
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ALARM).values(row("acknowledged")))
    with engine.begin() as conn:
        conn.execute(update(ALARM).where(ALARM.c.id == first).values(state="cleared"))
        conn.execute(insert(ALARM).values(row()))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(ALARM).values(row("unknown")))


def test_downgrade_removes_the_alarm_tables(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert not ALARM_TABLES & set(inspect(engine).get_table_names())
