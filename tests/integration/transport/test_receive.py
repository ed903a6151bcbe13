"""Receiving from a real Mosquitto: QoS 0 and 1, shared subscriptions, MQTT 3.1.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.transport.paho_transport import PahoTransport
from tests.integration.transport.conftest import (
    collect,
    plain,
    running,
    shared,
    transport_on,
    unique,
)
from tests.support.broker import PrivateMosquitto


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_receives_qos0_and_qos1(
    mosquitto_session: PrivateMosquitto, peer_factory: Any, protocol: str
) -> None:
    base = unique("rx")
    transport = transport_on(mosquitto_session, [plain(f"{base}/#")], protocol=protocol)
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        assert transport.protocol_version == (5 if protocol == "5" else 4)
        await peer.send(f"{base}/q0", [b"a%d" % n for n in range(100)], qos=0)
        await peer.send(f"{base}/q1", [b"b%d" % n for n in range(100)], qos=1)
        received = await collect(transport, 200)
    zero = [m.payload for m in received if m.qos == 0]
    one = [m.payload for m in received if m.qos == 1]
    assert zero == [b"a%d" % n for n in range(100)]
    assert one == [b"b%d" % n for n in range(100)]
    assert {m.topic for m in received} == {f"{base}/q0", f"{base}/q1"}
    assert all(m.connection == 1 and not m.retain for m in received)
    assert transport.stale_acks == 0


async def test_retained_messages_arrive_flagged(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("retained")
    peer = peer_factory(mosquitto_session)
    info = peer.client.publish(topic, b"kept", qos=1, retain=True)
    await asyncio.to_thread(info.wait_for_publish, 30)
    transport = transport_on(mosquitto_session, [plain(topic)])
    async with running(transport):
        [message] = await collect(transport, 1)
    assert (message.payload, message.retain) == (b"kept", True)
    peer.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(30)


async def test_a_shared_subscription_splits_messages_between_replicas(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    base = unique("shared")
    group = unique("group")
    subscriptions = [shared(f"{base}/+/telemetry")]
    first = transport_on(
        mosquitto_session, subscriptions, client_id=unique("hub-a"), share_group=group
    )
    second = transport_on(
        mosquitto_session, subscriptions, client_id=unique("hub-b"), share_group=group
    )
    sent = [b"%d" % n for n in range(400)]
    peer = peer_factory(mosquitto_session)
    async with running(first), running(second):
        await peer.send(f"{base}/dev1/telemetry", sent)
        got: dict[str, list[bytes]] = {"a": [], "b": []}

        async def drain(name: str, transport: PahoTransport) -> None:
            while len(got["a"]) + len(got["b"]) < len(sent):
                for message in await transport.receive_batch(100, 0.05):
                    transport.ack(message)
                    got[name].append(message.payload)

        await asyncio.wait_for(asyncio.gather(drain("a", first), drain("b", second)), timeout=30)
    assert got["a"] and got["b"], "both replicas get a share"
    assert sorted(got["a"] + got["b"]) == sorted(sent)


async def test_subscriptions_added_while_running(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    base = unique("later")
    transport = transport_on(mosquitto_session)
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await transport.subscribe([plain(f"{base}/x", qos=0)])
        await peer.send(f"{base}/x", [b"1", b"2"])
        received = await collect(transport, 2)
    assert [(m.payload, m.qos) for m in received] == [(b"1", 0), (b"2", 0)]


async def test_without_a_share_group_shared_filters_are_plain(
    mosquitto_session: PrivateMosquitto, peer_factory: Any
) -> None:
    base = unique("noshare")
    transport = transport_on(mosquitto_session, [shared(f"{base}/#")], share_group=None)
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await peer.send(f"{base}/x", [b"only"])
        [message] = await collect(transport, 1)
    assert message.topic == f"{base}/x"
