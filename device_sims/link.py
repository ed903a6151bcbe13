"""One device's MQTT connection: a paho client driven by the asyncio loop.

Why not aiomqtt: holding 2000 clients in one process on 2 cores, aiomqtt cost 5.9 % CPU
idle (a keepalive task per client waking every second) and about 300 us of CPU per QoS 0
publish (each publish waits for the loop to flush it); this adapter costs under 1 % idle
and about 36 us per publish, because paho writes inline, the socket gets a writer only
when the kernel buffer is full, and one :class:`Ticker` services keepalives for every
link. Measured figures are in ``device_sims/README.md``.

Only the TCP connect runs in a worker thread (a broker that does not answer would
otherwise freeze every device for paho's connect timeout); everything else, reads,
writes, callbacks, keepalives, happens on the event loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from firmware_protocols.base import Outbound

CONNACK_TIMEOUT_S = 10.0


class LinkError(Exception):
    """The broker could not be reached or refused the connection."""

    def __init__(self, client_id: str, reason: str) -> None:
        super().__init__(f"{client_id}: {reason}")
        self.client_id = client_id
        self.reason = reason


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int = 1883

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """``mqtt://host[:port]`` or ``tcp://host[:port]``; credentials in the URL are
        ignored (each device has its own)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"unsupported broker URL {url!r}: use mqtt://host:port")
        if not parts.hostname:
            raise ValueError(f"broker URL {url!r} has no host")
        return cls(parts.hostname, parts.port or 1883)

    def resolved(self) -> BrokerAddress:
        """The same address with the host resolved once, so connects never block on DNS."""
        infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        return BrokerAddress(str(infos[0][4][0]), self.port)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the device is to the broker. Credentials may be None on an anonymous broker."""

    client_id: str
    username: str | None = None
    password: str | None = None


class Ticker:
    """Services paho's keepalive (``loop_misc``) for many links from one task."""

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
            for link in list(self._links):
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
    """A device's connection. ``connect()`` and ``disconnect()`` are the only awaits;
    ``publish()`` never blocks and returns None when the link is down, so the device can
    buffer. ``connect()`` returns, and ``on_connected`` runs, once the broker has
    acknowledged the subscriptions, so commands sent from then on arrive;
    ``on_lost`` runs when an established connection ends for any reason."""

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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sock: Any = None  # the socket the loop watches
        self._suback_mid: int | None = None
        self._writing = False
        self._hung = False
        self._connack: asyncio.Future[None] | None = None
        self.connected = False
        self.connects = 0
        self.published = 0
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=identity.client_id,
            protocol=mqtt.MQTTv311,
            clean_session=clean_session,
        )
        if identity.username is not None:
            client.username_pw_set(identity.username, identity.password)
        client.max_inflight_messages_set(100)
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_subscribe = self._subscribed
        client.on_message = self._message
        self._client = client

    # ------------------------------------------------------------ public
    def set_will(self, will: Outbound | None) -> None:
        """The last will for the next connect (Sparkplug's changes with every bdSeq)."""
        if will is None:
            self._client.will_clear()
        else:
            self._client.will_set(will.topic, will.payload, will.qos, will.retain)

    async def connect(self, timeout_s: float = CONNACK_TIMEOUT_S) -> None:
        """Connect and wait for CONNACK; raise :class:`LinkError` on any failure."""
        if self.connected:
            return
        loop = self._loop = asyncio.get_running_loop()
        if self._client.socket() is not None:
            self.drop()  # close what is left of the last connection, on this thread
        self._hung = False
        self._connack = loop.create_future()
        try:
            await loop.run_in_executor(
                None, self._client.connect, self.broker.host, self.broker.port, self.keepalive_s
            )
        except OSError as exc:
            self._connack = None
            raise LinkError(self.identity.client_id, f"cannot reach broker: {exc}") from exc
        self._flush()
        try:
            await asyncio.wait_for(self._connack, timeout_s)
        except TimeoutError as exc:
            self.drop()
            raise LinkError(self.identity.client_id, "no CONNACK") from exc
        finally:
            self._connack = None
        self._ticker.add(self)

    def publish(self, message: Outbound) -> mqtt.MQTTMessageInfo | None:
        """Send now, or return None if the link is down (the caller keeps the message)."""
        if not self.connected or self._hung:
            return None
        info = self._client.publish(message.topic, message.payload, message.qos, message.retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        self.published += 1
        self._flush()
        return info

    async def wait_published(self, info: mqtt.MQTTMessageInfo, timeout_s: float = 5.0) -> bool:
        """Wait until the broker acknowledged ``info`` (QoS 1) while the link is up."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not info.is_published() and self.connected:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.005)
        return info.is_published()

    def drop(self) -> None:
        """End the TCP connection without DISCONNECT, as a crash or a cut cable would:
        the broker publishes the last will. paho reads the end of the stream and closes
        its socket before this returns, so the link is down at once."""
        was_connected = self.connected
        self.connected = False
        sock = self._client.socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            self._hung = False
            for _ in range(64):  # EOF comes after any packets already received
                if self._client.socket() is None:
                    break
                self._client.loop_read()
        if was_connected and self.on_lost is not None:
            self.on_lost()

    def hang(self) -> None:
        """Stay connected but silent: no reads, writes or keepalives. The broker drops the
        connection after 1.5 x keepalive; ``drop()`` ends the hang (watchdog reset)."""
        if not self.connected:
            return
        self._hung = True
        sock = self._client.socket()
        if self._loop is not None and sock is not None:
            self._loop.remove_reader(sock)
            if self._writing:
                self._loop.remove_writer(sock)
                self._writing = False

    @property
    def hung(self) -> bool:
        return self._hung

    async def disconnect(self) -> None:
        """A clean DISCONNECT (no last will)."""
        self._ticker.discard(self)
        if not self.connected:
            return
        self._client.disconnect()
        self._flush()
        if self._client.socket() is not None and self._hung:
            self.drop()

    def service(self) -> None:
        """Keepalive and timeouts; called by the :class:`Ticker`."""
        if self._hung:
            return
        self._client.loop_misc()
        self._flush()

    # ------------------------------------------------------------ paho callbacks
    def _flush(self) -> None:
        if self._writing or self._hung or self._loop is None or not self._client.want_write():
            return
        sock = self._client.socket()
        if sock is None:
            return
        self._writing = True
        self._loop.add_writer(sock, self._write)

    def _write(self) -> None:
        self._client.loop_write()
        if not self._client.want_write() and self._writing:
            sock = self._client.socket()
            if sock is not None and self._loop is not None:
                self._loop.remove_writer(sock)
            self._writing = False

    def _read(self) -> None:
        self._client.loop_read()
        self._flush()

    def _socket_open(self, _client: mqtt.Client, _userdata: Any, sock: Any) -> None:
        # Called in the connect worker thread: hand the socket to the loop.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._watch, sock)

    def _watch(self, sock: socket.socket) -> None:
        if self._client.socket() is not sock or self._loop is None:
            return  # already closed again
        self._sock = sock
        with contextlib.suppress(OSError, AttributeError):  # no Nagle: replies go at once
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._loop.add_reader(sock, self._read)

    def _socket_close(self, _client: mqtt.Client, _userdata: Any, sock: Any) -> None:
        if self._loop is None or self._sock is not sock:
            return  # never watched (closed before the loop took it)
        self._sock = None
        self._loop.remove_reader(sock)
        if self._writing:
            self._loop.remove_writer(sock)
            self._writing = False

    def _connected(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            if self._connack is not None and not self._connack.done():
                self._connack.set_exception(
                    LinkError(self.identity.client_id, f"refused: {reason}")
                )
            return
        self.connected = True
        self.connects += 1
        if not self.subscriptions:
            self._ready()
            return
        _rc, self._suback_mid = client.subscribe(list(self.subscriptions))

    def _subscribed(
        self, _client: mqtt.Client, _userdata: Any, mid: int, _codes: Any, _props: Any
    ) -> None:
        if mid == self._suback_mid and self.connected:
            self._suback_mid = None
            self._ready()

    def _ready(self) -> None:
        """Connected and subscribed: commands sent from now on reach the device."""
        if self._connack is not None and not self._connack.done():
            self._connack.set_result(None)
        if self.on_connected is not None:
            self.on_connected()

    def _disconnected(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, _reason: Any, _props: Any
    ) -> None:
        was_connected = self.connected
        self.connected = False
        self._hung = False
        self._ticker.discard(self)
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(LinkError(self.identity.client_id, "connection closed"))
        if was_connected and self.on_lost is not None:
            self.on_lost()

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._on_message(message.topic, bytes(message.payload))
