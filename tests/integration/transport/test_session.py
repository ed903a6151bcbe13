"""The persistent session: redelivery after a crash, messages kept while the hub is away,
reconnection by itself after a broker restart."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.transport.conftest import (
    RecordingObserver,
    collect,
    plain,
    running,
    started,
    transport_on,
    unique,
)
from tests.support.broker import PrivateMosquitto
from tests.support.waiting import async_wait_until


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_an_unacked_message_comes_back_after_the_connection_drops(
    mosquitto_session: PrivateMosquitto, peer_factory: Any, protocol: str
) -> None:
    topic = unique("redeliver")
    transport = transport_on(mosquitto_session, [plain(topic)], protocol=protocol)
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        await peer.send(topic, [b"keep-me"])
        [first] = await collect(transport, 1, ack=False)
        transport.drop_connection()  # no DISCONNECT: as if the hub crashed
        await async_wait_until(lambda: transport.connected and transport.generation == 2)
        [again] = await collect(transport, 1, ack=False)
        assert (again.payload, again.connection) == (b"keep-me", 2)
        assert not transport.ack(first), "an ack from the dead connection is dropped"
        assert transport.stale_acks == 1
        assert transport.ack(again)
        # our QoS 1 publish is acknowledged after the broker has read the PUBACK before it
        await transport.publish(unique("barrier"), b"", qos=1)

        # acknowledged now: after another drop only the new marker arrives
        transport.drop_connection()
        await async_wait_until(lambda: transport.connected and transport.generation == 3)
        await peer.send(topic, [b"marker"])
        [next_one] = await collect(transport, 1)
    assert next_one.payload == b"marker"
    assert transport.reconnects == 2


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
async def test_a_restarted_hub_gets_what_it_had_not_acked_and_what_came_meanwhile(
    mosquitto_session: PrivateMosquitto, peer_factory: Any, protocol: str
) -> None:
    topic = unique("away")
    client_id = unique("hub")
    peer = peer_factory(mosquitto_session)

    first = transport_on(mosquitto_session, [plain(topic)], client_id=client_id, protocol=protocol)
    async with running(first):
        await peer.send(topic, [b"unacked", b"acked"])
        _unacked, acked = await collect(first, 2, ack=False)
        assert first.ack(acked)
    # first is stopped (clean DISCONNECT); its session stays on the broker
    await peer.send(topic, [b"while-away-%d" % n for n in range(50)])

    observer = SessionObserver()
    second = transport_on(
        mosquitto_session, [plain(topic)], client_id=client_id, protocol=protocol, observer=observer
    )
    async with running(second):
        received = await collect(second, 51)
    payloads = [m.payload for m in received]
    assert payloads == [b"unacked"] + [b"while-away-%d" % n for n in range(50)]
    assert observer.session_present == [True]


async def test_reconnects_by_itself_after_a_broker_restart(
    private_mosquitto: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("restart")
    observer = RecordingObserver()
    transport = transport_on(private_mosquitto, [plain(topic)], observer=observer)
    async with running(transport):
        peer = peer_factory(private_mosquitto)
        await peer.send(topic, [b"before"])
        await collect(transport, 1)
        await transport.publish(unique("barrier"), b"", qos=1)  # the broker has our PUBACK
        peer.close()

        await asyncio.to_thread(private_mosquitto.restart)
        await async_wait_until(lambda: transport.connected and transport.generation == 2)
        peer = peer_factory(private_mosquitto)
        await peer.send(topic, [b"after-%d" % n for n in range(20)])
        received = await collect(transport, 20)
    assert [m.payload for m in received] == [b"after-%d" % n for n in range(20)]
    assert all(m.connection == 2 for m in received)
    assert observer.events == [
        ("connected", 1),
        ("disconnected", 1),
        ("connected", 2),
        ("disconnected", 2),  # stopped at the end of the test
    ]
    assert transport.reconnects == 1


async def test_an_unacked_message_survives_a_broker_restart(
    private_mosquitto: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("survivor")
    observer = SessionObserver()
    transport = transport_on(private_mosquitto, [plain(topic)], observer=observer)
    async with running(transport):
        peer = peer_factory(private_mosquitto)
        await peer.send(topic, [b"not-yet-committed"])
        [first] = await collect(transport, 1, ack=False)
        peer.close()
        await asyncio.to_thread(private_mosquitto.restart)  # persistence on: session kept
        [again] = await collect(transport, 1, ack=False)  # may come before the SUBACK
        assert not transport.ack(first)
        assert transport.ack(again)
        await async_wait_until(lambda: transport.connected)
    assert (again.payload, again.connection) == (b"not-yet-committed", 2)
    assert observer.session_present == [False, True]


async def test_keeps_trying_while_the_broker_is_down(
    private_mosquitto: PrivateMosquitto, peer_factory: Any
) -> None:
    topic = unique("down")
    transport = transport_on(private_mosquitto, [plain(topic)])
    async with running(transport):
        await asyncio.to_thread(private_mosquitto.stop)
        await async_wait_until(lambda: transport.failed_attempts >= 3)
        assert not transport.connected
        await asyncio.to_thread(private_mosquitto.start)
        await async_wait_until(lambda: transport.connected)
        peer = peer_factory(private_mosquitto)
        await peer.send(topic, [b"back"])
        [message] = await collect(transport, 1)
    assert message.payload == b"back"


async def test_subscriptions_are_restored_when_the_broker_lost_the_session(
    tmp_path: Path, peer_factory: Any
) -> None:
    broker = PrivateMosquitto(workdir=tmp_path / "forgetful", extra_config="persistence false")
    broker.start()
    try:
        topic = unique("forgotten")
        observer = SessionObserver()
        transport = transport_on(broker, [plain(topic)], observer=observer)
        async with running(transport):
            # no persistence: the broker forgets session and subscription
            await asyncio.to_thread(broker.restart)
            await async_wait_until(lambda: transport.connected and transport.generation == 2)
            peer = peer_factory(broker)
            await peer.send(topic, [b"still-subscribed"])
            [message] = await collect(transport, 1)
        assert message.payload == b"still-subscribed"
        assert observer.session_present == [False, False]
    finally:
        broker.stop()


class SessionObserver:
    def __init__(self) -> None:
        self.session_present: list[bool] = []

    def on_connected(self, generation: int, session_present: bool) -> None:
        self.session_present.append(session_present)

    def on_disconnected(self, generation: int, reason: str) -> None:
        pass


async def test_stopping_while_connecting_leaves_no_socket_behind(
    private_mosquitto: PrivateMosquitto,
) -> None:
    def sockets_to_broker() -> int:
        return len(connections_to(private_mosquitto.port))

    transport = transport_on(private_mosquitto)
    assert private_mosquitto.process is not None
    pid = private_mosquitto.process.pid
    os.kill(pid, signal.SIGSTOP)  # TCP connects, the CONNACK never comes
    try:
        async with started(transport):
            await async_wait_until(lambda: sockets_to_broker() == 1)  # the attempt's
    finally:
        os.kill(pid, signal.SIGCONT)
    assert sockets_to_broker() == 0
    assert not transport.connected


def connections_to(port: int) -> set[str]:
    """Inodes of this process's sockets connected to 127.0.0.1:``port`` (IPv4)."""
    remote = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in list(table)[1:]]
    inodes = {row[9] for row in rows if row[2] == remote and row[9] != "0"}
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:[") and target[8:-1] in inodes:
            mine.add(target[8:-1])
    return mine
