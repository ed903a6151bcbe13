"""One MQTT client on the asyncio loop: a paho-mqtt 2.x client whose socket the loop drives.

The hub's transport makes one per connection (a fresh client each time, so nothing of an
old connection leaks into the next); a simulated device keeps one and connects it again
after every loss (paho then sends its unacknowledged QoS 1 uplinks again), 2000 of them
in one process. Everything but the TCP connect happens on the loop thread:

- connect: paho's blocking ``connect`` (DNS, TCP, TLS handshake, bounded by
  ``connect_timeout_s``) runs in a worker thread, so an unreachable broker cannot freeze
  the loop; the socket is then handed to the loop, with TCP_NODELAY on.
- reads: the socket's reader runs ``loop_read`` until no PUBLISH comes, or
  :data:`READ_BUDGET` packets, or the owner's :class:`ReadGate` is full: then the reader is
  removed until the gate says it has room again, and TCP pushes back on the broker. Each
  message is one call of the owner's :data:`MessageSink`: no task, no future.
- writes: paho writes at once when called outside its own callbacks; the socket gets a
  writer only while paho still has bytes to write (a full kernel buffer, or packets queued
  inside a callback), so a publish costs paho's encoding and one ``send``.
- keepalive: paho's ``loop_misc`` runs when the owner calls :meth:`LoopClient.tick` (the
  hub every second, the simulators' one ticker for every device).

aiomqtt does the same on the loop with a task and futures per operation; for 2000
clients in one process it cost several times the CPU (``device_sims/README.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from mqtt_link.address import BrokerAddress
from mqtt_link.errors import (
    ConnectFailed,
    ConnectionLost,
    NotConnected,
    PublishFailed,
    PublishRefused,
)
from mqtt_link.lean_client import LeanClient

log = logging.getLogger(__name__)

READ_BUDGET = 200  # packets per readable callback: other tasks (the API) get a turn often
_UNSUPPORTED_PROTOCOL = 132  # CONNACK reason (paho maps a 3.1.1 refusal "1" to it)

MessageSink = Callable[[str, bytes, int, bool, int], None]
"""Called with ``(topic, payload, qos, retain, mid)`` for every PUBLISH received."""


class ReadGate(Protocol):
    """A bounded buffer behind the sink: when it is full the client stops reading the
    socket, and calls ``on_drained`` (passed to :meth:`hold`) to be resumed."""

    @property
    def full(self) -> bool: ...

    def hold(self, on_drained: Callable[[], None]) -> None: ...

    def cancel_hold(self, on_drained: Callable[[], None]) -> None: ...

    def wake(self) -> None:
        """Called after every read that delivered something."""
        ...


@dataclass(frozen=True, slots=True)
class Session:
    """Who connects and how. ``persistent``: the broker keeps the session across
    connections (MQTT 5 clean start off with ``session_expiry_s``; 3.1.1 clean session
    off). ``manual_ack``: QoS 1 messages are acknowledged only by :meth:`LoopClient.ack`.
    ``receive_maximum`` is MQTT 5's; ``max_inflight`` bounds our unacknowledged publishes."""

    client_id: str
    username: str | None = None
    password: str | None = None
    mqtt5: bool = False
    persistent: bool = True
    session_expiry_s: int = 86_400
    receive_maximum: int = 65_535
    keepalive_s: int = 30
    connect_timeout_s: float = 10.0
    max_inflight: int = 20
    tls_ca_file: str | None = None  # with a TLS address: trust this CA, not the system's
    manual_ack: bool = False


