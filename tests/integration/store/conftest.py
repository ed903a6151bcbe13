"""A migrated store on SQLite and on PostgreSQL, created once per test module (creating a
PostgreSQL database per test would cost seconds each); every test starts on empty tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from hub.db.engine import make_engine
from hub.store.schema import dead_letter, event, presence_change, telemetry, telemetry_metric, twin
from tests.support.databases import migrated_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per module and dialect, migrated to head."""
    with migrated_database(request.param, tmp_path_factory.mktemp("store")) as url:
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
        for table in (telemetry, telemetry_metric, event, presence_change, dead_letter, twin):
            conn.execute(delete(table))
