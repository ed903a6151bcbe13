"""Registry fixtures: a small seeded fleet, on SQLite and on PostgreSQL.

``seeded`` is a fresh fleet per test (on the migrated ``engine`` of
tests/integration/conftest.py), for tests that change it. ``fleet`` is one
fleet per module and database kind, for tests that only read it (or only add rows of
their own): creating and migrating a PostgreSQL database costs more than most tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.registry.fleet_plan import FleetSize
from hub.registry.seeding import SeedReport, seed_registry
from tests.support.databases import migrated_database

SECRET_KEY = "registry-test-secret-key"
SMALL = FleetSize(communities=8, residents_per_building=5)


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    report: SeedReport
    secrets: dict[str, Any]

    def session(self) -> Session:
        return Session(self.engine)

    def reseed(self, folder: Path, size: FleetSize = SMALL) -> SeedReport:
        """Seed over this fleet again (``force``) from another seed, the new secrets in
        ``folder``."""
        return seed_registry(
            self.engine,
            secret_key=SECRET_KEY,
            seed=8,
            secrets_path=folder / "again.json",
            size=size,
            force=True,
        )


def _seed(engine: Engine, folder: Path) -> Seeded:
    upgrade(engine)
    secrets_path = folder / "secrets.json"
    report = seed_registry(
        engine, secret_key=SECRET_KEY, seed=7, secrets_path=secrets_path, size=SMALL
    )
    return Seeded(engine, report, json.loads(secrets_path.read_text()))


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Seeded:
    return _seed(engine, tmp_path)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fleet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    folder = tmp_path_factory.mktemp("registry")
    with migrated_database(request.param, folder) as url:
        engine = make_engine(url)
        yield _seed(engine, folder)
        engine.dispose()
