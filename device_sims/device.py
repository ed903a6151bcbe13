"""What every simulated device shares: connection supervision, the offline buffer, fault
injection, the command log, and the benchmark burst. A subclass per kind speaks its
protocol (through ``firmware_protocols``) and plays its daily pattern.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import paho.mqtt.client as mqtt

from device_sims.buffer import OfflineBuffer
from device_sims.clock import SimClock
from device_sims.faults import IDEAL, FaultInjector, FaultProfile, device_rng
from device_sims.firmware import FirmwareAgent
from device_sims.inventory import DeviceSpec, Resident
from device_sims.link import LinkError, MqttLink, Ticker
from device_sims.sequence import SequenceCounter, boot_sequence_us
from firmware_protocols.base import DeviceKind, Outbound
from mqtt_link.address import BrokerAddress
from mqtt_link.backoff import Backoff

log = logging.getLogger(__name__)

FAULT_TICK_S = 60.0  # simulated seconds between fault draws
HANG_WATCHDOG_S = (300.0, 1200.0)  # a hung firmware is reset after this long (sim seconds)
# Reconnect delays: 0.2-0.4 s first, doubling to 2.5-5 s (equal jitter), so that a
# fleet's reconnect storm settles quickly and not in step.
RECONNECT_FIRST_STEP_S = 0.4
RECONNECT_MAX_STEP_S = 5.0
LOG_LENGTH = 1000  # commands, replies and scenario logs kept per device (the latest)


@dataclass(frozen=True, slots=True)
class SimOptions:
    """Run-wide settings. ``telemetry_interval_s`` is in simulated seconds (None: the
    kind's default); ``behaviour=False`` leaves a device idle but responsive (tests drive
    it by calling its methods). ``faults`` defaults to :data:`IDEAL` (nothing random goes
    wrong); the command line defaults to the ``none`` profile."""

    speed: float = 1.0
    faults: FaultProfile = IDEAL
    seed: int = 0
    primary_host: str | None = None  # Sparkplug host id whose STATE gates the births
    keepalive_s: int = 30
    behaviour: bool = True
    telemetry_interval_s: float | None = None
    buffer_capacity: int = 1000
    start_hour: float | None = None


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """A command as the firmware judged it. ``verdict`` is ``accepted``, ``expired``,
    ``replayed`` or ``rejected`` (then ``reason`` says why), or ``undecodable`` when not
    even an id could be read."""

    command_id: str | None
    name: str
    verdict: str
    reason: str | None
    received_at_ms: int
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SentReply:
    command_id: str
    status: str
    reason: str | None = None


class SimDevice(ABC):
    """One device: its own MQTT client, clock, sequence counter, buffer and faults."""

    kind: ClassVar[DeviceKind]
    # Simulated seconds between telemetry messages. Within lockerlink's 10-300 s and
    # short enough for the hub's silence timeout (1.5 x 30 s keepalive + 1 s = 46 s).
    default_telemetry_s: ClassVar[float] = 30.0
    clean_session: ClassVar[bool] = False

    def __init__(
        self,
        spec: DeviceSpec,
        broker: BrokerAddress,
        *,
        options: SimOptions | None = None,
        ticker: Ticker | None = None,
        residents: Sequence[Resident] = (),
    ) -> None:
        self.spec = spec
        self.device_id = spec.device_id
        self.options = options or SimOptions()
        self.residents = tuple(residents)
        self.rng = device_rng(self.options.seed, spec.device_id)
        self.faults = FaultInjector.for_device(
            self.options.faults, self.options.seed, spec.device_id
        )
        self.clock = SimClock(
            speed=self.options.speed,
            skew_ms=self.faults.initial_skew_ms(),
            start_hour=self.options.start_hour,
        )
        self.seq = self.new_sequence()
        self.firmware_version = spec.firmware_version
        self.firmware = FirmwareAgent(
            self,  # type: ignore[arg-type]  # each kind implements the update hooks
            device_rng(self.options.seed, f"{spec.device_id}/firmware"),
            ratios=self.options.faults.firmware_ratios(),
        )
        self.buffer: OfflineBuffer[Any] = OfflineBuffer(self.options.buffer_capacity)
        self.commands: deque[ReceivedCommand] = deque(maxlen=LOG_LENGTH)
        self.replies: deque[SentReply] = deque(maxlen=LOG_LENGTH)
        self.verdicts: Counter[str] = Counter()
        self.task_failures = 0
        self.sent: Counter[str] = Counter()
        self.online = asyncio.Event()
        self.ever_online = asyncio.Event()  # set at the first connection, never cleared
        self._own_ticker = ticker is None
        self._ticker = ticker or Ticker.for_keepalive(self.options.keepalive_s)
        self._want_online = asyncio.Event()
        self._lost = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False
        # Set once the offline messages of a planned disconnect went out: on that
        # connection the device publishes nothing more and takes no commands.
        self._said_goodbye = False
        self.link = MqttLink(
            broker,
            spec.credentials(),
            ticker=self._ticker,
            on_message=self._on_message,
            keepalive_s=self.options.keepalive_s,
            clean_session=self.clean_session,
            on_connected=self._on_connected,
            on_lost=self._on_lost,
        )

    # ------------------------------------------------------------ protocol hooks
    @abstractmethod
    def subscriptions(self) -> tuple[tuple[str, int], ...]:
        """Topic filters the device subscribes to after every connect."""

    @abstractmethod
    def will(self) -> Outbound | None:
        """The last will for the next connect."""

    @abstractmethod
    def online_messages(self) -> Sequence[Outbound]:
        """What the device publishes right after connecting (status, births)."""

    @abstractmethod
    def offline_messages(self, reason: str) -> Sequence[Outbound]:
        """What the device publishes before a planned disconnect."""

    @abstractmethod
    def telemetry_message(self) -> Outbound:
        """One periodic telemetry message, with a fresh sequence number."""

    @abstractmethod
    def handle_command(self, topic: str, payload: bytes) -> None:
        """Judge and act on one message from the hub (called on the event loop)."""

    def new_sequence(self) -> SequenceCounter:
        """The message counter at boot (53-bit by default)."""
        return SequenceCounter(boot_sequence_us(self.clock.now_ms()))

    async def behave(self) -> None:
        """The kind's daily pattern; runs while the device runs (default: nothing)."""
        await asyncio.Event().wait()

    def flush_buffered(self, item: Any) -> Outbound:
        """Turn a buffered item into the message to send now (default: it is one)."""
        assert isinstance(item, Outbound)
        return item

    # ------------------------------------------------------------ lifecycle
    async def start(self, *, retry: bool = False) -> None:
        """Connect and start the device's tasks. Without ``retry`` a failed first connect
        raises :class:`LinkError`; with it the device keeps trying in the background."""
        self._running = True
        self._want_online.set()
        try:
            await self._connect()
        except LinkError:
            if not retry:
                self._running = False
                raise
        self._spawn(self._supervise(), "supervise")
        self._spawn(self._fault_loop(), "faults")
        self._spawn(self.firmware.misbehave_loop(self.clock.sleep), "firmware")
        if self.options.behaviour:
            self._spawn(self._telemetry_loop(), "telemetry")
            self._spawn(self.behave(), "behave")

    async def stop(self, reason: str = "shutdown") -> None:
        """Planned shutdown: offline status, then a clean DISCONNECT (no last will)."""
        self._running = False
        await self._cancel_tasks()
        await self.say_goodbye(reason)
        await self.link.disconnect()
        await self._cancel_tasks()  # anything started while saying goodbye
        self.online.clear()
        if self._own_ticker:
            await self._ticker.close()

    async def say_goodbye(self, reason: str, last_words: Sequence[Outbound] = ()) -> None:
        """Publish the offline messages, then ``last_words``, and wait for their PUBACKs,
        so a DISCONNECT right after cannot leave them to be sent again later. After them
        nothing more goes out on this connection: a reply or report due later (a slow
        reply's timer) is buffered for the next connection, and commands are ignored."""
        if not self.link.connected or self.link.hung:
            return
        self._said_goodbye = True  # what comes later waits for the next connection
        messages = [*self.offline_messages(reason), *last_words]
        infos = [self.link.publish(m) for m in messages]
        for info in infos:
            if info is not None:
                await self.link.wait_published(info)

    async def restart(
        self,
        reason: str,
        last_words: Sequence[Outbound] = (),
        boot: Callable[[], None] | None = None,
    ) -> None:
        """A planned reboot: goodbye, a clean DISCONNECT (no will), down for 20 to 40
        simulated seconds (``boot`` runs then: a new firmware image starting), then
        connected again (new session, buffer flushed)."""
        self._want_online.clear()
        await self.say_goodbye(reason, last_words)
        await self.link.disconnect()
        await self.clock.sleep(self.rng.uniform(20, 40))
        if boot is not None:
            boot()
        await self.go_online()

    async def blip(self, down_s: float) -> None:
        """A short network outage: the link drops (will published) and comes back after
        ``down_s`` simulated seconds."""
        self.go_offline()
        await self.clock.sleep(down_s)
        await self.go_online()

    async def kill(self) -> None:
        """A crash: the connection ends without DISCONNECT (the broker publishes the
        will) and the device stays down."""
        self._running = False
        await self._cancel_tasks()
        self.link.drop()
        self.online.clear()
        if self._own_ticker:
            await self._ticker.close()

    def go_offline(self) -> None:
        """A network outage: the connection drops (will published) and stays down while
        the device keeps working and buffering, until :meth:`go_online`."""
        self._want_online.clear()
        self.link.drop()

    async def go_online(self) -> None:
        """End an outage and wait until connected again (the buffer is flushed first
        thing after the online messages)."""
        self._want_online.set()
        await self.online.wait()

    def hang(self) -> None:
        """Firmware hang: connected but silent until reset."""
        self.link.hang()
        self.online.clear()

    @property
    def silent(self) -> bool:
        return self.link.hung or not self._running

    # ------------------------------------------------------------ publishing
    def emit(self, message: Outbound, *, bufferable: bool = True) -> bool:
        """Publish an uplink now (with this device's faults), or buffer it while the link
        is down. Returns whether it went out now."""
        if self.link.hung:
            return False
        if self.faults.malform_now():
            message = replace(message, payload=self.malform(message.payload))
        if not self._send(message):
            if bufferable:
                self.buffer.add(message)
            return False
        if self.faults.duplicate_now():
            self.faults.duplicates_sent += 1
            self._send(message)
        return True

    def malform(self, payload: bytes) -> bytes:
        """A corrupted copy of ``payload`` that the hub must refuse."""
        return self.faults.corrupt(payload)

    def _send(self, message: Outbound) -> bool:
        if self._said_goodbye:
            return False
        info = self.link.publish(message)
        if info is None:
            return False
        self.sent[message.topic.rsplit("/", 1)[-1]] += 1
        return True

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background job (a delayed reply, a door cycle) owned by the device."""
        self._spawn(coro, name)

    async def publish_telemetry(self) -> None:
        """Send (or buffer) one telemetry message now."""
        self.emit(self.telemetry_message())

    def prepare_burst(self, count: int, qos: int = 0) -> list[Outbound]:
        """``count`` telemetry messages with consecutive sequence numbers, encoded ahead
        of a benchmark so that publishing them measures the broker, not the encoders."""
        return [replace(self.telemetry_message(), qos=qos) for _ in range(count)]

    async def publish_burst(self, messages: Sequence[Outbound]) -> int:
        """Publish prepared messages as fast as possible; return how many the broker took
        (QoS 0: written to the socket; QoS 1: acknowledged)."""
        infos: list[mqtt.MQTTMessageInfo] = []
        for i, message in enumerate(messages):
            info = self.link.publish(message)
            if info is not None:
                infos.append(info)
            if i % 64 == 63:
                await asyncio.sleep(0)
        # paho's MessageInfo has no awaitable: poll the oldest unacknowledged one
        # (acknowledgements arrive in order), so each poll costs O(1).
        pending = deque(infos)
        while pending and self.link.connected:
            while pending and pending[0].is_published():
                pending.popleft()
            if pending:
                await asyncio.sleep(0.005)
        return sum(1 for info in infos if info.is_published())

    # ------------------------------------------------------------ commands
    def record(
        self,
        command_id: str | None,
        name: str,
        verdict: str,
        reason: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> ReceivedCommand:
        entry = ReceivedCommand(
            command_id, name, verdict, reason, self.clock.now_ms(), dict(params or {})
        )
        self.commands.append(entry)
        self.verdicts[verdict] += 1
        return entry

    async def delay_reply(self) -> bool:
        """Apply the reply faults: sleep first if the reply is slow; False if it goes
        missing (the command may still have been executed)."""
        plan = self.faults.reply_plan()
        if plan == "missing":
            return False
        if plan == "slow":
            await asyncio.sleep(self.options.faults.slow_reply_s)
        return True

    # ------------------------------------------------------------ internals
    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.device_id}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.task_failures += 1
            log.error(
                "%s: task %s failed", self.device_id, task.get_name(), exc_info=task.exception()
            )

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _connect(self) -> None:
        self.link.subscriptions = self.subscriptions()
        self.link.set_will(self.will())
        await self.link.connect()

    async def _supervise(self) -> None:
        backoff = Backoff(RECONNECT_FIRST_STEP_S, RECONNECT_MAX_STEP_S, rng=self.rng)
        while self._running:
            if self.link.connected:
                await self._lost.wait()
                self._lost.clear()
                continue
            await self._want_online.wait()
            try:
                await self._connect()
                backoff.reset()
            except LinkError as exc:
                log.debug("%s", exc)
                await asyncio.sleep(backoff.next_delay())

    def _on_connected(self) -> None:
        self._said_goodbye = False
        for message in self.online_messages():
            self._send(message)
        if self.ready_to_flush():
            self.flush_buffer()
        self.online.set()
        self.ever_online.set()

    def ready_to_flush(self) -> bool:
        """Whether buffered messages may go out right after the online messages (a
        Sparkplug node waiting for its primary host must birth first)."""
        return True

    def flush_buffer(self) -> None:
        """Send what was buffered, oldest first; stop if the link drops meanwhile."""
        for item in self.buffer.drain():
            message = self.flush_buffered(item)
            if not self._send(message):
                self.buffer.push_front(item)
                break

    def _on_lost(self) -> None:
        self.online.clear()
        self._lost.set()

    def _on_message(self, topic: str, payload: bytes) -> None:
        # A stopped firmware reads nothing more; one that announced it is going offline
        # takes no command it could not answer on this connection.
        if self._running and not self._said_goodbye:
            self.handle_command(topic, payload)

    async def _telemetry_loop(self) -> None:
        interval = self.options.telemetry_interval_s or self.default_telemetry_s
        await self.clock.sleep(self.rng.uniform(0, interval))
        while True:
            if not self.link.hung:
                await self.publish_telemetry()
            await self.clock.sleep(interval)

    async def _fault_loop(self) -> None:
        profile = self.options.faults
        if profile.disconnect_per_hour <= 0 and profile.hang_per_hour <= 0:
            return
        while True:
            await self.clock.sleep(FAULT_TICK_S)
            if self.faults.happens(profile.hang_per_hour, FAULT_TICK_S) and self.link.connected:
                self.hang()
                await self.clock.sleep(self.rng.uniform(*HANG_WATCHDOG_S))
                self.link.drop()  # the watchdog resets the board
            elif self.faults.happens(profile.disconnect_per_hour, FAULT_TICK_S):
                self.link.drop()
