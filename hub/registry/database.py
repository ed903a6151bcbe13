"""The registry's database for command-line tools: engine from settings, migrated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from hub.config import Settings
from hub.db.engine import make_engine
from hub.db.migrate import upgrade


@contextmanager
def migrated_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on ``settings.database_url`` with every migration applied, disposed of
    on exit."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
