"""MQTT 3.1.1 when the broker cannot do MQTT 5 (the embedded amqtt broker) or when told so."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.transport.paho_transport import PahoTransport
from tests.integration.transport.conftest import (
    collect,
    plain,
    running,
    shared,
    started,
    transport_on,
    unique,
)
from tests.support.broker import PrivateMosquitto
from tests.support.ports import free_port
from tests.support.processes import stop_process
from tests.support.waiting import async_wait_until, wait_until


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def amqtt_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """The embedded demo broker (amqtt, MQTT 3.1.1 only) in its own process."""
    port = free_port()
    log = (tmp_path / "amqtt.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.local_broker.amqtt_process", "--port", str(port)],
        stdout=log,
        stderr=log,
    )
    try:
        wait_until(lambda: process.poll() is not None or _accepting(port))
        assert process.poll() is None, (tmp_path / "amqtt.log").read_text()
        # the peer and options helpers only need .port
        yield PrivateMosquitto(workdir=tmp_path, port=port)
    finally:
        stop_process(process, timeout_s=10)
        log.close()


async def test_auto_falls_back_to_311_on_a_broker_without_mqtt5(
    amqtt_broker: PrivateMosquitto, peer_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    topic = unique("legacy")
    # amqtt never answers a v5 CONNECT with properties: the CONNACK wait decides
    transport = transport_on(
        amqtt_broker,
        [shared(f"{topic}/#")],
        protocol="auto",
        share_group=None,
        connect_timeout_s=1.0,
    )
    peer = peer_factory(amqtt_broker)
    async with running(transport):
        assert transport.protocol_version == 4
        await peer.send(f"{topic}/x", [b"old-broker"])
        [message] = await collect(transport, 1)
        # silence is no proof: after a reconnect MQTT 5 is tried first again
        transport.drop_connection()
        await async_wait_until(lambda: transport.connected and transport.generation == 2)
        assert transport.protocol_version == 4
    assert message.payload == b"old-broker"
    assert transport.failed_attempts == 0, "the fallback is not a failure"
    assert caplog.text.count("trying MQTT 3.1.1") == 2


async def test_forced_311_is_used_even_where_mqtt5_is_offered(
    mosquitto_session: PrivateMosquitto, peer_factory: Any, settings_factory: Any
) -> None:
    topic = unique("forced")
    settings = settings_factory(
        mqtt_url=mosquitto_session.url, mqtt_protocol="3.1.1", instance_id=unique("hub")
    )
    transport = PahoTransport.from_settings(settings, [plain(topic)])
    peer = peer_factory(mosquitto_session)
    async with running(transport):
        assert transport.protocol_version == 4
        await peer.send(topic, [b"v311"])
        [message] = await collect(transport, 1)
    assert message.payload == b"v311"


async def test_auto_uses_mqtt5_where_offered(
    mosquitto_session: PrivateMosquitto, settings_factory: Any
) -> None:
    settings = settings_factory(mqtt_url=mosquitto_session.url, instance_id=unique("hub"))
    transport = PahoTransport.from_settings(settings)
    async with running(transport):
        assert transport.protocol_version == 5


async def test_an_unanswered_connect_does_not_make_auto_give_up_mqtt5(
    private_mosquitto: PrivateMosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    # frozen broker: v5 gets no CONNACK, nor does the 3.1.1 retry, so v5 stays the choice
    transport = transport_on(
        private_mosquitto, connect_timeout_s=1.0, backoff_initial_s=2.0, backoff_max_s=2.0
    )
    assert private_mosquitto.process is not None
    pid = private_mosquitto.process.pid
    os.kill(pid, signal.SIGSTOP)
    async with started(transport):
        try:
            await async_wait_until(lambda: transport.failed_attempts == 1)
        finally:
            os.kill(pid, signal.SIGCONT)  # inside the backoff of at least 1 s that follows
        await asyncio.wait_for(transport.wait_connected(), 30)
        assert transport.protocol_version == 5
    assert "trying MQTT 3.1.1" in caplog.text  # it did try, and went back to 5
