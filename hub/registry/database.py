"""The registry's database for command-line tools: engine from settings, migrated."""

from __future__ import annotations

from sqlalchemy import Engine

from hub.config import Settings
from hub.db.engine import make_engine
from hub.db.migrate import upgrade


def open_migrated(settings: Settings) -> Engine:
    """An engine on ``settings.database_url`` with every migration applied."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine
