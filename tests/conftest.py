"""Shared fixtures: settings, databases (SQLite and PostgreSQL), private brokers, vectors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from tests.support.broker import PrivateMosquitto, mosquitto_available
from tests.support.databases import fresh_postgres_database, required_postgres_admin_url
from tests.support.requirements import missing

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_VECTORS = REPO_ROOT.parent / "shared" / "vectors"
TEST_SECRET_KEY = "test-secret-key-0123456789"


LAYERS = ("unit", "contract", "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer, its first folder under tests/ (``-m contract``,
    ``-m "not integration"``); ``pytest tests/contract`` runs one layer as well."""
    for item in items:
        parts = item.path.relative_to(REPO_ROOT).parts
        if len(parts) > 2 and parts[0] == "tests" and parts[1] in LAYERS:
            item.add_marker(parts[1])


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not SHARED_VECTORS.is_dir():
        missing(f"public test vectors not found at {SHARED_VECTORS}", "HUB_TEST_REQUIRE_VECTORS")
    return SHARED_VECTORS


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database(required_postgres_admin_url()) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def settings_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings for one test. The instance id and share group get a suffix unique to the
    test: a hub's MQTT session outlives its connection (that is the point of it), and a
    persistent member of a shared subscription keeps receiving its share while away, so
    tests on one broker must never reuse each other's sessions or groups."""
    token = uuid.uuid4().hex[:8]

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": f"sqlite:///{tmp_path / 'hub.db'}",
            "secret_key": TEST_SECRET_KEY,
            "api_port": 0,
            "share_group": f"g{token}",
            "ingest_workers": 0,  # one worker in the test's own loop; some tests set more
        }
        values.update(overrides)
        values["instance_id"] = f"{overrides.get('instance_id', 'test-hub')}-{token}"
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def mosquitto_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateMosquitto]:
    """One private broker shared by the tests that do not disturb it."""
    if not mosquitto_available():
        missing("mosquitto binary not installed", "CI")
    broker = PrivateMosquitto(workdir=tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def private_mosquitto(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A broker of this test's own, to restart or misconfigure."""
    if not mosquitto_available():
        missing("mosquitto binary not installed", "CI")
    broker = PrivateMosquitto(workdir=tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()
