"""One device's MQTT connection: an :class:`mqtt_link.loop_client.LoopClient` (paho on the
asyncio loop, shared with the hub), kept by the device across its reconnections.

Why not aiomqtt: holding 2000 clients in one process on 2 cores, aiomqtt cost 5.9 % CPU
idle (a keepalive task per client waking every second) and about 300 us of CPU per QoS 0
publish (each publish waits for the loop to flush it); paho on the loop costs under 1 %
idle and about 36 us per publish, because paho writes inline, the socket gets a writer
only when the kernel buffer is full, and one :class:`Ticker` services keepalives for
every link. Measured figures are in ``device_sims/README.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from firmware_protocols.base import Outbound
from mqtt_link.address import BrokerAddress
from mqtt_link.errors import ConnectFailed, ConnectionLost, MqttError, NotConnected
from mqtt_link.loop_client import LoopClient, Session

CONNACK_TIMEOUT_S = 10.0


class LinkError(Exception):
    """The broker could not be reached or refused the connection."""

    def __init__(self, client_id: str, reason: str) -> None:
        super().__init__(f"{client_id}: {reason}")
        self.client_id = client_id
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the device is to the broker. Credentials may be None on an anonymous broker."""

    client_id: str
    username: str | None = None
    password: str | None = None


# Links serviced before the loop gets a turn. One pass over 2000 links took 7-27 ms, and
# a door whose unlock command arrived meanwhile answered that much later (commands from
# the hub waited 40 ms at the simulated door); a slice of 100 takes about a millisecond.
TICK_SLICE = 100


class Ticker:
    """Services paho's keepalive (``loop_misc``) for many links from one task, a slice of
    :data:`TICK_SLICE` links at a time so that their messages are not held up."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._links: set[MqttLink] = set()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_keepalive(cls, keepalive_s: float) -> Ticker:
        """Often enough that a PINGREQ leaves within a sixth of the keepalive of being
        due (the broker allows 1.5 x keepalive), at most every 5 s."""
        return cls(min(5.0, max(0.1, keepalive_s / 6)))

    def add(self, link: MqttLink) -> None:
        self._links.add(link)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mqtt-ticker")

    def discard(self, link: MqttLink) -> None:
        self._links.discard(link)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.service_all()

    async def service_all(self) -> None:
        """One keepalive pass over every link, giving the loop a turn between slices."""
        links = list(self._links)
        for start in range(0, len(links), TICK_SLICE):
            if start:
                await asyncio.sleep(0)
            for link in links[start : start + TICK_SLICE]:
                if link in self._links:  # not closed during an earlier slice
                    link.service()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


MessageHandler = Callable[[str, bytes], None]
Hook = Callable[[], None]


class MqttLink:
    """A device's connection (MQTT 3.1.1, as the firmware speaks it). ``connect()`` is the
    only await; ``publish()`` never blocks and returns None when the link is down, so the
    device can buffer. ``connect()`` returns, and ``on_connected`` runs, once the broker
    has acknowledged the subscriptions, so commands sent from then on arrive; ``on_lost``
    runs when an established connection ends for any reason."""

    def __init__(
        self,
        broker: BrokerAddress,
        identity: Identity,
        *,
        ticker: Ticker,
        on_message: MessageHandler,
        subscriptions: tuple[tuple[str, int], ...] = (),
        keepalive_s: int = 30,
        clean_session: bool = True,
        on_connected: Hook | None = None,
        on_lost: Hook | None = None,
    ) -> None:
        self.broker = broker
        self.identity = identity
        self.keepalive_s = keepalive_s
        self.subscriptions = subscriptions
        self.on_connected = on_connected
        self.on_lost = on_lost
        self._ticker = ticker
        self._on_message = on_message
        self.connected = False
        self.connects = 0
        self.published = 0
        session = Session(
            client_id=identity.client_id,
            username=identity.username,
            password=identity.password,
            persistent=not clean_session,
            keepalive_s=keepalive_s,
            connect_timeout_s=CONNACK_TIMEOUT_S,
            max_inflight=100,
        )
        self._client = LoopClient(broker, session, self._message, on_closed=self._closed)

    # ------------------------------------------------------------ public
    def set_will(self, will: Outbound | None) -> None:
        """The last will for the next connect (Sparkplug's changes with every bdSeq)."""
        if will is None:
            self._client.clear_will()
        else:
            self._client.set_will(will.topic, will.payload, will.qos, will.retain)

    async def connect(self) -> None:
        """Connect, subscribe and wait for the SUBACK; raise :class:`LinkError` on any
        failure."""
        if self.connected:
            return
        client_id = self.identity.client_id
        try:
            await self._client.connect()
        except ConnectFailed as exc:
            raise LinkError(client_id, exc.reason) from exc
        self.connected = True
        self.connects += 1
        if self.subscriptions:
            try:
                async with asyncio.timeout(CONNACK_TIMEOUT_S):
                    await self._client.subscribe(self.subscriptions)
            except (TimeoutError, NotConnected, ConnectionLost) as exc:
                self.drop()
                raise LinkError(client_id, "no SUBACK") from exc
        self._ticker.add(self)
        if self.on_connected is not None:  # commands sent from now on reach the device
            self.on_connected()

    def publish(self, message: Outbound) -> mqtt.MQTTMessageInfo | None:
        """Send now, or return None if the link is down (the caller keeps the message)."""
        if not self.connected or self._client.hung:
            return None
        try:
            info = self._client.publish(message.topic, message.payload, message.qos, message.retain)
        except MqttError:
            return None
        self.published += 1
        return info

    async def wait_published(self, info: mqtt.MQTTMessageInfo, timeout_s: float = 5.0) -> bool:
        """Wait until the broker acknowledged ``info`` (QoS 1) while the link is up."""
        with contextlib.suppress(TimeoutError, MqttError):
            async with asyncio.timeout(timeout_s):
                await self._client.acknowledged(info)
        return info.is_published()

    def drop(self) -> None:
        """End the TCP connection without DISCONNECT, as a crash or a cut cable would:
        the broker publishes the last will. The link is down when this returns."""
        self._client.drop()

    def hang(self) -> None:
        """Stay connected but silent: no reads, writes or keepalives. The broker drops the
        connection after 1.5 x keepalive; ``drop()`` ends the hang (watchdog reset)."""
        if self.connected:
            self._client.hang()

    @property
    def hung(self) -> bool:
        return self._client.hung

    async def disconnect(self) -> None:
        """A clean DISCONNECT (no last will)."""
        self._ticker.discard(self)
        self._client.disconnect()

    def service(self) -> None:
        """Keepalive and timeouts; called by the :class:`Ticker`."""
        self._client.tick()

    # ------------------------------------------------------------ callbacks
    def _closed(self) -> None:
        self._ticker.discard(self)
        if self.connected:
            self.connected = False
            if self.on_lost is not None:
                self.on_lost()

    def _message(self, topic: str, payload: bytes, qos: int, retain: bool, mid: int) -> None:
        self._on_message(topic, payload)
