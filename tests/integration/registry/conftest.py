"""Registry fixtures: a migrated engine on SQLite or PostgreSQL, and a small seeded fleet."""

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

SECRET_KEY = "registry-test-secret-key"
SMALL = FleetSize(communities=8, residents_per_building=5)


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    report: SeedReport
    secrets: dict[str, Any]

    def session(self) -> Session:
        return Session(self.engine)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Seeded:
    secrets_path = tmp_path / "secrets.json"
    report = seed_registry(
        engine, secret_key=SECRET_KEY, seed=7, secrets_path=secrets_path, size=SMALL
    )
    return Seeded(engine, report, json.loads(secrets_path.read_text()))
