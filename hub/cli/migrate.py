"""``hub migrate``: apply the database migrations."""

from __future__ import annotations

import argparse
from typing import Any

from hub.config import load_settings
from hub.db.engine import make_engine
from hub.db.migrate import current_revision, upgrade


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "migrate", help="apply database migrations (also done on every start)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    return 0
