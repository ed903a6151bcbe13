"""The command lane's right of way on the database: ingest holds its next write while a
resident's unlock is in flight.

A resident's unlock makes a few round trips to the database (its claim, the door check,
its audit row). While ingest workers drain a backlog, their batch writes keep the
database's cores busy (on PostgreSQL its server processes run at the same priority as
the front), and each of the unlock's round trips waits for a core. So the front counts
the unlocks it is serving in a few bytes of memory it shares with its workers, and a
worker about to write a batch first waits until none is in flight, for at most
``HUB_INGEST_HOLD_FOR_UNLOCKS_MS`` (25 ms by default; ingest must never starve: a steady
stream of unlocks delays each batch by that much at the worst). A batch already being
written is not interrupted. With the batch held, a worker soon stops reading, so the
broker too pauses its deliveries.

The counter is one signed 64-bit integer in a memory file the front creates and hands to
each worker process as a file descriptor; only the front's event loop writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import os
import struct
import tempfile
import time
from collections.abc import Iterator
from typing import Final

_COUNTER: Final = struct.Struct("q")
POLL_S: Final = 0.0005
INGEST_HOLD_MAX_S: Final = 0.025


class RightOfWay:
    def __init__(self, fd: int, hold_max_s: float = INGEST_HOLD_MAX_S) -> None:
        """Over the memory file ``fd``; :meth:`give_way` waits at most ``hold_max_s``."""
        self._fd = fd
        self._memory = mmap.mmap(fd, _COUNTER.size)
        self._hold_max_s = hold_max_s

    @classmethod
    def create(cls, hold_max_s: float = INGEST_HOLD_MAX_S) -> RightOfWay:
        """A new counter, at zero (the front)."""
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("hub-right-of-way")
        else:  # not Linux: an unlinked temporary file does the same
            with tempfile.TemporaryFile() as file:
                fd = os.dup(file.fileno())
        os.ftruncate(fd, _COUNTER.size)
        return cls(fd, hold_max_s)

    @classmethod
    def attach(cls, fd: int, hold_max_s: float = INGEST_HOLD_MAX_S) -> RightOfWay:
        """The front's counter, from the descriptor it passed (a worker)."""
        return cls(fd, hold_max_s)

    @property
    def fd(self) -> int:
        return self._fd

    @property
    def in_flight(self) -> int:
        value: int = _COUNTER.unpack_from(self._memory)[0]
        return value

    @contextlib.contextmanager
    def claimed(self) -> Iterator[None]:
        """Ingest holds its next writes while this block runs (the front's loop only)."""
        _COUNTER.pack_into(self._memory, 0, self.in_flight + 1)
        try:
            yield
        finally:
            _COUNTER.pack_into(self._memory, 0, self.in_flight - 1)

    async def give_way(self) -> float:
        """Wait until no claim is in flight, for at most the hold; the seconds waited."""
        if self.in_flight <= 0:
            return 0.0
        started = time.monotonic()
        deadline = started + self._hold_max_s
        # Polled: the counter is another process's memory, which no event can wait on.
        while self.in_flight > 0 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(POLL_S)
        return time.monotonic() - started
