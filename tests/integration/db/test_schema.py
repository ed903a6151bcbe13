"""The migrations build exactly the tables the code declares, and take them away again,
on SQLite and PostgreSQL.

One row of ``DECLARED`` a part of the hub that owns tables: the migrated database (at
head, so a later migration that changes an earlier part's table is checked too) is
compared with that part's table definitions by Alembic's autogenerate, and every table
the migrations make must belong to one part. Going down from the part's migrations
removes its tables and nothing of the parts before it. A part that adds tables adds a
row here. Every table is a table model on ``SQLModel.metadata`` (see "How tables are
defined" in ``docs/architecture.md``), and the migrations make exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Index, MetaData, Table, inspect
from sqlmodel import SQLModel

import hub.commands.models  # noqa: F401 - declares the command tables
from hub.alarms.tables import ALARM_TABLES
from hub.api.audit.tables import API_TABLES
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.domain.models import DOMAIN_TABLES
from hub.firmware.tables import FIRMWARE_TABLES
from hub.registry.models import CONTENT_TABLES
from hub.store.schema import STORE_TABLES
from tests.support.databases import migrated_database
from tests.support.migrations import downgrade


def _sqlmodel(*names: str) -> Callable[[], list[Table]]:
    return lambda: [SQLModel.metadata.tables[name] for name in names]


def _none() -> list[Table]:
    return []


@dataclass(frozen=True)
class Declared:
    """A part of the hub, the tables it declares, and other parts' tables its foreign
    keys refer to (compared too, owned by their own part)."""

    part: str
    migrations: tuple[str, str]  # (the revision before its first, its last)
    tables: Callable[[], list[Table]]
    refers_to: Callable[[], list[Table]] = _none

    def own(self) -> list[str]:
        return [table.name for table in self.tables()]

    def metadata(self) -> MetaData:
        """The part's tables and those they refer to, copied (tests may change the copy)."""
        copy = MetaData()
        for table in [*self.refers_to(), *self.tables()]:
            table.to_metadata(copy)
        return copy


DECLARED = [
    Declared("registry", ("base", "0001"), _sqlmodel(*CONTENT_TABLES)),
    Declared("store", ("0001", "0007"), _sqlmodel(*sorted(STORE_TABLES))),
    Declared("commands", ("0002", "0003"), _sqlmodel("command", "command_reply")),
    Declared("domain", ("0003", "0004"), _sqlmodel(*sorted(DOMAIN_TABLES))),
    Declared("api", ("0004", "0005"), _sqlmodel(*sorted(API_TABLES))),
    Declared("alarms", ("0005", "0006"), _sqlmodel(*sorted(ALARM_TABLES))),
    Declared(
        "firmware",
        ("0007", "0008"),
        _sqlmodel(*sorted(FIRMWARE_TABLES)),
        refers_to=_sqlmodel("node"),
    ),
    Declared("registry change feed", ("0009", "0010"), _sqlmodel("registry_change")),
]
parts = pytest.mark.parametrize("declared", DECLARED, ids=lambda d: d.part)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One database per dialect, migrated to head; the tests only read it."""
    with migrated_database(request.param, tmp_path_factory.mktemp("schema")) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def differences(engine: Engine, target: MetaData) -> list[Any]:
    """What autogenerate would change to make the database's copy of ``target``'s tables
    equal to ``target`` (other tables are left out on both sides)."""
    names = set(target.tables)

    def include(name: str | None, type_: str, _parent: object) -> bool:
        return type_ != "table" or name in names

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include, "compare_type": True}
        )
        return list(compare_metadata(context, target))


@parts
def test_migrated_schema_equals_the_declared_tables(migrated: Engine, declared: Declared) -> None:
    target = declared.metadata()
    assert set(target.tables) <= set(inspect(migrated).get_table_names())
    assert differences(migrated, target) == []


@parts
def test_the_comparison_notices_a_difference(migrated: Engine, declared: Declared) -> None:
    """The check above can fail for every part: an index the migrations lack is reported."""
    changed = declared.metadata()
    first = changed.tables[declared.own()[0]]
    Index("ix_not_migrated", *first.primary_key.columns)
    diffs = differences(migrated, changed)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_not_migrated"


def test_every_migrated_table_is_declared_by_one_part(migrated: Engine) -> None:
    owners: dict[str, list[str]] = {}
    for declared in DECLARED:
        for name in declared.own():
            owners.setdefault(name, []).append(declared.part)
    assert {name: parts for name, parts in owners.items() if len(parts) > 1} == {}
    migrated_tables = set(inspect(migrated).get_table_names()) - {"alembic_version"}
    assert migrated_tables == set(owners)


def test_every_migrated_table_is_a_table_model_on_the_one_metadata(migrated: Engine) -> None:
    """The hub declares tables one way (SQLModel classes on ``SQLModel.metadata``): the
    migrated database holds exactly the tables of that metadata."""
    migrated_tables = set(inspect(migrated).get_table_names()) - {"alembic_version"}
    assert migrated_tables == set(SQLModel.metadata.tables)


@parts
def test_going_down_removes_the_parts_tables_and_nothing_before(
    database_url: str, declared: Declared
) -> None:
    before, last = declared.migrations
    earlier = {
        name
        for other in DECLARED
        if before != "base" and other.migrations[1] <= before
        for name in other.own()
    }
    engine = make_engine(database_url)
    upgrade(engine, last)
    assert set(declared.own()) <= set(inspect(engine).get_table_names())
    downgrade(engine, before)
    left = set(inspect(engine).get_table_names())
    assert not set(declared.own()) & left
    assert earlier <= left
    engine.dispose()
