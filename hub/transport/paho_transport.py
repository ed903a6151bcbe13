"""The hub's MQTT transport: one connection on the asyncio loop (:mod:`mqtt_link`, over
paho-mqtt 2.x), kept up.

``run()`` connects, restores subscriptions, and reconnects with jittered exponential backoff
after every loss (paho's own reconnect is not used). The session is persistent: MQTT 5 with
``clean_start=False`` and a session expiry, or 3.1.1 with ``clean_session=False``, under a
stable client id, so QoS 1 messages not yet acknowledged are redelivered after a crash.
QoS 1 messages are acknowledged only when the consumer calls :meth:`PahoTransport.ack`.

Inbound messages wait in a buffer of ``queue_size``; when it is full the socket is not read
until the consumer has drained it to the low-water mark. (paho may read one extra packet per
own QoS 1 publish awaiting its PUBACK in the read that fills it, so the bound can be passed
by that many.) A consumer stalled for longer than about the keepalive leaves the broker's
PINGRESP unread: paho then drops the connection, and the transport reconnects; nothing
unacknowledged is lost.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

from paho.mqtt.reasoncodes import ReasonCode

from firmware_protocols.base import Subscription
from hub.config import Settings
from hub.transport.base import ConnectionObserver, InboundMessage, Will
from hub.transport.errors import (
    NotConnectedError,
    PublishConnectionLost,
    PublishRejected,
    PublishTimeout,
    SubscribeError,
)
from hub.transport.inbox import Inbox
from hub.transport.link import Link
from hub.transport.options import TransportOptions
from mqtt_link.backoff import Backoff
from mqtt_link.errors import ConnectFailed, ConnectionLost, PublishRefused

log = logging.getLogger(__name__)

WillSource = Will | Callable[[], Will | None] | None
KEEPALIVE_TICK_S = 1.0
FILTERS_PER_PACKET = 500  # a worker subscribes to thousands of exact device topics


class PahoTransport:
    """Implements :class:`hub.transport.base.Transport` over paho-mqtt.

    ``observer`` hears about every connect and disconnect (metrics, births). ``will`` is a
    :class:`Will` or a function called before each connection attempt (a Sparkplug host's
    STATE will carries that connection's timestamp).
    """

    def __init__(
        self,
        options: TransportOptions,
        subscriptions: Sequence[Subscription] = (),
        *,
        observer: ConnectionObserver | None = None,
        will: WillSource = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options
        self._observer = observer
        self._will = will
        self._inbox = Inbox(options.queue_size, options.effective_low_water)
        self._subscriptions: dict[str, int] = {}
        for subscription in subscriptions:
            self._subscriptions[self._wire_filter(subscription)] = subscription.qos
        self._backoff = Backoff(options.backoff_initial_s, options.backoff_max_s, rng=rng)
        self._v5 = options.protocol != "3.1.1"
        self._link: Link | None = None  # the established connection, if any
        self._newest: Link | None = None  # the latest link: it may deliver before it is set up
        self._connected = asyncio.Event()
        self._running = False
        self.generation = 0  # successful connections so far
        self.reconnects = 0  # successful connections after the first
        self.failed_attempts = 0
        self.stale_acks = 0  # acks dropped: their message came on an earlier connection
        self.refused_subscriptions: list[str] = []

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        subscriptions: Sequence[Subscription] = (),
        *,
        url: str | None = None,
        observer: ConnectionObserver | None = None,
        will: WillSource = None,
        **option_overrides: Any,
    ) -> PahoTransport:
        options = TransportOptions.from_settings(settings, url, **option_overrides)
        return cls(options, subscriptions, observer=observer, will=will)

    # ------------------------------------------------------------------ state
    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def protocol_version(self) -> int | None:
        """5 or 4 (3.1.1) while connected, else None."""
        link = self._link
        return None if link is None else (5 if link.v5 else 4)

    @property
    def peak_buffered(self) -> int:
        """The most messages the inbound buffer has held at once."""
        return self._inbox.peak

    @property
    def received(self) -> int:
        """Messages received since the transport was made (redeliveries included)."""
        return self._inbox.received

    @property
    def reading_paused(self) -> bool:
        """The buffer is full and the socket is not being read."""
        return self._inbox.holding

    def buffered(self) -> int:
        return len(self._inbox)

    async def wait_connected(self) -> None:
        await self._connected.wait()

    # ------------------------------------------------------------------ consuming
    async def receive_batch(self, max_messages: int, timeout_s: float) -> list[InboundMessage]:
        return await self._inbox.get_batch(max_messages, timeout_s)

    def ack(self, message: InboundMessage) -> bool:
        if message.qos == 0:
            return True
        link = self._newest
        if link is not None and message.connection == link.generation and link.ack(message):
            return True
        self.stale_acks += 1
        return False

    # ------------------------------------------------------------------ publishing
    async def publish(
        self,
        topic: str,
        payload: bytes,
        qos: int = 1,
        retain: bool = False,
        timeout_s: float | None = None,
    ) -> None:
        future = self._live_link("publish").publish(topic, payload, qos, retain, track=True)
        if future is None:
            return
        timeout = self.options.publish_timeout_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError as exc:
            raise PublishTimeout(topic, timeout) from exc
        except ConnectionLost as exc:
            raise PublishConnectionLost(topic) from exc
        except PublishRefused as exc:
            raise PublishRejected(topic, exc.reason) from exc

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None:
        self._live_link("publish").publish(topic, payload, qos, retain, track=False)

    def _live_link(self, operation: str) -> Link:
        link = self._link
        if link is None or link.closed or not self._connected.is_set():
            raise NotConnectedError(operation)
        return link

    # ------------------------------------------------------------------ subscribing
    def _wire_filter(self, subscription: Subscription) -> str:
        group = self.options.share_group
        if subscription.shared and group:
            return f"$share/{group}/{subscription.topic_filter}"
        return subscription.topic_filter

    async def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """Add subscriptions (kept for every reconnect); if connected, subscribe now and
        raise :class:`SubscribeError` if the broker refuses any or does not answer."""
        filters = [(self._wire_filter(s), s.qos) for s in subscriptions]
        self._subscriptions.update(filters)
        link = self._link
        if link is not None and self.connected and filters:
            refused = await self._subscribe(link, filters)
            if refused:
                raise SubscribeError(refused)

    async def _subscribe(self, link: Link, filters: list[tuple[str, int]]) -> list[tuple[str, str]]:
        refused: list[tuple[str, str]] = []
        for start in range(0, len(filters), FILTERS_PER_PACKET):
            chunk = filters[start : start + FILTERS_PER_PACKET]
            try:
                async with asyncio.timeout(self.options.subscribe_timeout_s):
                    reasons = await link.subscribe(chunk)
            except TimeoutError as exc:
                raise SubscribeError([(f, "no SUBACK in time") for f, _ in chunk]) from exc
            refused += self._record_refusals(chunk, reasons)
        return refused

    async def unsubscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """Drop subscriptions (from every later reconnect too); if connected, unsubscribe
        now. Messages already queued for them may still arrive."""
        filters = [self._wire_filter(s) for s in subscriptions]
        for topic_filter in filters:
            self._subscriptions.pop(topic_filter, None)
        link = self._link
        if link is None or not self.connected or not filters:
            return
        for start in range(0, len(filters), FILTERS_PER_PACKET):
            try:
                async with asyncio.timeout(self.options.subscribe_timeout_s):
                    await link.unsubscribe(filters[start : start + FILTERS_PER_PACKET])
            except (TimeoutError, NotConnectedError):
                return  # not subscribed again after the reconnect: nothing left to undo

    def _record_refusals(
        self, filters: list[tuple[str, int]], reasons: list[ReasonCode]
    ) -> list[tuple[str, str]]:
        refused = [(f, str(r)) for (f, _), r in zip(filters, reasons, strict=False) if r.is_failure]
        for topic, reason in refused:
            log.error("broker refused subscription %s: %s", topic, reason)
            self.refused_subscriptions.append(topic)
        return refused

    # ------------------------------------------------------------------ running
    async def run(self) -> None:
        if self._running:
            raise RuntimeError("this transport is already running")
        self._running = True
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._supervise(), name="mqtt-supervisor")
                group.create_task(self._keepalive(), name="mqtt-keepalive")
        finally:
            self._running = False
            link = self._link
            if link is not None:
                link.disconnect()
                self._lost(link)

    def drop_connection(self) -> None:
        """Break the connection without DISCONNECT, as a crash or a network fault would.
        The transport notices and reconnects (for tests and fault injection)."""
        link = self._link
        if link is not None:
            link.drop()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_TICK_S)
            link = self._link
            if link is not None:
                link.tick()

    async def _supervise(self) -> None:
        while True:
            link = await self._connect()
            if link is None:
                await asyncio.sleep(self._backoff.next_delay())
                continue
            await self._establish(link)
            reason = await link.wait_closed()
            self._lost(link)
            log.warning("MQTT connection %d lost: %s", link.generation, reason)
            await asyncio.sleep(self._backoff.next_delay())

    async def _connect(self) -> Link | None:
        """One attempt, or two in ``auto`` mode when MQTT 5 may have been refused: then
        3.1.1 is tried. Only a CONNACK that refuses MQTT 5 makes 3.1.1 the choice for good;
        a silent broker gets MQTT 5 again next time. The established link, or None."""
        v5 = self._v5
        while True:
            will = self._will() if callable(self._will) else self._will
            link = Link(self.options, v5, self.generation + 1, self._inbox, will)
            self._newest = link
            try:
                await link.connect()
            except asyncio.CancelledError:
                link.close()  # leave no half-open connection behind
                raise
            except ConnectFailed as exc:
                link.close()
                auto = self.options.protocol == "auto"
                if auto and v5 and (exc.protocol_rejected or exc.unanswered):
                    log.warning("no MQTT 5 session (%s); trying MQTT 3.1.1", exc.reason)
                    self._v5 = not exc.protocol_rejected
                    v5 = False
                    continue
                self.failed_attempts += 1
                log.warning("MQTT connect to %s failed: %s", self._where(), exc.reason)
                return None
            self.generation = link.generation
            if self.generation > 1:
                self.reconnects += 1
            self._backoff.reset()
            self._link = link
            return link

    async def _establish(self, link: Link) -> None:
        # No timeout of our own: while the buffer is full the SUBACK waits unread in the
        # socket; a dead connection is found by the keepalive, which ends the wait.
        sent: dict[str, int] = {}
        while pending := [(f, q) for f, q in self._subscriptions.items() if sent.get(f) != q]:
            try:  # again if subscribe() added filters meanwhile
                for start in range(0, len(pending), FILTERS_PER_PACKET):
                    chunk = pending[start : start + FILTERS_PER_PACKET]
                    self._record_refusals(chunk, await link.subscribe(chunk))
            except NotConnectedError:
                return  # lost while subscribing; the supervisor sees it closed
            sent.update(pending)
        if link.closed:
            return
        self._connected.set()
        log.info(
            "MQTT connected to %s (v%s, connection %d, session %s)",
            self._where(),
            "5" if link.v5 else "3.1.1",
            link.generation,
            "resumed" if link.session_present else "new",
        )
        self._notify(lambda o: o.on_connected(link.generation, link.session_present))

    def _lost(self, link: Link) -> None:
        link.close()
        if self._link is not link:
            return
        self._link = None
        was_connected = self._connected.is_set()
        self._connected.clear()
        if was_connected:
            self._notify(lambda o: o.on_disconnected(link.generation, link.disconnect_reason))

    def _notify(self, call: Callable[[ConnectionObserver], None]) -> None:
        if self._observer is None:
            return
        try:
            call(self._observer)
        except Exception:  # an observer's bug must not take the connection down
            log.exception("connection observer %r failed", self._observer)

    def _where(self) -> str:
        return f"{self.options.host}:{self.options.port}"
