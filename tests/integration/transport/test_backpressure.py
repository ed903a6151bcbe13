"""A full buffer stops the transport reading its socket; nothing is lost once drained."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.transport.conftest import (
    DEADLINE_S,
    collect,
    plain,
    running,
    transport_on,
    unique,
)
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until


async def test_a_full_buffer_pauses_reading_and_loses_nothing(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("pressure")
    transport = transport_on(mosquitto_session, [plain(topic)], queue_size=10, low_water=4)
    payloads = [b"%05d" % n + b"x" * 1000 for n in range(2000)]  # ~2 MB: more than TCP buffers
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await peer.send(topic, payloads)
        await async_wait_until(lambda: transport.reading_paused)
        assert transport.buffered() == 10
        assert transport.peak_buffered == 10
        # the consumer drains slowly, in small batches
        received = await collect(transport, len(payloads), batch=3)
        assert transport.peak_buffered == 10
    assert [m.payload for m in received] == payloads
    assert transport.received == len(payloads)


async def test_a_paused_reader_resumes_on_a_new_connection(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("pressure-reconnect")
    transport = transport_on(mosquitto_session, [plain(topic)], queue_size=5, low_water=0)
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await peer.send(topic, [b"%d" % n for n in range(20)])
        await async_wait_until(lambda: transport.reading_paused)
        transport.drop_connection()  # nothing acked: the broker will send all 20 again
        held = await transport.receive_batch(5, 1.0)  # from connection 1, to be redelivered
        # the SUBACK may queue behind the redelivered backlog: consume while reconnecting
        again = await collect(transport, 20)
        await async_wait_until(lambda: transport.connected)
    assert [m.connection for m in held] == [1] * 5
    assert [m.payload for m in again] == [b"%d" % n for n in range(20)]
    assert {m.connection for m in again} == {2}
    assert transport.peak_buffered <= 5


async def test_a_consumer_stalled_past_the_keepalive_loses_nothing(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    # the full buffer leaves the PINGRESP unread, so paho drops the connection; the
    # transport reconnects and the broker redelivers what was never acknowledged
    topic = unique("stall")
    transport = transport_on(mosquitto_session, [plain(topic)], queue_size=5, keepalive_s=1)
    sent = [b"%d" % n for n in range(20)]
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await peer.send(topic, sent)
        await async_wait_until(lambda: transport.reading_paused)
        await async_wait_until(lambda: transport.generation >= 2)  # recycled while stalled
        seen: set[bytes] = set()
        async with asyncio.timeout(DEADLINE_S):  # bounds a failure only
            while seen != set(sent):
                for message in await transport.receive_batch(10, 0.5):
                    transport.ack(message)
                    seen.add(message.payload)
        assert transport.peak_buffered <= 5
    assert transport.stale_acks > 0  # the held messages of the old connection came again
