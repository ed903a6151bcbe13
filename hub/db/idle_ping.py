"""Ping a pooled PostgreSQL connection only when it has been idle for a while.

SQLAlchemy's ``pool_pre_ping`` tests every connection at every check-out: one round trip
to the server before any work. A resident's unlock checks out a connection three times
(its token, its idempotency claim, its audit row), so that was three of its round trips,
each waiting for a core the server shares with the ingest workers' writes. A connection
that came back to the pool a moment ago was working a moment ago: it is pinged only when
it has been idle for :data:`IDLE_PING_S` or longer. A server that restarts or drops its
sessions takes longer than that to come back, so every connection that outlived it is
pinged (and replaced) before use; a session killed on its own within that second fails
its next statement once, and SQLAlchemy then replaces every connection of the pool.

The pool hands out the most recently returned connection first (``pool_use_lifo``), so
under load the same few connections stay warm and are never pinged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

IDLE_PING_S: Final = 1.0
_IDLE_SINCE: Final = "hub_idle_since"


def ping_when_idle(
    engine: Engine, idle_s: float = IDLE_PING_S, clock: Callable[[], float] = time.monotonic
) -> None:
    """Install the check-out ping on ``engine``'s pool (made without ``pool_pre_ping``)."""
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _note_idle(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = clock()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or clock() - since < idle_s:
            return  # new, or back in the pool only a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out a fresh one.
            raise DisconnectionError(f"idle connection failed its ping: {exc}") from exc
