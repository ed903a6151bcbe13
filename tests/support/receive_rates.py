"""Receive-rate measurement: the hub's transport against a bare paho subscriber, same broker,
same run (a test helper; ``python -m tests.support.receive_rates --url mqtt://...`` prints
a table).

The publisher writes ready-made MQTT PUBLISH packets to a raw socket, so it is never the
slowest part; the rate is the subscriber's, from its first message to its last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from unittest import mock

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware_protocols.base import Subscription
from hub.transport.options import TransportOptions
from hub.transport.paho_transport import PahoTransport
from mqtt_link import loop_client
from mqtt_link.address import BrokerAddress
from tests.support.tasks import running_task

CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class ReceiveRate:
    subscriber: str
    qos: int
    sent: int
    received: int
    seconds: float  # first message to last
    cpu_seconds: float = 0.0  # this process's CPU over the run (subscriber and publisher)

    @property
    def per_second(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us_per_message(self) -> float:
        return self.cpu_seconds / self.received * 1e6 if self.received else 0.0

    def line(self) -> str:
        return (
            f"{self.subscriber:<30} QoS {self.qos}  {self.received:>8}/{self.sent:<8} "
            f"{self.seconds:7.2f} s  {self.per_second:>9,.0f} msg/s  "
            f"{self.cpu_us_per_message:6.1f} us CPU/msg"
        )


# ---------------------------------------------------------------- publisher
def _remaining_length(length: int) -> bytes:
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def _packet(header: int, body: bytes) -> bytes:
    return bytes([header]) + _remaining_length(len(body)) + body


def _utf8(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def publish_packets(topic: str, count: int, payload_size: int, qos: int) -> bytes:
    """``count`` MQTT 3.1.1 PUBLISH packets back to back (QoS 1 ones with ids 1..65535)."""
    name = _utf8(topic)
    packets = bytearray()
    for n in range(count):
        payload = (b"%08d" % n).ljust(payload_size, b".")[: max(payload_size, 8)]
        if qos == 0:
            packets += _packet(0x30, name + payload)
        else:
            packets += _packet(0x32, name + struct.pack("!H", n % 65_535 + 1) + payload)
    return bytes(packets)


def _recv_exactly(sock: socket.socket, size: int) -> None:
    while size > 0:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("broker closed the publisher's connection")
        size -= len(chunk)


def blast(address: BrokerAddress, packets: bytes, count: int, qos: int) -> None:
    """Publish pre-built packets over a raw MQTT 3.1.1 connection as fast as TCP allows;
    return once the broker has them all (every PUBACK read for QoS 1)."""
    connect = b"\x00\x04MQTT\x04" + bytes([0x02 | (0xC0 if address.username else 0)])
    connect += struct.pack("!H", 60) + _utf8(f"bench-pub-{uuid.uuid4().hex[:8]}")
    if address.username:
        connect += _utf8(address.username) + _utf8(address.password or "")
    with socket.create_connection((address.host, address.port)) as sock:
        sock.sendall(_packet(0x10, connect))
        connack = sock.recv(4)
        if len(connack) != 4 or connack[3] != 0:
            raise ConnectionError(f"publisher refused: CONNACK {connack!r}")
        acks = threading.Thread(target=_recv_exactly, args=(sock, 4 * count if qos else 0))
        acks.start()
        view = memoryview(packets)
        for start in range(0, len(view), CHUNK_BYTES):
            sock.sendall(view[start : start + CHUNK_BYTES])
        acks.join()
        sock.sendall(b"\xe0\x00")  # DISCONNECT


# ---------------------------------------------------------------- subscribers
class _Clock:
    """First and last arrival and a count, updated by the subscriber under test."""

    def __init__(self) -> None:
        self.first = 0.0
        self.last = 0.0
        self.count = 0
        self.cpu_start = time.process_time()

    def tick(self, n: int = 1) -> None:
        now = time.perf_counter()
        if self.count == 0:
            self.first = now
        self.count += n
        self.last = now

    def rate(self, subscriber: str, qos: int, sent: int) -> ReceiveRate:
        cpu = time.process_time() - self.cpu_start
        return ReceiveRate(subscriber, qos, sent, self.count, self.last - self.first, cpu)


def measure_paho_rate(
    url: str,
    messages: int = 200_000,
    *,
    qos: int = 0,
    payload_size: int = 32,
    protocol: str = "3.1.1",
    idle_timeout_s: float = 10.0,
) -> ReceiveRate:
    """A bare paho subscriber: ``loop_forever`` on a thread, automatic acks, MQTT 3.1.1
    (paho's default) or 5 (what the transport uses where the broker offers it)."""
    address = BrokerAddress.parse(url)
    topic = f"bench/{uuid.uuid4().hex}"
    packets = publish_packets(topic, messages, payload_size, qos)
    clock = _Clock()
    subscribed = threading.Event()
    version = mqtt.MQTTv5 if protocol == "5" else mqtt.MQTTv311
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=version)
    if address.username:
        client.username_pw_set(address.username, address.password)
    client.on_message = lambda c, u, m: clock.tick()
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, *args: c.subscribe(topic, qos)
    client.connect(address.host, address.port)
    loop = threading.Thread(target=client.loop_forever, name="bench-paho")
    loop.start()
    try:
        if not subscribed.wait(30):
            raise ConnectionError("bare paho subscriber did not subscribe")
        blast(address, packets, messages, qos)
        _wait_for(lambda: clock.count >= messages, lambda: clock.count, idle_timeout_s)
    finally:
        client.disconnect()
        loop.join()
    return clock.rate(f"paho loop_forever (v{protocol})", qos, messages)


