"""Follow the registry's change feed and hand each batch of changes to listeners.

The watcher remembers the revision it applied last and reads the changes after it every
``interval_s`` (half a second by default), or at once when poked (a device the hub does
not know just spoke). Reads run in a worker thread; listeners run on the event loop, in
order, and do their own database reads in threads. Every replica (and every process of
a replica) runs its own watcher, so a change made anywhere reaches all of them.

At start the watcher reads the newest revision and then gives listeners one *initial*
change set covering everything (the devices loaded when the hub was built may be older
than that revision); from then on, only what changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.event_wait import set_within
from hub.registry.change_feed import Change, changes_since, latest_revision, summary

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
MIN_GAP_S = 0.1  # pokes (a flood of messages from unknown devices) read at most this often
READ_LIMIT = 1000
FULL_RELOAD_AFTER = 500  # more device changes than this in one read: reload everything


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What changed since the previous change set.

    ``everything``: reload all devices and refresh every online door (the registry was
    reseeded, or too much changed to go one by one). ``initial``: the watcher's first set,
    given at start; nothing needs pushing to devices for it."""

    revision: int
    device_ids: frozenset[str] = frozenset()
    building_ids: frozenset[int] = frozenset()
    everything: bool = False
    initial: bool = False
    changes: tuple[Change, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, changes: Sequence[Change]) -> ChangeSet:
        devices = {c.entity_id for c in changes if c.entity == "device"}
        buildings = {c.building_id for c in changes if c.building_id is not None}
        everything = any(c.entity == "registry" for c in changes)
        return cls(
            revision=changes[-1].revision,
            device_ids=frozenset(devices),
            building_ids=frozenset(buildings),
            everything=everything or len(devices) > FULL_RELOAD_AFTER,
            changes=tuple(changes),
        )


class RegistryListener(Protocol):
    """Told of every change set, in revision order (awaited before the next one)."""

    async def on_registry_changes(self, changes: ChangeSet) -> None: ...


class RegistryWatcher:
    def __init__(
        self,
        engine: Engine,
        listeners: Sequence[RegistryListener],
        *,
        interval_s: float = POLL_INTERVAL_S,
        read: Callable[[Engine, int, int], list[Change]] = changes_since,
    ) -> None:
        self._engine = engine
        self._listeners = tuple(listeners)
        self._interval_s = interval_s
        self._read = read
        self._wake = asyncio.Event()
        self._applied = asyncio.Condition()
        self.revision: int | None = None  # None until started
        self.failures = 0

    def poke(self, _device_id: str | None = None) -> None:
        """Look at the feed now rather than at the next interval (cheap, loop only)."""
        self._wake.set()

    async def wait_for(self, revision: int) -> None:
        """Until the changes up to ``revision`` have been handed to every listener."""
        async with self._applied:
            await self._applied.wait_for(
                lambda: self.revision is not None and self.revision >= revision
            )

    async def run(self) -> None:
        """Start (see the module doc), then follow the feed until cancelled."""
        start = await self._retrying(lambda: latest_revision(self._engine))
        while not await self._deliver(ChangeSet(start, everything=True, initial=True)):
            await self._pause()
        while True:
            await self.step()
            await self._pause()

    async def _pause(self) -> None:
        """Until the next interval, or a poke (but at least :data:`MIN_GAP_S`)."""
        await asyncio.sleep(min(MIN_GAP_S, self._interval_s))
        await set_within(self._wake, self._interval_s)
        self._wake.clear()

    async def step(self) -> int:
        """Read and deliver what changed since the last revision; how many changes."""
        assert self.revision is not None, "run() first"
        delivered = 0
        while True:
            after = self.revision
            try:
                changes = await asyncio.to_thread(self._read, self._engine, after, READ_LIMIT)
            except SQLAlchemyError:
                self.failures += 1
                log.exception("registry watcher: reading the change feed failed; retrying")
                return delivered
            if not changes:
                return delivered
            log.info("registry: %s up to revision %d", summary(changes), changes[-1].revision)
            if not await self._deliver(ChangeSet.of(changes)):
                return delivered  # a listener could not read the database: again later
            delivered += len(changes)
            if len(changes) < READ_LIMIT:
                return delivered

    async def _deliver(self, changes: ChangeSet) -> bool:
        """Hand ``changes`` to every listener; False (revision not advanced, so the same
        changes come again) if one of them could not reach the database. Listeners make
        applying a change twice harmless."""
        for listener in self._listeners:
            try:
                await listener.on_registry_changes(changes)
            except SQLAlchemyError:
                self.failures += 1
                log.exception(
                    "registry watcher: %s could not read the registry; retrying revision %d",
                    type(listener).__name__,
                    changes.revision,
                )
                return False
            except Exception:  # the loop's edge: one listener must not stop the others
                self.failures += 1
                log.exception(
                    "registry watcher: %s failed on revision %d",
                    type(listener).__name__,
                    changes.revision,
                )
        async with self._applied:
            self.revision = changes.revision
            self._applied.notify_all()
        return True

    async def _retrying(self, read: Callable[[], int]) -> int:
        while True:
            try:
                return await asyncio.to_thread(read)
            except SQLAlchemyError:
                self.failures += 1
                log.exception("registry watcher: cannot read the registry's revision; retrying")
                await self._pause()
