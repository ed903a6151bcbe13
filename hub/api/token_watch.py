"""Open event streams end soon after their token is revoked, expires or is deleted.

A stream is authorised once, when it opens, and may then stay open for hours. ``hub
token revoke`` runs in another process and only writes the database, so each API process
checks the tokens of its open streams itself: one query for all of them every
``interval_s`` (``HUB_API_STREAM_TOKEN_CHECK_S``, 0.5 s), run off the event loop, and
only while a stream is open. Nothing is queried per event. A stream whose token is no
longer valid has its ``ended`` event set, and closes.

A failed check (the database unreachable) leaves the streams open and is retried on the
next tick: an outage says nothing about whether a token was revoked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hub.registry.tokens import still_valid

log = logging.getLogger(__name__)


class TokenWatch:
    """The tokens of this process's open streams, checked on a timer."""

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._open: dict[int, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None
        self.checks = 0  # completed checks, for tests and curiosity

    @property
    def watched(self) -> int:
        return len(self._open)

    @contextlib.contextmanager
    def watch(self, token_id: int) -> Iterator[asyncio.Event]:
        """An event set once ``token_id`` is no longer valid, for as long as the block
        runs. Starts the checking task if it is not running (it stops by itself when
        no stream is left)."""
        ended = asyncio.Event()
        self._open.setdefault(token_id, set()).add(ended)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="token-watch")
        try:
            yield ended
        finally:
            waiting = self._open.get(token_id)
            if waiting is not None:
                waiting.discard(ended)
                if not waiting:
                    del self._open[token_id]

    async def _run(self) -> None:
        while self._open:
            await asyncio.sleep(self._interval_s)
            token_ids = tuple(self._open)
            if not token_ids:
                break
            try:
                valid = await asyncio.to_thread(self._still_valid, token_ids)
            except SQLAlchemyError as exc:
                log.warning("cannot check the tokens of open event streams: %s", exc)
                continue
            self.checks += 1
            for token_id in token_ids:
                if token_id not in valid:
                    for ended in self._open.pop(token_id, ()):
                        ended.set()

    def _still_valid(self, token_ids: tuple[int, ...]) -> set[int]:
        with Session(self._engine) as session:
            return still_valid(session, token_ids)
