"""The hub as Sparkplug B host application: its STATE, and rebirth requests.

STATE (Sparkplug 3.0): before each connection attempt the transport asks :meth:`will`
for the offline STATE stamped with that attempt's time; once connected (first time and
after every reconnect) :meth:`on_connected` publishes the online STATE with the same
timestamp, retained, QoS 1. Edge nodes ignore STATE messages older than the last one they
saw, so the newest connection always wins. On a clean stop the offline STATE is sent
too, as far as the connection still allows (the will covers every other ending).

Replicas: a host id has one logical STATE. Only the replica configured as primary
(``HUB_SPARKPLUG_PRIMARY``, default true) publishes it and registers the will; the other
replicas ingest Sparkplug just the same, but set ``HUB_SPARKPLUG_PRIMARY=false``.

Rebirths: a sequence gap in a node's messages means this hub missed something, so it
asks that node for a rebirth (an NCMD ``Node Control/Rebirth`` without id or expiry), at
most once per :data:`REBIRTH_INTERVAL_MS` per node. Every replica keeps its own Sparkplug
sessions, so each asks for itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from firmware_protocols.base import Outbound
from firmware_protocols.clock import wall_ms
from firmware_protocols.sparkplug_b.host_state import host_state_messages
from firmware_protocols.sparkplug_b.vending_commands import rebirth_request
from firmware_protocols.sparkplug_b.vending_model import GROUP_ID
from hub.metrics import HubMetrics
from hub.transport.base import Will
from hub.transport.errors import TransportError

log = logging.getLogger(__name__)

REBIRTH_INTERVAL_MS = 10_000


class Publisher(Protocol):
    async def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> None: ...

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None: ...


class SparkplugHost:
    """Will source and connection observer for the host's STATE."""

    def __init__(
        self, host_id: str, *, primary: bool = True, clock_ms: Callable[[], int] = wall_ms
    ) -> None:
        self.host_id = host_id
        self.primary = primary
        self._clock_ms = clock_ms
        self._online: Outbound | None = None
        self._offline: Outbound | None = None
        self._publisher: Publisher | None = None
        self._publishing: asyncio.Task[None] | None = None
        self.published = 0

    def attach(self, publisher: Publisher) -> None:
        self._publisher = publisher

    def will(self) -> Will | None:
        """The offline STATE for the connection about to be attempted (None if not primary)."""
        if not self.primary:
            return None
        self._online, self._offline = host_state_messages(self.host_id, self._clock_ms())
        return Will(self._offline.topic, self._offline.payload, qos=1, retain=True)

    def on_connected(self, generation: int, session_present: bool) -> None:
        online = self._online
        if not self.primary or online is None or self._publisher is None:
            return
        if self._publishing is not None:
            self._publishing.cancel()  # an older connection's birth is moot
        self._publishing = asyncio.get_running_loop().create_task(
            self._publish(online, generation), name="sparkplug-state"
        )

    def on_disconnected(self, generation: int, reason: str) -> None:
        pass

    async def _publish(self, message: Outbound, generation: int) -> None:
        assert self._publisher is not None
        try:
            await self._publisher.publish(message.topic, message.payload, 1, True)
        except TransportError as exc:  # lost again: the next connection publishes anew
            log.warning("STATE online not published on connection %d: %s", generation, exc)
            return
        self.published += 1
        log.info("Sparkplug host %s online (connection %d)", self.host_id, generation)

    def go_offline(self) -> None:
        """On a clean stop: queue the offline STATE ahead of the DISCONNECT, if the
        connection is still there (best effort; the will covers every other ending)."""
        offline, publisher = self._offline, self._publisher
        if not self.primary or offline is None or publisher is None:
            return
        try:
            publisher.publish_nowait(offline.topic, offline.payload, 1, True)
        except TransportError as exc:
            log.info("STATE offline not published on stop: %s", exc)

    async def close(self) -> None:
        task, self._publishing = self._publishing, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


class RebirthLimiter:
    """At most one rebirth request per node per ``interval_ms`` (pure)."""

    def __init__(self, interval_ms: int = REBIRTH_INTERVAL_MS) -> None:
        self._interval_ms = interval_ms
        self._last: dict[str, int] = {}

    def allow(self, node_id: str, now_ms: int) -> bool:
        last = self._last.get(node_id)
        if last is not None and now_ms - last < self._interval_ms:
            return False
        self._last[node_id] = now_ms
        return True


class Rebirths:
    """Ask edge nodes for a rebirth after a sequence gap, rate-limited per node."""

    def __init__(
        self,
        publisher: Publisher,
        metrics: HubMetrics,
        clock_ms: Callable[[], int],
        limiter: RebirthLimiter | None = None,
        group_id: str = GROUP_ID,
    ) -> None:
        self._publisher = publisher
        self._metrics = metrics
        self._clock_ms = clock_ms
        self._limiter = limiter or RebirthLimiter()
        self._group_id = group_id
        self.requested = 0

    async def on_gap(self, node_id: str) -> bool:
        """Request a rebirth of ``node_id`` unless one was requested just before."""
        now = self._clock_ms()
        if not self._limiter.allow(node_id, now):
            return False
        request = rebirth_request(self._group_id, node_id, now)
        try:
            await self._publisher.publish(request.topic, request.payload, request.qos, False)
        except TransportError as exc:
            log.warning("rebirth request to %s not sent: %s", node_id, exc)
            self._metrics.commands.labels("vending", "rebirth", "failed").inc()
            return False
        self.requested += 1
        self._metrics.commands.labels("vending", "rebirth", "sent").inc()
        log.info("requested a rebirth of %s after a sequence gap", node_id)
        return True
