"""Throwaway databases: a SQLite file per test, a fresh PostgreSQL database per test, or
one migrated database of either kind for a module's tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from hub.db.engine import make_engine, normalise_url
from hub.db.migrate import upgrade
from tests.support.requirements import missing

POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def required_postgres_admin_url() -> str:
    """The admin URL; without one the test is skipped, or fails under CI (``CI`` set)."""
    admin = postgres_admin_url()
    if admin is None:
        missing(f"PostgreSQL not configured: set {POSTGRES_ENV} to run these", "CI")
    return admin


@contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """Create an empty database beside ``admin_url``'s, yield its URL, drop it after."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = normalise_url(admin_url).rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def migrated_database(kind: str, folder: Path) -> Iterator[str]:
    """A database migrated to head, ``kind`` "sqlite" (a file in ``folder``) or
    "postgres" (a fresh one, dropped after); its URL."""
    with ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'hub.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database(required_postgres_admin_url()))
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
