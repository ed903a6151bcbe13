"""The transport's contract: inbound messages, the will, and the ``Transport`` protocol.

The ingest pipeline and the command service talk to a :class:`Transport`; the paho
implementation (:mod:`hub.transport.paho_transport`) satisfies it, and so does the tests'
in-memory one (``tests/support/memory_transport.py``), so consumers can be tested without
a broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from firmware_protocols.base import Subscription


class InboundMessage(NamedTuple):
    """One message from the broker (a named tuple: one is built per message).

    ``connection`` is the generation of the connection it arrived on (1 for the first
    successful connection, then 2, 3... after each reconnect): an ack only counts on the
    connection the message came from. ``received_at`` is ``time.monotonic()`` seconds.
    """

    topic: str
    payload: bytes
    qos: int
    retain: bool
    mid: int
    connection: int
    received_at: float


@dataclass(frozen=True, slots=True)
class Will:
    """The message the broker publishes for us if the connection dies without DISCONNECT."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


class ConnectionObserver(Protocol):
    """Told about connection changes (for metrics and for births). Must not block."""

    def on_connected(self, generation: int, session_present: bool) -> None:
        """Connected and subscribed; ``generation`` > 1 means this was a reconnect."""
        ...

    def on_disconnected(self, generation: int, reason: str) -> None:
        """The connection of that generation is gone; the transport will reconnect."""
        ...


class Transport(Protocol):
    """One MQTT connection of a hub process, as its consumers see it."""

    @property
    def connected(self) -> bool: ...

    async def wait_connected(self) -> None:
        """Return once connected and subscribed (at once if already)."""
        ...

    async def receive_batch(self, max_messages: int, timeout_s: float) -> list[InboundMessage]:
        """Up to ``max_messages`` buffered messages; waits at most ``timeout_s`` for the
        first one and returns an empty list if none came. One consumer at a time."""
        ...

    def buffered(self) -> int:
        """Messages received and not yet taken by ``receive_batch``."""
        ...

    @property
    def reading_paused(self) -> bool:
        """The buffer is full and the socket is not being read."""
        ...

    def ack(self, message: InboundMessage) -> bool:
        """Acknowledge a QoS 1 message once what it carries is committed. Returns False
        (and does nothing) for a message of an earlier connection: the broker redelivers
        those. QoS 0 needs no ack (returns True)."""
        ...

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        """Publish; for QoS 1 return once the broker acknowledged (PUBACK). Raises
        :class:`~hub.transport.errors.NotConnectedError` or
        :class:`~hub.transport.errors.PublishError`."""
        ...

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None:
        """Fire and forget. Raises :class:`~hub.transport.errors.NotConnectedError`."""
        ...

    async def subscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """Add subscriptions; they are restored after every reconnect."""
        ...

    async def unsubscribe(self, subscriptions: Sequence[Subscription]) -> None:
        """Drop subscriptions, now and after every reconnect."""
        ...

    async def run(self) -> None:
        """Connect and stay connected until cancelled; disconnect cleanly on cancel."""
        ...
