"""Fixtures the integration tests share: an empty or a migrated database, and a hub's
settings with the tiny fleet in its database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import pytest
from sqlalchemy import Engine

from hub.config import Settings
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from tests.support.tiny_fleet import TinyFleet, create_tiny_fleet


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database (for tests that migrate it themselves), once on
    SQLite and once on PostgreSQL."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a database migrated to head, once on SQLite and once on PostgreSQL."""
    upgrade(empty_engine)
    return empty_engine


class TinyFleetDatabase(NamedTuple):
    settings: Settings
    engine: Engine
    fleet: TinyFleet


@pytest.fixture
def with_tiny_fleet(
    settings_factory: Callable[..., Settings],
) -> Iterator[Callable[..., TinyFleetDatabase]]:
    """``with_tiny_fleet(**overrides)``: the test's settings (``settings_factory``), an
    engine on their database, and the tiny fleet created there with their secret key.
    The engines are disposed after the test."""
    engines: list[Engine] = []

    def make(**overrides: object) -> TinyFleetDatabase:
        settings = settings_factory(**overrides)
        engine = make_engine(settings.database_url)
        engines.append(engine)
        return TinyFleetDatabase(
            settings, engine, create_tiny_fleet(engine, settings.effective_secret_key)
        )

    yield make
    for engine in engines:
        engine.dispose()
