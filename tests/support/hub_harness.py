"""Run a real hub (transport, ingest, commands) inside the test's event loop, and simple
scripted MQTT clients to play devices.

    async with running_hub(settings, broker.url) as runtime:
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hub.config import Settings
from hub.front.workers import InProcessBuilder
from hub.ipc.metrics import merged_registry
from hub.runtime import HubRuntime
from hub.service import build_runtime, run_hub
from tests.support.tasks import running_task
from tests.support.waiting import async_wait_until


@contextlib.asynccontextmanager
async def running_hub(
    settings: Settings,
    broker_url: str,
    *,
    shared: bool = True,
    in_process_worker: InProcessBuilder | None = None,
) -> AsyncIterator[HubRuntime]:
    """A hub's front in this event loop, connected, with its ingest workers connected (one
    worker in this loop when ``settings.ingest_workers`` is 0, as the test settings
    have it; processes otherwise)."""
    runtime = build_runtime(
        settings, broker_url, use_shared_subscriptions=shared, in_process_worker=in_process_worker
    )
    try:
        async with running_task(run_hub(runtime), name=f"hub-{settings.instance_id}"):
            await asyncio.wait_for(runtime.transport.wait_connected(), 30)
            await asyncio.wait_for(runtime.workers.wait_connected(), 30)
            yield runtime
    finally:
        runtime.engine.dispose()


def committed_messages(runtime: HubRuntime) -> int:
    """Messages the hub's workers committed (at once for a worker in this process; as of
    its last report, within a second, for worker processes)."""
    if runtime.workers.in_process:
        return runtime.workers.local().pipeline.committed_messages
    return runtime.workers.committed_messages


def hub_metric(
    runtime: HubRuntime, name: str, labels: dict[str, str] | None = None
) -> float | None:
    """A sample as the hub's /metrics shows it: the front's and its workers' merged
    (workers report every second)."""
    registry = merged_registry(runtime.metrics.registry, runtime.workers.samples())
    return registry.get_sample_value(name, labels or {})


async def wait_committed(runtime: HubRuntime, count: int, what: str = "") -> None:
    await async_wait_until(
        lambda: committed_messages(runtime) >= count,
        what=what or f"{count} committed messages",
    )


@dataclass
class ScriptedClient:
    """A plain paho client for a test to act as a device or an observer."""

    url: str
    client_id: str
    username: str | None = None
    password: str | None = None
    will: tuple[str, bytes] | None = None
    received: list[mqtt.MQTTMessage] = field(default_factory=list)
    _client: mqtt.Client | None = None
    _connected: threading.Event = field(default_factory=threading.Event)
    _subscribed: threading.Event = field(default_factory=threading.Event)

    def connect(self) -> ScriptedClient:
        host, port = self.url.removeprefix("mqtt://").split(":")
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv311
        )
        if self.username:
            client.username_pw_set(self.username, self.password)
        if self.will is not None:
            client.will_set(self.will[0], self.will[1], qos=1, retain=True)
        client.on_connect = lambda *_args: self._connected.set()
        client.on_subscribe = lambda *_args: self._subscribed.set()
        client.on_message = lambda _c, _u, message: self.received.append(message)
        client.connect(host, int(port), keepalive=30)
        client.loop_start()
        if not self._connected.wait(15):
            raise AssertionError(f"{self.client_id} could not connect")
        self._client = client
        return self

    def subscribe(self, topic: str, qos: int = 1) -> None:
        assert self._client is not None
        self._subscribed.clear()
        self._client.subscribe(topic, qos)
        if not self._subscribed.wait(15):
            raise AssertionError(f"subscribe {topic} not acknowledged")

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        assert self._client is not None
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(15)

    def kill(self) -> None:
        """Drop the connection without DISCONNECT, so the broker sends the will."""
        assert self._client is not None
        sock = self._client.socket()
        self._client.loop_stop()
        if sock is not None:
            sock.close()
        self._client = None

    def close(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None
