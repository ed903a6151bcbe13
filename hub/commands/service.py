"""Issue a command to a device and await its outcome.

Every command has an id and an absolute expiry. States: queued > sent > acknowledged >
confirmed, or failed / rejected / expired / replayed / timed_out; all persisted. A caller
always gets an outcome: at the latest when the command expired (plus a short grace for a
command the device had accepted, whose confirmation may be on its way). Every replica
hears every reply (the command lane subscribes to replies without sharing), so the
issuing replica completes from the reply itself; a reply it missed while away from the
broker is found in the database, written by the replica that heard it, when the command
expires. Late replies are recorded and change nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from firmware_protocols.base import CodecError, Command
from firmware_protocols.clock import wall_ms
from hub.commands.models import CommandState
from hub.commands.repository import CommandRepository
from hub.errors import CommandError
from hub.ingest.batch import DeviceReply
from hub.ingest.directory import DeviceDirectory
from hub.metrics import HubMetrics

log = logging.getLogger(__name__)

WaitFor = Literal["accepted", "confirmed"]
REPLY_STATES: Mapping[str, CommandState] = {
    "accepted": CommandState.ACKNOWLEDGED,
    "confirmed": CommandState.CONFIRMED,
    "rejected": CommandState.REJECTED,
    "expired": CommandState.EXPIRED,
    "replayed": CommandState.REPLAYED,
    "failed": CommandState.FAILED,
}
CONFIRMATION_GRACE_S = 1.0


class Publisher(Protocol):
    async def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> None: ...


class UnknownDevice(CommandError):
    def __init__(self, device_id: str) -> None:
        super().__init__(f"unknown device {device_id!r}")
        self.device_id = device_id


class UnsupportedCommand(CommandError):
    def __init__(self, device_id: str, name: str, reason: str) -> None:
        super().__init__(f"device {device_id!r} cannot do {name!r}: {reason}")
        self.device_id = device_id
        self.name = name


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    command_id: str
    device_id: str
    name: str
    state: CommandState
    reason: str | None
    latency_ms: float

    @property
    def succeeded(self) -> bool:
        return self.state in (CommandState.CONFIRMED, CommandState.ACKNOWLEDGED)


@dataclass(slots=True)
class _Waiter:
    wait_for: WaitFor
    done: asyncio.Future[tuple[CommandState, str | None]]
    deadline_ms: int  # when the hub stops waiting (its own clock)
    acknowledged: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SentCommand:
    device_id: str
    kind: str
    name: str
    params: Mapping[str, Any]
    issued_by: str
    sent_ms: int


SentListener = Callable[[SentCommand], None]


class CommandService:
    def __init__(
        self,
        repository: CommandRepository,
        publisher: Publisher,
        directory: DeviceDirectory,
        metrics: HubMetrics,
        instance_id: str,
        default_timeout_s: float,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self._repository = repository
        self._publisher = publisher
        self._directory = directory
        self._metrics = metrics
        self._instance_id = instance_id
        self._default_timeout_s = default_timeout_s
        self._clock_ms = clock_ms
        self._waiters: dict[str, _Waiter] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commands-db")
        self._persist: asyncio.Queue[tuple[Callable[[], object], Callable[[], object] | None]] = (
            asyncio.Queue(maxsize=10_000)
        )
        self._sent_listeners: list[SentListener] = []
        self._stopped = False  # run() ended: its executor takes no more work

    async def _db(self, call: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def run(self) -> None:
        """Persist state changes and replies in order, off the event loop."""
        try:
            while True:
                job, then = await self._persist.get()
                try:
                    await self._db(job)
                except Exception:  # the loop's edge: log, keep persisting the rest
                    log.exception("persisting a command change failed")
                    continue
                if then is not None:
                    then()
        finally:
            self._stopped = True
            self._executor.shutdown(wait=False)

    def _later(self, job: Callable[[], object], then: Callable[[], object] | None = None) -> None:
        """Persist in order, off the loop; ``then`` runs on the loop once it is written."""
        try:
            self._persist.put_nowait((job, then))
        except asyncio.QueueFull:
            log.error("command persistence queue full; change not persisted")

    def add_sent_listener(self, listener: SentListener) -> None:
        """Told of every command the broker accepted (PUBACK), before the device answers."""
        self._sent_listeners.append(listener)

    async def issue(
        self,
        device_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        issued_by: str,
        timeout_s: float | None = None,
        wait_for: WaitFor = "confirmed",
        record_params: Mapping[str, Any] | None = None,
        expires_at_ms: int | None = None,
    ) -> CommandOutcome:
        """``record_params``, when given, is stored instead of ``params`` (a firmware
        fragment is recorded by its offset and length, not its bytes). ``expires_at_ms``,
        when given, is the expiry the device checks, on the device's own clock (the answer
        to a card read expires when the door stops waiting, 2 s after the read as the door
        reckons); by default the command expires ``timeout_s`` from now. The hub waits
        ``timeout_s`` for the outcome either way."""
        entry = self._directory.get(device_id)
        if entry is None:
            raise UnknownDevice(device_id)
        started = time.perf_counter()
        now = self._clock_ms()
        timeout = timeout_s if timeout_s is not None else self._default_timeout_s
        deadline_ms = now + int(timeout * 1000)
        expires = deadline_ms if expires_at_ms is None else expires_at_ms
        command = Command(uuid.uuid4().hex, name, dict(params), expires)
        try:
            outbound = entry.session.encode_command(command)
        except CodecError as exc:
            raise UnsupportedCommand(device_id, name, exc.reason) from exc
        kind = entry.info.kind
        # Persisted by the ordered persistence worker, not awaited: the unlock path does
        # not wait on a database write before the command is on its way; every later
        # change of this command is queued behind this insert.
        self._later(
            lambda: self._repository.insert(
                {
                    "id": command.command_id,
                    "device_id": device_id,
                    "kind": kind,
                    "name": name,
                    "params": dict(params if record_params is None else record_params),
                    "issued_by": issued_by,
                    "instance_id": self._instance_id,
                    "state": CommandState.QUEUED.value,
                    "created_ms": now,
                    "expires_ms": command.expires_at_ms,
                }
            )
        )
        waiter = _Waiter(wait_for, asyncio.get_running_loop().create_future(), deadline_ms)
        self._waiters[command.command_id] = waiter
        try:
            try:
                for message in outbound:
                    await self._publisher.publish(
                        message.topic, message.payload, message.qos, False
                    )
            except Exception as exc:  # not connected, or no PUBACK: the command failed
                failed_ms = self._clock_ms()
                why = f"not sent: {exc}"
                self._later(
                    lambda: self._repository.advance(
                        command.command_id, CommandState.FAILED, at_ms=failed_ms, reason=why
                    )
                )
                raise
            sent_ms = self._clock_ms()
            self._later(
                lambda: self._repository.advance(
                    command.command_id, CommandState.SENT, at_ms=sent_ms
                )
            )
            for listener in self._sent_listeners:
                listener(SentCommand(device_id, kind, name, dict(params), issued_by, sent_ms))
            state, reason = await self._await_outcome(command, waiter)
        finally:
            self._waiters.pop(command.command_id, None)
        latency_ms = (time.perf_counter() - started) * 1000
        self._metrics.commands.labels(kind, name, state.value).inc()
        self._metrics.command_latency.labels(kind, name).observe(latency_ms / 1000)
        return CommandOutcome(command.command_id, device_id, name, state, reason, latency_ms)

    async def _await_outcome(
        self, command: Command, waiter: _Waiter
    ) -> tuple[CommandState, str | None]:
        """The reply's outcome, or at expiry (plus a grace once the device accepted) what
        the database says: every replica hears every reply on its own command lane, so
        the database is asked once, for a reply this replica missed (it was away from the
        broker when the reply came), never polled."""
        while True:
            remaining_s = (waiter.deadline_ms - self._clock_ms()) / 1000
            if waiter.acknowledged:
                remaining_s += CONFIRMATION_GRACE_S
            if remaining_s <= 0:
                break
            try:  # asyncio.timeout, not wait_for: see hub/event_wait.py
                async with asyncio.timeout(remaining_s):
                    return await asyncio.shield(waiter.done)
            except TimeoutError:
                pass  # the grace may have begun meanwhile: look again
        if waiter.done.done():  # a reply arrived at the last moment
            return waiter.done.result()
        if self._stopped:  # the hub is stopping: no database to ask, nothing to persist
            return CommandState.TIMED_OUT, "the hub stopped before the device answered"
        elsewhere = await self._db(lambda: self._repository.get(command.command_id))
        if elsewhere is not None:
            state = CommandState(elsewhere.state)
            if state.final or (
                state is CommandState.ACKNOWLEDGED and waiter.wait_for == "accepted"
            ):
                return state, elsewhere.reason
        at_ms = self._clock_ms()
        # Queued behind the command's own insert; a no-op if a reply made it final first.
        self._later(
            lambda: self._repository.advance(
                command.command_id, CommandState.TIMED_OUT, at_ms=at_ms
            )
        )
        return CommandState.TIMED_OUT, "no reply before the command expired"

    def on_reply(
        self, device_reply: DeviceReply, persisted: Callable[[], object] | None = None
    ) -> None:
        """Called the moment a reply is decoded (the command lane, or a worker for replies
        inside device data); ``persisted`` runs once the reply is written."""
        reply = device_reply.reply
        state = REPLY_STATES.get(reply.status)
        if state is None:
            if persisted is not None:
                persisted()
            return
        waiter = self._waiters.get(reply.command_id)
        received_ms = device_reply.received_ms
        if waiter is not None and not waiter.done.done():
            if state is CommandState.ACKNOWLEDGED:
                waiter.acknowledged = True
                if waiter.wait_for == "accepted":
                    waiter.done.set_result((state, reply.reason))
            else:
                waiter.done.set_result((state, reply.reason))
        self._later(lambda: self._persist_reply(device_reply, state, received_ms), persisted)

    def _persist_reply(self, device_reply: DeviceReply, state: CommandState, at_ms: int) -> None:
        reply = device_reply.reply
        applied = self._repository.advance(
            reply.command_id, state, at_ms=at_ms, reason=reply.reason, not_after_ms=None
        )
        record = self._repository.get(reply.command_id) if not applied else None
        late = not applied and (record is None or CommandState(record.state).final)
        self._repository.record_reply(
            {
                "command_id": reply.command_id,
                "device_id": device_reply.device.device_id,
                "status": reply.status,
                "reason": reply.reason,
                "received_ms": at_ms,
                "late": late,
                "instance_id": self._instance_id,
            }
        )
        if late:
            log.info(
                "late reply %s for command %s from %s recorded, not acted on",
                reply.status,
                reply.command_id,
                device_reply.device.device_id,
            )

    def pending(self) -> int:
        return len(self._waiters)
