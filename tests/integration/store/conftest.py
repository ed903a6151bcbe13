"""A migrated store on SQLite and on PostgreSQL, created once per test module (creating a
PostgreSQL database per test would cost seconds each); every test starts on empty tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, delete

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.store.schema import metadata
from tests.support.databases import fresh_postgres_database, required_postgres_admin_url


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per module and dialect, migrated to head."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'hub.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database(required_postgres_admin_url()))
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def module_engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(module_engine: Engine) -> Iterator[Engine]:
    """The module's store, emptied after the test."""
    yield module_engine
    with module_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