async def measure_receive_rate(
    url: str,
    messages: int = 200_000,
    *,
    qos: int = 0,
    payload_size: int = 32,
    batch_size: int = 2_000,
    idle_timeout_s: float = 10.0,
    lean_decoder: bool = True,
    **option_overrides: Any,
) -> ReceiveRate:
    """The hub's transport, consumed in batches; QoS 1 messages are acked batch by batch.
    ``lean_decoder=False`` measures it with paho's own PUBLISH decoder instead of
    :class:`mqtt_link.lean_client.LeanClient`'s (what the lean one's figure compares)."""
    address = BrokerAddress.parse(url)
    topic = f"bench/{uuid.uuid4().hex}"
    packets = publish_packets(topic, messages, payload_size, qos)
    values: dict[str, Any] = {
        "host": address.host,
        "port": address.port,
        "username": address.username,
        "password": address.password,
        "client_id": f"bench-hub-{uuid.uuid4().hex[:8]}",
        "session_expiry_s": 0,  # leave nothing behind on the broker
    }
    values.update(option_overrides)
    transport = PahoTransport(TransportOptions(**values), [Subscription(topic, False, qos)])
    clock = _Clock()
    decoder = contextlib.nullcontext() if lean_decoder else _paho_decoder()
    with decoder:
        async with running_task(transport.run(), name="bench-transport"):
            await asyncio.wait_for(transport.wait_connected(), 30)
            version = "3.1.1" if transport.protocol_version == 4 else "5"
            sending = asyncio.to_thread(blast, address, packets, messages, qos)
            publisher = asyncio.create_task(sending)
            idle_since = time.monotonic()
            while clock.count < messages and time.monotonic() - idle_since < idle_timeout_s:
                batch = await transport.receive_batch(batch_size, 0.5)
                if batch:
                    clock.tick(len(batch))
                    idle_since = time.monotonic()
                    if qos:
                        for message in batch:
                            transport.ack(message)
            await publisher
    name = f"hub transport (v{version})" + (" acked" if qos else "")
    return clock.rate(name + ("" if lean_decoder else " paho decoder"), qos, messages)


def _paho_decoder() -> contextlib.AbstractContextManager[Any]:
    """Connections made meanwhile use paho's own client (its ``publish_sink`` is unused)."""
    return mock.patch.object(loop_client, "LeanClient", mqtt.Client)


def _wait_for(done: Callable[[], bool], progress: Callable[[], int], idle_s: float) -> None:
    """Wait until ``done``, or until ``progress`` has not moved for ``idle_s``."""
    seen, since = progress(), time.monotonic()
    while not done() and time.monotonic() - since < idle_s:
        time.sleep(0.05)
        if progress() != seen:
            seen, since = progress(), time.monotonic()


async def compare_receive_rates(
    url: str,
    messages: int = 200_000,
    payload_size: int = 32,
    baselines: tuple[str, ...] = ("3.1.1", "5"),
    compare_decoders: bool = False,
) -> list[ReceiveRate]:
    """For QoS 0 then QoS 1: bare paho on each baseline protocol, then the transport (and
    with ``compare_decoders``, the transport with paho's own PUBLISH decoder)."""
    results = []
    for qos in (0, 1):
        for protocol in baselines:
            results.append(
                await asyncio.to_thread(
                    partial(
                        measure_paho_rate,
                        url,
                        messages,
                        qos=qos,
                        payload_size=payload_size,
                        protocol=protocol,
                    )
                )
            )
        results.append(
            await measure_receive_rate(url, messages, qos=qos, payload_size=payload_size)
        )
        if compare_decoders:
            results.append(
                await measure_receive_rate(
                    url, messages, qos=qos, payload_size=payload_size, lean_decoder=False
                )
            )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Receive rate: hub transport vs bare paho.")
    parser.add_argument("--url", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--payload-size", type=int, default=32)
    parser.add_argument("--baselines", default="3.1.1,5", help="paho protocols to compare")
    parser.add_argument(
        "--compare-decoders",
        action="store_true",
        help="also measure the transport with paho's own PUBLISH decoder",
    )
    args = parser.parse_args(argv)
    baselines = tuple(p for p in args.baselines.split(",") if p)
    results = compare_receive_rates(
        args.url, args.messages, args.payload_size, baselines, args.compare_decoders
    )
    for result in asyncio.run(results):
        print(result.line())


if __name__ == "__main__":
    main()
