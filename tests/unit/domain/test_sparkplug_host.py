"""The host STATE will and birth, and the rebirth limiter, with a recording publisher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from firmware_protocols.sparkplug_b.host_state import decode_host_state
from hub.domain.sparkplug_host import RebirthLimiter, SparkplugHost
from hub.transport.errors import NotConnectedError


@dataclass
class Recorder:
    sent: list[tuple[str, bytes, int, bool]] = field(default_factory=list)
    connected: bool = True

    async def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        if not self.connected:
            raise NotConnectedError("publish")
        self.sent.append((topic, payload, qos, retain))

    def publish_nowait(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> None:
        if not self.connected:
            raise NotConnectedError("publish")
        self.sent.append((topic, payload, qos, retain))


class Clock:
    def __init__(self) -> None:
        self.now = 1000

    def __call__(self) -> int:
        self.now += 1000
        return self.now


async def test_each_connection_gets_an_offline_will_and_an_online_birth_with_its_time() -> None:
    clock, recorder = Clock(), Recorder()
    host = SparkplugHost("hub-a", clock_ms=clock)
    host.attach(recorder)
    for generation in (1, 2):
        will = host.will()
        assert will is not None and will.topic == "spBv1.0/STATE/hub-a"
        assert will.retain and will.qos == 1
        offline = decode_host_state(will.payload)
        assert not offline.online
        host.on_connected(generation, session_present=False)
        await asyncio.sleep(0)  # let the publishing task run
        topic, payload, qos, retain = recorder.sent[-1]
        online = decode_host_state(payload)
        assert (topic, qos, retain, online.online) == ("spBv1.0/STATE/hub-a", 1, True, True)
        assert online.timestamp == offline.timestamp
    first, second = (decode_host_state(p) for _, p, _, _ in recorder.sent)
    assert second.timestamp > first.timestamp
    host.go_offline()
    assert not decode_host_state(recorder.sent[-1][1]).online
    await host.close()


async def test_a_replica_that_is_not_primary_stays_silent() -> None:
    recorder = Recorder()
    host = SparkplugHost("hub-a", primary=False, clock_ms=Clock())
    host.attach(recorder)
    assert host.will() is None
    host.on_connected(1, session_present=False)
    host.go_offline()
    await asyncio.sleep(0)
    assert recorder.sent == []


async def test_lost_connection_while_publishing_is_not_an_error() -> None:
    recorder = Recorder(connected=False)
    host = SparkplugHost("hub-a", clock_ms=Clock())
    host.attach(recorder)
    host.will()
    host.on_connected(1, session_present=False)
    await asyncio.sleep(0)
    host.go_offline()
    assert host.published == 0
    await host.close()


def test_rebirth_limiter_allows_one_request_per_interval_per_node() -> None:
    limiter = RebirthLimiter(interval_ms=10_000)
    assert limiter.allow("vm-1", 0)
    assert not limiter.allow("vm-1", 9_999)
    assert limiter.allow("vm-2", 9_999)
    assert limiter.allow("vm-1", 10_000)
