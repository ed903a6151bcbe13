"""One MQTT connection: a fresh paho client whose socket the asyncio loop drives.

paho's socket callbacks register the socket with ``loop.add_reader``/``add_writer`` (as
aiomqtt does); the readable callback runs ``loop_read`` until no message comes or the
inbox is full, then the reader is removed until the consumer drains the inbox. Each
message costs one ``InboundMessage`` and a deque append: no task, no future.

A link is never reused: each (re)connection gets a new one, so nothing of an old
connection (pending publishes, unacknowledged messages) leaks into the next.
``Client.connect`` blocks (DNS, TCP connect), so it runs in a worker thread; socket
callbacks paho makes from that thread are handed to the loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from hub.transport.base import InboundMessage, Will
from hub.transport.errors import (
    ConnectFailed,
    NotConnectedError,
    PublishConnectionLost,
    PublishError,
    PublishRejected,
)
from hub.transport.inbox import Inbox
from hub.transport.lean_client import LeanClient
from hub.transport.options import TransportOptions

log = logging.getLogger(__name__)

READ_BUDGET = 200  # packets per readable callback: other tasks (the API) get a turn often
_UNSUPPORTED_PROTOCOL = 132  # CONNACK reason (paho maps a 3.1.1 refusal "1" to it)


def set_no_delay(sock: Any) -> None:
    """Turn Nagle's algorithm off: paho leaves it on, and a reply or PUBACK written right
    after another small packet would otherwise wait for the broker's delayed ACK (40 ms
    here, measured as the whole of an unlock round trip's median)."""
    with contextlib.suppress(OSError, AttributeError):  # not a TCP socket
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Link:
    """A single connection attempt and, if it succeeds, the connection itself."""

    def __init__(
        self, options: TransportOptions, v5: bool, generation: int, inbox: Inbox, will: Will | None
    ) -> None:
        self.options = options
        self.v5 = v5
        self.generation = generation
        self.unacked: dict[int, InboundMessage] = {}
        self.disconnect_reason = "connection closed"
        self.session_present = False
        self._inbox = inbox
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._connack: asyncio.Future[bool] = self._loop.create_future()
        self._closed: asyncio.Future[None] = self._loop.create_future()
        self._publishes: dict[int, tuple[str, asyncio.Future[None]]] = {}
        self._subscribes: dict[int, asyncio.Future[list[ReasonCode]]] = {}
        self._unsubscribes: dict[int, asyncio.Future[None]] = {}
        self._sock: Any = None
        self._fd = -1
        self._reading = False
        self._writing = False
        self._client = self._make_client(will)

    # ------------------------------------------------------------------ set-up
    def _make_client(self, will: Will | None) -> LeanClient:
        options = self.options
        client = LeanClient(
            CallbackAPIVersion.VERSION2,
            client_id=options.client_id,
            clean_session=None if self.v5 else False,
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            reconnect_on_failure=False,
            manual_ack=True,
        )
        client.connect_timeout = options.connect_timeout_s
        client.max_inflight_messages_set(options.max_inflight_publishes)
        if options.username is not None:
            client.username_pw_set(options.username, options.password)
        if options.tls:
            client.tls_set_context(ssl.create_default_context(cafile=options.tls_ca_file))
        if will is not None:
            client.will_set(will.topic, will.payload, will.qos, will.retain)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.publish_sink = self._on_incoming
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_socket_register_write
        client.on_socket_unregister_write = self._on_socket_unregister_write
        return client

    async def connect(self) -> bool:
        """Connect and wait for CONNACK; return whether the broker kept our session.
        Raises :class:`ConnectFailed`."""
        options = self.options
        properties = None
        clean_start: Any = mqtt.MQTT_CLEAN_START_FIRST_ONLY
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = options.session_expiry_s
            properties.ReceiveMaximum = options.receive_maximum
            clean_start = False
        blocking = partial(
            self._client.connect,
            options.host,
            options.port,
            options.keepalive_s,
            clean_start=clean_start,
            properties=properties,
        )
        thread = self._loop.run_in_executor(None, blocking)
        try:
            # paho bounds the blocking part by connect_timeout; shield it so a cancelled
            # attempt still gets its socket closed once the thread is done with it.
            await asyncio.shield(thread)
        except asyncio.CancelledError:
            thread.add_done_callback(self._after_abandoned_connect)
            raise
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake, socket timeout
            raise ConnectFailed(f"{options.host}:{options.port}: {exc}") from exc
        try:
            async with asyncio.timeout(options.connect_timeout_s):
                return await self._connack
        except TimeoutError as exc:  # a 3.1.1-only broker may choke on a v5 CONNECT
            raise ConnectFailed("no CONNACK in time", unanswered=True) from exc

    def _after_abandoned_connect(self, thread: asyncio.Future[Any]) -> None:
        if not thread.cancelled():
            thread.exception()  # retrieved: the attempt was abandoned anyway
        self.close()

    # ------------------------------------------------------------------ socket plumbing
    def _on_loop(self, function: Callable[..., None], *args: Any) -> None:
        if threading.get_ident() == self._loop_thread:
            function(*args)
        else:
            self._loop.call_soon_threadsafe(function, *args)

    def _on_socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._socket_opened, sock)

    def _socket_opened(self, sock: Any) -> None:
        if self._closed.done():
            return  # abandoned attempt: _after_abandoned_connect closes the socket
        self._sock = sock
        self._fd = sock.fileno()
        set_no_delay(sock)
        self._loop.add_reader(self._fd, self._readable)  # at least the CONNACK, even if full
        self._reading = True

    def _on_socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._socket_closing)

    def _socket_closing(self) -> None:
        self._stop_io()
        # a 3.1.1-only broker may just hang up on a v5 CONNECT
        self._fail_connack(ConnectFailed("closed before CONNACK", unanswered=True))
        self._finish()

    def _on_socket_register_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._want_write)

    def _want_write(self) -> None:
        if not self._writing and self._fd >= 0 and not self._closed.done():
            self._loop.add_writer(self._fd, self._writable)
            self._writing = True

    def _on_socket_unregister_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._done_writing)

    def _done_writing(self) -> None:
        if self._writing:
            self._loop.remove_writer(self._fd)
            self._writing = False

    def _stop_io(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False
        self._done_writing()
        self._inbox.cancel_hold(self._resume_reading)

    def _readable(self) -> None:
        client = self._client
        inbox = self._inbox
        items = inbox.items
        capacity = inbox.capacity
        for _ in range(READ_BUDGET):
            if len(items) >= capacity and self._connack.done():
                self._loop.remove_reader(self._fd)
                self._reading = False
                inbox.hold(self._resume_reading)
                break
            before = inbox.received
            if client.loop_read() != mqtt.MQTT_ERR_SUCCESS or inbox.received == before:
                break  # an error (paho closed the socket), no data, or not a PUBLISH
        inbox.wake()
        sock = self._sock
        if self._reading and isinstance(sock, ssl.SSLSocket) and sock.pending():
            self._loop.call_soon(self._readable)  # decrypted bytes the selector cannot see

    def _resume_reading(self) -> None:
        if not self._reading and self._fd >= 0 and not self._closed.done():
            self._loop.add_reader(self._fd, self._readable)
            self._reading = True
            self._loop.call_soon(self._readable)  # TLS may hold decrypted bytes already

    def _writable(self) -> None:
        self._client.loop_write()

    # ------------------------------------------------------------------ paho callbacks
    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self._connack.done():
            return
        if reason.is_failure:
            rejected = self.v5 and reason.value == _UNSUPPORTED_PROTOCOL
            self._fail_connack(ConnectFailed(f"CONNACK {reason}", rejected))
            return
        server_maximum = getattr(properties, "ReceiveMaximum", None)
        if isinstance(server_maximum, int) and server_maximum < self.options.max_inflight_publishes:
            # paho cannot lower its window once connected; exceeding it may get us dropped
            log.warning(
                "broker accepts %d unacknowledged publishes, fewer than max_inflight_publishes",
                server_maximum,
            )
        self._connack.set_result(flags.session_present)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if flags.is_disconnect_packet_from_server:
            self.disconnect_reason = f"broker sent DISCONNECT: {reason}"
        else:
            self.disconnect_reason = f"connection lost: {reason}"

    def _on_incoming(self, topic: bytes, payload: bytes, qos: int, retain: bool, mid: int) -> None:
        """A PUBLISH from the lean path (MQTT 5, no properties): nearly every message."""
        try:
            name = topic.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("dropped a message whose topic is not UTF-8: %r", topic)
            if qos:
                self._client.ack(mid, qos)
            return
        inbound = InboundMessage(name, payload, qos, retain, mid, self.generation, time.monotonic())
        if qos:
            self.unacked[mid] = inbound
        self._inbox.put(inbound)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            log.warning("dropped a message whose topic is not UTF-8: %r", message._topic)
            if message.qos:
                client.ack(message.mid, message.qos)
            return
        inbound = InboundMessage(
            topic,
            message.payload,  # type: ignore[arg-type]  # bytes: paho slices it with struct
            message.qos,
            message.retain,
            message.mid,
            self.generation,
            message.timestamp,
        )
        if message.qos:
            self.unacked[message.mid] = inbound
        self._inbox.put(inbound)

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        pending = self._publishes.pop(mid, None)
        if pending is None:
            return
        topic, future = pending
        if future.done():
            return
        if reason.is_failure:
            future.set_exception(PublishRejected(topic, str(reason)))
        else:
            future.set_result(None)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        future = self._subscribes.pop(mid, None)
        if future is not None and not future.done():
            future.set_result(reasons)

    def _on_unsubscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        future = self._unsubscribes.pop(mid, None)
        if future is not None and not future.done():
            future.set_result(None)

    # ------------------------------------------------------------------ operations
    @property
    def closed(self) -> bool:
        return self._closed.done()

    async def wait_closed(self) -> str:
        """Wait until the connection is gone; return why."""
        await asyncio.shield(self._closed)
        return self.disconnect_reason

    def ack(self, message: InboundMessage) -> bool:
        if self.unacked.get(message.mid) is not message:
            return False  # another connection's message, or acknowledged already
        del self.unacked[message.mid]
        self._client.ack(message.mid, message.qos)
        return True

    def publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, track: bool
    ) -> asyncio.Future[None] | None:
        """Hand a message to paho; with ``track`` and QoS > 0, a future for its PUBACK."""
        if self.closed:
            raise NotConnectedError("publish")
        info = self._client.publish(topic, payload, qos, retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishError(topic, mqtt.error_string(info.rc))
        if not track or qos == 0:
            return None
        future: asyncio.Future[None] = self._loop.create_future()
        self._publishes[info.mid] = (topic, future)
        return future

    def subscribe(self, filters: Sequence[tuple[str, int]]) -> asyncio.Future[list[ReasonCode]]:
        """Send one SUBSCRIBE for all ``(filter, qos)``; a future for the SUBACK codes."""
        if self.closed:
            raise NotConnectedError("subscribe")
        if self.v5:
            rc, mid = self._client.subscribe([(f, SubscribeOptions(qos=q)) for f, q in filters])
        else:
            rc, mid = self._client.subscribe(list(filters))
        if rc != mqtt.MQTT_ERR_SUCCESS or mid is None:
            raise NotConnectedError("subscribe")
        future: asyncio.Future[list[ReasonCode]] = self._loop.create_future()
        self._subscribes[mid] = future
        return future

    def unsubscribe(self, filters: Sequence[str]) -> asyncio.Future[None]:
        """Send one UNSUBSCRIBE; a future for the UNSUBACK."""
        if self.closed:
            raise NotConnectedError("unsubscribe")
        rc, mid = self._client.unsubscribe(list(filters))
        if rc != mqtt.MQTT_ERR_SUCCESS or mid is None:
            raise NotConnectedError("unsubscribe")
        future: asyncio.Future[None] = self._loop.create_future()
        self._unsubscribes[mid] = future
        return future

    def tick(self) -> None:
        """Keepalive: send PINGREQ when due, drop the connection if PINGRESP is late."""
        if not self.closed:
            self._client.loop_misc()

    def drop(self) -> None:
        """Break the TCP connection without DISCONNECT, as a crash would: the broker
        publishes the will and keeps the session."""
        if not self.closed:
            self.disconnect_reason = "dropped without DISCONNECT"
            self.close()

    def disconnect(self) -> None:
        """Send DISCONNECT now, then close (MQTT 5 keeps the session for its expiry)."""
        if self._sock is None or self.closed:
            return
        self._client.disconnect()
        self._client.loop_write()  # paho closes the socket once DISCONNECT is written
        self.close()

    def close(self) -> None:
        """Tear down whatever is left, without DISCONNECT. Idempotent."""
        self._stop_io()
        client = self._client
        # paho's __del__ closes "its" socket again, from whatever thread collects it
        client.on_socket_open = client.on_socket_close = None
        client.on_socket_register_write = client.on_socket_unregister_write = None
        sock, self._sock = self._sock, None
        if sock is None:
            sock = client.socket()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        self._fail_connack(ConnectFailed("closed"))
        self._finish()

    def _fail_connack(self, error: ConnectFailed) -> None:
        if not self._connack.done():
            self._connack.set_exception(error)
            self._connack.exception()  # retrieved here: a cancelled attempt never awaits it

    def _finish(self) -> None:
        if self._closed.done():
            return
        self._closed.set_result(None)
        self.unacked.clear()
        for topic, future in self._publishes.values():
            if not future.done():
                future.set_exception(PublishConnectionLost(topic))
        self._publishes.clear()
        for suback in self._subscribes.values():
            if not suback.done():
                suback.set_exception(NotConnectedError("subscribe"))
        self._subscribes.clear()
        for unsuback in self._unsubscribes.values():
            if not unsuback.done():
                unsuback.set_exception(NotConnectedError("unsubscribe"))
        self._unsubscribes.clear()
