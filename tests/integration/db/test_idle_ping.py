"""PostgreSQL connections are pinged before use only after they have been idle a while:
a connection whose server session died while it sat idle is replaced before a request
uses it, and one back in the pool a moment ago goes straight to work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from hub.db.engine import make_engine


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill_pooled_session(postgres_url: str, engine: Engine) -> int:
    """Use ``engine``'s one pooled connection, then end its server session from outside
    (as a server restart or an administrator would); the dead session's pid."""
    pid = _backend_pid(engine)
    admin = make_engine(postgres_url)
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()
    return pid


@pytest.fixture
def engines(postgres_url: str) -> Iterator[dict[str, Engine]]:
    made = {
        "always": make_engine(postgres_url, idle_ping_s=0.0),
        "never": make_engine(postgres_url, idle_ping_s=3600.0),
    }
    yield made
    for engine in made.values():
        engine.dispose()


def test_an_idle_connection_whose_session_died_is_replaced_before_use(
    postgres_url: str, engines: dict[str, Engine]
) -> None:
    engine = engines["always"]
    dead = _kill_pooled_session(postgres_url, engine)
    # The one pooled connection is dead; its ping fails and the pool opens another.
    alive = _backend_pid(engine)
    assert alive != dead


def test_a_connection_used_a_moment_ago_is_not_pinged(
    postgres_url: str, engines: dict[str, Engine]
) -> None:
    engine = engines["never"]
    dead = _kill_pooled_session(postgres_url, engine)
    # No ping within the idle window: the statement itself meets the dead session...
    with pytest.raises(DBAPIError) as failure:
        _backend_pid(engine)
    assert failure.value.connection_invalidated
    # ...and SQLAlchemy has replaced the pool's connections for the next request.
    assert _backend_pid(engine) != dead