def set_no_delay(sock: Any) -> None:
    """Turn Nagle's algorithm off: paho leaves it on, and a reply or PUBACK written right
    after another small packet would otherwise wait for the broker's delayed ACK (40 ms
    here, measured as the whole of an unlock round trip's median)."""
    with contextlib.suppress(OSError, AttributeError):  # not a TCP socket
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class LoopClient:
    """One paho client on the running loop. :meth:`connect` may be called again once a
    connection has ended; ``on_closed`` runs (on the loop) whenever one ends, or an
    attempt fails."""

    def __init__(
        self,
        broker: BrokerAddress,
        session: Session,
        on_message: MessageSink,
        *,
        gate: ReadGate | None = None,
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self.broker = broker
        self.session = session
        self.session_present = False
        self.close_reason = "connection closed"
        self.delivered = 0  # PUBLISH packets received
        self._on_message = on_message
        self._gate = gate
        self._on_closed = on_closed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._connack: asyncio.Future[bool] | None = None
        self._closed: asyncio.Future[None] | None = None  # this connection's end
        self._publishes: dict[int, asyncio.Future[None]] = {}
        self._subscribes: dict[int, asyncio.Future[list[ReasonCode]]] = {}
        self._unsubscribes: dict[int, asyncio.Future[None]] = {}
        self._sock: Any = None  # the socket the loop watches
        self._fd = -1
        self._reading = False
        self._writing = False
        self._hung = False
        self._client = self._make_client()

    def _make_client(self) -> LeanClient:
        session = self.session
        client = LeanClient(
            CallbackAPIVersion.VERSION2,
            client_id=session.client_id,
            clean_session=None if session.mqtt5 else not session.persistent,
            protocol=mqtt.MQTTv5 if session.mqtt5 else mqtt.MQTTv311,
            reconnect_on_failure=False,
            manual_ack=session.manual_ack,
        )
        client.connect_timeout = session.connect_timeout_s
        client.max_inflight_messages_set(session.max_inflight)
        if session.username is not None:
            client.username_pw_set(session.username, session.password)
        if self.broker.tls:
            client.tls_set_context(ssl.create_default_context(cafile=session.tls_ca_file))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_paho_message
        client.publish_sink = self._on_publish_received
        client.on_subscribe = self._on_sub_or_unsuback
        client.on_unsubscribe = self._on_sub_or_unsuback
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        return client

    # ------------------------------------------------------------------ state
    @property
    def closed(self) -> bool:
        """No connection (never connected, or it ended)."""
        return self._closed is None or self._closed.done()

    @property
    def hung(self) -> bool:
        return self._hung

    async def wait_closed(self) -> str:
        """Wait until the connection is gone; return why."""
        if self._closed is not None:
            await asyncio.shield(self._closed)
        return self.close_reason

    # ------------------------------------------------------------------ connecting
    def set_will(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        """The last will for the next connect."""
        self._client.will_set(topic, payload, qos, retain)

    def clear_will(self) -> None:
        self._client.will_clear()

    async def connect(self) -> bool:
        """Connect and wait for CONNACK; return whether the broker kept our session.
        Raises :class:`ConnectFailed` (and leaves nothing open behind)."""
        loop = self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self.close()  # whatever is left of the last connection
        self._hung = False
        self.close_reason = "connection closed"
        self.session_present = False
        connack: asyncio.Future[bool] = loop.create_future()
        self._connack = connack
        attempt = self._closed = loop.create_future()
        session = self.session
        properties = None
        clean_start: Any = mqtt.MQTT_CLEAN_START_FIRST_ONLY
        if session.mqtt5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = session.session_expiry_s
            properties.ReceiveMaximum = session.receive_maximum
            clean_start = not session.persistent
        blocking = partial(
            self._client.connect,
            self.broker.host,
            self.broker.port,
            session.keepalive_s,
            clean_start=clean_start,
            properties=properties,
        )
        thread = loop.run_in_executor(None, blocking)
        try:
            # paho bounds the blocking part by connect_timeout; shield it so a cancelled
            # attempt still gets its socket closed once the thread is done with it.
            await asyncio.shield(thread)
        except asyncio.CancelledError:
            thread.add_done_callback(partial(self._after_abandoned_connect, attempt))
            raise
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake, socket timeout
            self.close()
            where = f"{self.broker.host}:{self.broker.port}"
            raise ConnectFailed(f"cannot reach {where}: {exc}") from exc
        self._flush()
        try:
            async with asyncio.timeout(session.connect_timeout_s):
                self.session_present = await connack
        except TimeoutError as exc:  # a 3.1.1-only broker may choke on a v5 CONNECT
            self.close()
            raise ConnectFailed("no CONNACK in time", unanswered=True) from exc
        except (ConnectFailed, asyncio.CancelledError):
            self.close()
            raise
        return self.session_present

    def _after_abandoned_connect(
        self, attempt: asyncio.Future[None], thread: asyncio.Future[Any]
    ) -> None:
        if not thread.cancelled():
            thread.exception()  # retrieved: the attempt was abandoned anyway
        if attempt is self._closed:
            self.close()

    # ------------------------------------------------------------------ operations
    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> mqtt.MQTTMessageInfo:
        """Hand a message to paho (written at once if the socket takes it). Raises
        :class:`NotConnected` or :class:`PublishFailed`."""
        if self.closed:
            raise NotConnected("publish")
        info = self._client.publish(topic, payload, qos, retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishFailed(mqtt.error_string(info.rc))
        self._flush()
        return info

    def acknowledged(self, info: mqtt.MQTTMessageInfo) -> asyncio.Future[None]:
        """A future for the broker's PUBACK of a message :meth:`publish` returned (for
        QoS 0: written to the socket). Fails with :class:`PublishRefused` or
        :class:`ConnectionLost`."""
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        if info.is_published():
            future.set_result(None)
        elif self.closed:
            future.set_exception(ConnectionLost("publish"))
        else:
            if not self._publishes:
                # Only while someone waits: with an on_publish callback paho builds a
                # ReasonCode and a Properties object for every QoS 0 publish it writes,
                # which more than doubled a simulated device's CPU per publish.
                self._client.on_publish = self._on_publish
            self._publishes[info.mid] = future
        return future

    def subscribe(self, filters: Sequence[tuple[str, int]]) -> asyncio.Future[list[ReasonCode]]:
        """Send one SUBSCRIBE for all ``(filter, qos)``; a future for the SUBACK codes."""
        if self.closed:
            raise NotConnected("subscribe")
        if self.session.mqtt5:
            rc, mid = self._client.subscribe([(f, SubscribeOptions(qos=q)) for f, q in filters])
        else:
            rc, mid = self._client.subscribe(list(filters))
        if rc != mqtt.MQTT_ERR_SUCCESS or mid is None:
            raise NotConnected("subscribe")
        assert self._loop is not None
        future: asyncio.Future[list[ReasonCode]] = self._loop.create_future()
        self._subscribes[mid] = future
        self._flush()
        return future

    def unsubscribe(self, filters: Sequence[str]) -> asyncio.Future[None]:
        """Send one UNSUBSCRIBE; a future for the UNSUBACK."""
        if self.closed:
            raise NotConnected("unsubscribe")
        rc, mid = self._client.unsubscribe(list(filters))
        if rc != mqtt.MQTT_ERR_SUCCESS or mid is None:
            raise NotConnected("unsubscribe")
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        self._unsubscribes[mid] = future
        self._flush()
        return future

    def ack(self, mid: int, qos: int) -> None:
        """Acknowledge a QoS 1 message (with ``manual_ack``)."""
        if not self.closed:
            self._client.ack(mid, qos)
            self._flush()

    def tick(self) -> None:
        """Keepalive: send PINGREQ when due, drop the connection if PINGRESP is late."""
        if not self.closed and not self._hung:
            self._client.loop_misc()
            self._flush()

    def hang(self) -> None:
        """Stay connected but silent: no reads, writes or keepalives (a firmware hang).
        The broker drops the connection after 1.5 x keepalive; :meth:`drop` ends it."""
        if self.closed:
            return
        self._hung = True
        self._stop_io()

    def drop(self, reason: str = "dropped without DISCONNECT") -> None:
        """Break the TCP connection without DISCONNECT, as a crash or a cut cable would:
        the broker publishes the will and keeps the session."""
        if self.closed:
            return
        self.close_reason = reason
        sock = self._sock
        if isinstance(sock, socket.socket):
            # Read what is waiting first: closing over unread bytes would reset the
            # connection, and the broker could lose what we sent last.
            with contextlib.suppress(OSError):
                while sock.recv(65_536):
                    pass
        self.close()

    def disconnect(self) -> None:
        """Send DISCONNECT now, then close (no will; MQTT 5 keeps the session for its
        expiry)."""
        if self.closed:
            return
        if self._sock is not None:
            self._client.disconnect()  # written at once; paho then closes the socket
        self.close()

    def close(self) -> None:
        """Tear down whatever is left, without DISCONNECT. Idempotent."""
        self._stop_io()
        sock, self._sock = self._sock, None
        self._fd = -1
        if sock is None and self._closed is not None and not self._closed.done():
            sock = self._client.socket()  # opened by the connect thread, not yet watched
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        self._fail_connack(ConnectFailed("closed"))
        self._finish()

    # ------------------------------------------------------------------ socket plumbing
    def _on_loop(self, function: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            function(*args)
        else:  # the connect thread, or paho's finaliser after the loop is gone
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(function, *args)

    def _on_socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._socket_opened, sock, self._closed)

    def _socket_opened(self, sock: Any, attempt: asyncio.Future[None] | None) -> None:
        if attempt is None or attempt is not self._closed or attempt.done():
            return  # an abandoned attempt: closed once its thread is done
        assert self._loop is not None
        self._sock = sock
        self._fd = sock.fileno()
        set_no_delay(sock)
        self._loop.add_reader(self._fd, self._readable)  # at least the CONNACK, even if full
        self._reading = True

    def _on_socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._on_loop(self._socket_closing, sock)

    def _socket_closing(self, sock: Any) -> None:
        if sock is None or sock is not self._sock:
            return  # an earlier connection's socket, closed already
        self._stop_io()
        self._sock = None
        self._fd = -1
        # a 3.1.1-only broker may just hang up on a v5 CONNECT
        self._fail_connack(ConnectFailed("closed before CONNACK", unanswered=True))
        self._finish()

    def _flush(self) -> None:
        if self._writing or self._hung or self._fd < 0 or not self._client.want_write():
            return
        assert self._loop is not None
        self._loop.add_writer(self._fd, self._writable)
        self._writing = True

    def _writable(self) -> None:
        self._client.loop_write()
        if self._writing and not self._client.want_write():
            self._stop_writing()

    def _stop_writing(self) -> None:
        if self._writing:
            assert self._loop is not None
            self._loop.remove_writer(self._fd)
            self._writing = False

    def _stop_io(self) -> None:
        if self._reading:
            assert self._loop is not None
            self._loop.remove_reader(self._fd)
            self._reading = False
        self._stop_writing()
        if self._gate is not None:
            self._gate.cancel_hold(self._resume_reading)

    def _readable(self) -> None:
        client = self._client
        gate = self._gate
        connack = self._connack
        for _ in range(READ_BUDGET):
            if gate is not None and gate.full and connack is not None and connack.done():
                assert self._loop is not None
                self._loop.remove_reader(self._fd)
                self._reading = False
                gate.hold(self._resume_reading)
                break
            before = self.delivered
            if client.loop_read() != mqtt.MQTT_ERR_SUCCESS or self.delivered == before:
                break  # an error (paho closed the socket), no data, or not a PUBLISH
        if gate is not None:
            gate.wake()
        self._flush()  # what paho queued inside its callbacks (replies, PUBACKs)
        sock = self._sock
        if self._reading and isinstance(sock, ssl.SSLSocket) and sock.pending():
            assert self._loop is not None
            self._loop.call_soon(self._readable)  # decrypted bytes the selector cannot see

    def _resume_reading(self) -> None:
        if not self._reading and self._fd >= 0 and not self.closed and not self._hung:
            assert self._loop is not None
            self._loop.add_reader(self._fd, self._readable)
            self._reading = True
            self._loop.call_soon(self._readable)  # TLS may hold decrypted bytes already

    # ------------------------------------------------------------------ paho callbacks
    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        connack = self._connack
        if connack is None or connack.done():
            return
        if reason.is_failure:
            rejected = self.session.mqtt5 and reason.value == _UNSUPPORTED_PROTOCOL
            self._fail_connack(ConnectFailed(f"refused: CONNACK {reason}", rejected))
            return
        server_maximum = getattr(properties, "ReceiveMaximum", None)
        if isinstance(server_maximum, int) and server_maximum < self.session.max_inflight:
            # paho cannot lower its window once connected; exceeding it may get us dropped
            log.warning(
                "broker accepts %d unacknowledged publishes, fewer than max_inflight (%d)",
                server_maximum,
                self.session.max_inflight,
            )
        connack.set_result(flags.session_present)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if flags.is_disconnect_packet_from_server:
            self.close_reason = f"broker sent DISCONNECT: {reason}"
        else:
            self.close_reason = f"connection lost: {reason}"

    def _on_publish_received(
        self, topic: bytes, payload: bytes, qos: int, retain: bool, mid: int
    ) -> None:
        """A PUBLISH from the lean path (MQTT 5, no properties): nearly every message."""
        self.delivered += 1
        try:
            name = topic.decode("utf-8")
        except UnicodeDecodeError:
            self._drop_unreadable(topic, qos, mid)
            return
        self._on_message(name, payload, qos, retain, mid)

    def _on_paho_message(
        self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage
    ) -> None:
        self.delivered += 1
        try:
            topic = message.topic
        except UnicodeDecodeError:
            self._drop_unreadable(None, message.qos, message.mid)
            return
        payload: bytes = message.payload  # type: ignore[assignment]  # paho slices bytes
        self._on_message(topic, payload, message.qos, message.retain, message.mid)

    def _drop_unreadable(self, topic: bytes | None, qos: int, mid: int) -> None:
        log.warning("dropped a message whose topic is not UTF-8 (%r, mid %d)", topic, mid)
        if qos and self.session.manual_ack:
            self._client.ack(mid, qos)

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        future = self._publishes.pop(mid, None)
        if not self._publishes:
            client.on_publish = None
        if future is None or future.done():
            return
        if reason.is_failure:
            future.set_exception(PublishRefused(str(reason)))
        else:
            future.set_result(None)

    def _on_sub_or_unsuback(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        """A SUBACK or an UNSUBACK: paho numbers every packet from one counter."""
        if mid in self._subscribes:
            _answer(self._subscribes, mid, reasons)
        else:
            _answer(self._unsubscribes, mid, None)

    # ------------------------------------------------------------------ endings
    def _fail_connack(self, error: ConnectFailed) -> None:
        connack = self._connack
        if connack is not None and not connack.done():
            connack.set_exception(error)
            connack.exception()  # retrieved here: a cancelled attempt never awaits it

    def _finish(self) -> None:
        closed = self._closed
        if closed is None or closed.done():
            return
        closed.set_result(None)
        self._hung = False
        _fail_all(self._publishes, "publish")
        self._client.on_publish = None
        _fail_all(self._subscribes, "subscribe")
        _fail_all(self._unsubscribes, "unsubscribe")
        if self._on_closed is not None:
            self._on_closed()


def _fail_all(pending: dict[int, Any], operation: str) -> None:
    for future in pending.values():
        if not future.done():
            future.set_exception(ConnectionLost(operation))
    pending.clear()


def _answer(pending: dict[int, Any], mid: int, result: Any) -> None:
    future = pending.pop(mid, None)
    if future is not None and not future.done():
        future.set_result(result)
