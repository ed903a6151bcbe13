"""A broker in memory for the contract tests: the hub's connections are
:class:`~tests.support.memory_transport.MemoryTransport` objects, the devices are
:class:`MemoryClient` objects, and a message goes to every subscriber whose filter
matches its topic, in the order it was published.

No network, no retained messages, no wills: what it keeps of MQTT is routing by topic
filter, per-subscriber order, the hub's acknowledgements and its persistent session
(see ``MemoryTransport.reconnect``). Tests of the real broker's behaviour (sessions
across restarts, shared subscriptions, wills, ACLs) stay in ``tests/integration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from paho.mqtt.client import topic_matches_sub

from firmware_protocols.base import Outbound, Subscription
from hub.transport.base import ConnectionObserver
from hub.transport.options import TransportOptions
from tests.support.memory_transport import MemoryTransport


class Received(NamedTuple):
    """A message a device client received (``topic`` and ``payload``, as paho's have)."""

    topic: str
    payload: bytes


@dataclass
class MemoryClient:
    """A device's connection to the memory broker: the shape of ``ScriptedClient``."""

    broker: MemoryBroker
    client_id: str
    filters: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def subscribe(self, topic: str, qos: int = 1) -> None:
        self.filters.append(topic)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.broker.publish(topic, payload, qos, retain)

    def close(self) -> None:
        self.broker.clients.remove(self)


@dataclass
class MemoryBroker:
    transports: list[MemoryTransport] = field(default_factory=list)
    clients: list[MemoryClient] = field(default_factory=list)

    def transport(
        self,
        subscriptions: Sequence[Subscription],
        observer: ConnectionObserver | None = None,
        queue_size: int = 20_000,
    ) -> MemoryTransport:
        """A hub connection subscribed to ``subscriptions``; its publishes reach clients."""
        transport = MemoryTransport(
            queue_size,
            subscriptions=subscriptions,
            observer=observer,
            on_publish=self._from_hub,
        )
        self.transports.append(transport)
        return transport

    def transport_factory(
        self,
        options: TransportOptions,
        subscriptions: Sequence[Subscription],
        observer: ConnectionObserver,
    ) -> MemoryTransport:
        """For ``build_worker(make_transport=...)``: the worker's connection."""
        return self.transport(subscriptions, observer, options.queue_size)

    def client(self, client_id: str) -> MemoryClient:
        client = MemoryClient(self, client_id)
        self.clients.append(client)
        return client

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        """A device publishes: every matching subscription gets it. Returns how many did."""
        reached = 0
        for transport in self.transports:
            filters = [s.topic_filter for s in transport.subscriptions]
            if any(topic_matches_sub(f, topic) for f in filters):
                transport.deliver(topic, payload, qos, retain)
                reached += 1
        for client in self.clients:
            if any(topic_matches_sub(f, topic) for f in client.filters):
                client.received.append(Received(topic, payload))
                reached += 1
        return reached

    def _from_hub(self, message: Outbound) -> None:
        self.publish(message.topic, message.payload, message.qos, message.retain)
