"""Connection observers: broker metrics, and a fan-out so several parts can listen."""

from __future__ import annotations

import logging
from collections.abc import Callable

from hub.metrics import HubMetrics
from hub.transport.base import ConnectionObserver

log = logging.getLogger(__name__)


class BrokerMetrics:
    def __init__(self, metrics: HubMetrics) -> None:
        self._metrics = metrics

    def on_connected(self, generation: int, session_present: bool) -> None:
        self._metrics.broker_connected.set(1)
        if generation > 1:
            self._metrics.broker_reconnects.inc()
        log.info(
            "connected to broker (connection %d, session present: %s)", generation, session_present
        )

    def on_disconnected(self, generation: int, reason: str) -> None:
        self._metrics.broker_connected.set(0)
        log.warning("broker connection %d lost: %s", generation, reason)


class ConnectionObservers:
    """Tells every registered observer; one observer's bug does not silence the others."""

    def __init__(self) -> None:
        self._observers: list[ConnectionObserver] = []

    def add(self, observer: ConnectionObserver) -> None:
        self._observers.append(observer)

    def on_connected(self, generation: int, session_present: bool) -> None:
        self._tell(lambda observer: observer.on_connected(generation, session_present))

    def on_disconnected(self, generation: int, reason: str) -> None:
        self._tell(lambda observer: observer.on_disconnected(generation, reason))

    def _tell(self, news: Callable[[ConnectionObserver], None]) -> None:
        for observer in self._observers:
            try:
                news(observer)
            except Exception:  # an observer's bug must not break the connection
                log.exception("connection observer %r failed", observer)
