"""Helpers for transport tests against a real Mosquitto: a running transport, a plain paho
publisher and subscriber on their own threads, a recording connection observer."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from firmware_protocols.base import Subscription
from hub.transport.base import ConnectionObserver, InboundMessage
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport, WillSource
from tests.support.broker import PrivateMosquitto
from tests.support.tasks import running_task

DEADLINE_S = 30.0  # bounds a failure; every wait polls or awaits a real condition


@dataclass
class RecordingObserver:
    events: list[tuple[str, int]] = field(default_factory=list)

    def on_connected(self, generation: int, session_present: bool) -> None:
        self.events.append(("connected", generation))

    def on_disconnected(self, generation: int, reason: str) -> None:
        self.events.append(("disconnected", generation))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def options_for(broker: PrivateMosquitto, client_id: str, **overrides: Any) -> TransportOptions:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": broker.port,
        "client_id": client_id,
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.5,
        "connect_timeout_s": 5.0,
    }
    values.update(overrides)
    return TransportOptions(**values)


def transport_on(
    broker: PrivateMosquitto,
    subscriptions: Sequence[Subscription] = (),
    *,
    client_id: str | None = None,
    observer: ConnectionObserver | None = None,
    will: WillSource = None,
    **overrides: Any,
) -> PahoTransport:
    """A transport on ``broker`` with ``options_for``'s options, under a fresh client id
    unless one is given."""
    options = options_for(broker, client_id or unique("hub"), **overrides)
    return PahoTransport(options, subscriptions, observer=observer, will=will)


def started(transport: PahoTransport) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run the transport in a task; cancel it afterwards."""
    return running_task(transport.run(), name="transport-under-test")


@contextlib.asynccontextmanager
async def running(transport: PahoTransport) -> AsyncIterator[PahoTransport]:
    """Run the transport in a task; yield once it is connected; cancel it afterwards."""
    async with started(transport) as task:
        waiter = asyncio.ensure_future(transport.wait_connected())
        done, _ = await asyncio.wait(
            {waiter, task}, timeout=DEADLINE_S, return_when="FIRST_COMPLETED"
        )
        if task in done:
            task.result()  # run() ended: raise its error
        if waiter not in done:
            waiter.cancel()
            raise AssertionError("transport did not connect")
        yield transport


async def collect(
    transport: PahoTransport, count: int, batch: int = 1000, ack: bool = True
) -> list[InboundMessage]:
    """Receive until ``count`` messages came (acking QoS 1 ones); fail after the deadline."""
    received: list[InboundMessage] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while len(received) < count:
        if loop.time() > deadline:
            raise AssertionError(f"received {len(received)} of {count}")
        messages = await transport.receive_batch(batch, 0.5)
        for message in messages:
            if ack:
                transport.ack(message)
        received.extend(messages)
    return received


class PahoPeer:
    """A plain paho client on its own network thread: publishes and records what it gets."""

    def __init__(self, broker: PrivateMosquitto, subscribe: Iterable[str] = ()) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("peer"))
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        topics = list(subscribe)
        if topics:
            self.client.subscribe([(t, 1) for t in topics])
            if not self._subscribed.wait(DEADLINE_S):
                raise AssertionError("peer not subscribed")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def received(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return [(m.topic, bytes(m.payload)) for m in self.messages]

    async def send(self, topic: str, payloads: Iterable[bytes], qos: int = 1) -> None:
        """Publish and return once the broker has every message (PUBACK for QoS 1)."""
        infos = [self.client.publish(topic, payload, qos) for payload in payloads]
        await asyncio.to_thread(lambda: [info.wait_for_publish(DEADLINE_S) for info in infos])
        if not all(info.is_published() for info in infos):
            raise AssertionError("peer could not publish")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def peer_factory() -> Iterator[Any]:
    peers: list[PahoPeer] = []

    def make(broker: PrivateMosquitto, subscribe: Iterable[str] = ()) -> PahoPeer:
        peer = PahoPeer(broker, subscribe)
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        peer.close()


def plain(topic_filter: str, qos: int = 1) -> Subscription:
    return Subscription(topic_filter, shared=False, qos=qos)


def shared(topic_filter: str, qos: int = 1) -> Subscription:
    return Subscription(topic_filter, shared=True, qos=qos)
