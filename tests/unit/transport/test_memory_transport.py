"""The in-memory transport behaves like the real one where consumers can tell."""

from __future__ import annotations

import pytest

from firmware_protocols.base import Outbound, Subscription
from hub.transport.errors import NotConnectedError
from tests.support.memory_transport import MemoryTransport


async def test_delivers_and_records_acks() -> None:
    transport = MemoryTransport()
    sent = transport.deliver("a/1", b"one")
    transport.deliver("a/2", b"two", qos=0)
    batch = await transport.receive_batch(10, 1.0)
    assert [(m.topic, m.payload, m.qos) for m in batch] == [("a/1", b"one", 1), ("a/2", b"two", 0)]
    assert all(transport.ack(m) for m in batch)
    assert transport.acked == [sent]


async def test_acks_of_an_earlier_connection_are_dropped() -> None:
    transport = MemoryTransport()
    old = transport.deliver("a/1", b"one")
    transport.disconnect()
    transport.reconnect()
    assert not transport.ack(old)
    assert transport.stale_acks == 1 and transport.acked == []


async def test_a_full_buffer_pauses_reading_and_the_broker_holds_the_rest() -> None:
    transport = MemoryTransport(queue_size=4)
    for n in range(10):
        transport.deliver("a", str(n).encode())
    assert transport.buffered() == 4 and len(transport.held) == 6
    assert transport.reading_paused
    taken = await transport.receive_batch(3, 1.0)  # below the low-water mark: reads again
    assert transport.buffered() == 4 and len(transport.held) == 3  # until full again
    while transport.buffered():
        taken += await transport.receive_batch(10, 1.0)
    assert [m.payload for m in taken] == [str(n).encode() for n in range(10)]  # in order
    assert not transport.held and not transport.reading_paused


async def test_a_new_connection_brings_every_unacknowledged_message_again() -> None:
    transport = MemoryTransport()
    first, second = transport.deliver("a/1", b"one"), transport.deliver("a/2", b"two")
    assert transport.ack(first)
    await transport.receive_batch(10, 1.0)
    transport.disconnect()
    transport.reconnect()
    [again] = await transport.receive_batch(10, 1.0)
    assert (again.topic, again.payload, again.connection) == ("a/2", b"two", 2)
    assert not transport.ack(second)  # its first copy's ack is stale
    assert transport.ack(again) and transport.unacked == {}


async def test_publishes_are_recorded_and_need_a_connection() -> None:
    transport = MemoryTransport()
    await transport.publish("c/1", b"open", qos=1)
    await transport.subscribe([Subscription("x/#", shared=True)])
    assert transport.published == [Outbound("c/1", b"open", 1, False)]
    assert transport.subscriptions == [Subscription("x/#", shared=True)]
    transport.disconnect()
    with pytest.raises(NotConnectedError):
        transport.publish_nowait("c/1", b"open")
