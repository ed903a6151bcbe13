"""Publishing: QoS 1 waits for the PUBACK; timeouts, lost connections and no connection give
clear errors, never a hang; the will is published when the hub dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from hub.transport.base import Will
from hub.transport.errors import NotConnectedError, PublishConnectionLost, PublishTimeout
from tests.integration.transport.conftest import running, transport_on, unique
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until


@contextlib.contextmanager
def frozen(broker: PrivateMosquitto) -> Iterator[None]:
    """Stop the broker process (SIGSTOP): connections stay open, nothing is answered."""
    assert broker.process is not None
    os.kill(broker.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(broker.process.pid, signal.SIGCONT)


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_qos1_publish_returns_once_the_broker_has_it(
    mosquitto_session: PrivateMosquitto, peer_factory: Any, protocol: str
) -> None:
    topic = unique("out")
    peer = peer_factory(mosquitto_session, subscribe=[topic])
    transport = transport_on(mosquitto_session, protocol=protocol)
    async with running(transport):
        for n in range(50):
            await transport.publish(topic, b"cmd-%d" % n, qos=1)
        transport.publish_nowait(topic, b"fire-and-forget", qos=0)
        await async_wait_until(lambda: len(peer.received()) == 51)
    assert peer.received() == [(topic, b"cmd-%d" % n) for n in range(50)] + [
        (topic, b"fire-and-forget")
    ]


async def test_a_publish_without_puback_times_out(
    private_mosquitto: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("late")
    transport = transport_on(private_mosquitto)
    async with running(transport):
        with frozen(private_mosquitto), pytest.raises(PublishTimeout) as caught:
            await transport.publish(topic, b"x", qos=1, timeout_s=0.2)
        assert caught.value.topic == topic
        # the broker answers late; the transport carries on
        await transport.publish(unique("after"), b"y", qos=1)
        assert transport.generation == 1


async def test_a_publish_fails_when_the_connection_drops_before_the_puback(
    private_mosquitto: PrivateMosquitto,
) -> None:
    transport = transport_on(private_mosquitto)
    async with running(transport):
        with frozen(private_mosquitto):
            pending = asyncio.create_task(transport.publish(unique("lost"), b"x", qos=1))
            await asyncio.sleep(0)  # one turn of the loop: the task hands its message to paho
            transport.drop_connection()
            with pytest.raises(PublishConnectionLost):
                await pending
        await async_wait_until(lambda: transport.connected)


async def test_no_connection_no_publish(private_mosquitto: PrivateMosquitto) -> None:
    transport = transport_on(private_mosquitto)
    with pytest.raises(NotConnectedError):
        await transport.publish("t", b"x")
    async with running(transport):
        await asyncio.to_thread(private_mosquitto.stop)
        await async_wait_until(lambda: not transport.connected)
        with pytest.raises(NotConnectedError):
            transport.publish_nowait("t", b"x")


async def test_the_will_is_published_when_the_hub_dies_not_when_it_stops(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("state")
    marker = unique("marker")
    peer = peer_factory(mosquitto_session, subscribe=[topic, marker])
    wills = iter([b"offline-1", b"offline-2"])
    transport = transport_on(
        mosquitto_session, will=lambda: Will(topic, next(wills), qos=1, retain=False)
    )
    async with running(transport):
        transport.drop_connection()
        await async_wait_until(lambda: peer.received() == [(topic, b"offline-1")])
        await async_wait_until(lambda: transport.connected and transport.generation == 2)
    # stopped cleanly: DISCONNECT, so the broker discards the second will; a marker sent
    # afterwards on the same subscriber connection would arrive after any will
    await peer.send(marker, [b"m"])
    await async_wait_until(lambda: (marker, b"m") in peer.received())
    assert peer.received() == [(topic, b"offline-1"), (marker, b"m")]
