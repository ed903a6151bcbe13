"""The worker's end of its channel to the front process.

It is what the worker's parts see of the front: the live-event sink of the domain and
the alarms, the command issuer of the domain (the front's command lane sends every
command, so a device hears commands on one connection in the order they were decided),
and an ingest observer that forwards presence changes and command replies decoded from
device data. Signals are gathered in an :class:`~hub.ipc.signals.Outbox` and sent by one
task; :meth:`FrontLink.room` (a pipeline backlog) waits while they pile up, so a stuck
front slows ingest instead of growing memory.

Signals from the front (registry changed, grants, command results, stop) are handled by
:meth:`FrontLink.run` with the handlers the worker gives it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.commands.service import CommandOutcome, WaitFor
from hub.errors import CommandError
from hub.ingest.batch import CommittedBatch, DeviceReply
from hub.ipc.channel import Channel, ChannelClosed
from hub.ipc.signals import (
    CommandRequest,
    CommandResult,
    FrontSignal,
    GrantOpened,
    Outbox,
    RegistryChanged,
    Stop,
    WorkerSignal,
)
from hub.live import LiveEvent

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 10_000  # signals waiting to be sent before ingest waits


class FrontGone(CommandError):
    """The front process is not there to send the command."""


@dataclass(frozen=True, slots=True)
class FrontHandlers:
    registry_changed: Callable[[RegistryChanged], Awaitable[None]]
    grant_opened: Callable[[GrantOpened], None]
    stop: Callable[[], None]


class FrontLink:
    def __init__(self, channel: Channel[WorkerSignal, FrontSignal]) -> None:
        self._channel = channel
        self._outbox = Outbox()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._results: dict[int, asyncio.Future[CommandOutcome]] = {}
        self._next_request = 0
        self.closed = False

    # ------------------------------------------------------------ outgoing
    def _queued(self) -> None:
        outbox = self._outbox
        if len(outbox.transitions) + len(outbox.live) + len(outbox.replies) >= OUTBOX_LIMIT:
            self._room.clear()
        self._wake.set()

    def publish(self, event: LiveEvent) -> None:
        """The worker's live events (domain, alarms) for the front's event stream."""
        self._outbox.live.append(event)
        self._queued()

    def on_reply(self, reply: DeviceReply) -> None:
        """A command reply decoded from device data: forwarded at once, before commit."""
        self._outbox.replies.append(reply)
        self._queued()

    def on_committed(self, batch: CommittedBatch) -> None:
        if batch.transitions:
            self._outbox.transitions.extend(batch.transitions)
            self._queued()

    async def room(self) -> None:
        await self._room.wait()

    async def send(self, signal: WorkerSignal) -> None:
        """Send one signal now (after what the outbox holds is on its way)."""
        await self._channel.send(signal)

    async def _sender(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            for signal in self._outbox.drain():
                await self._channel.send(signal)
            self._room.set()

    # ------------------------------------------------------------ commands
    async def issue(
        self,
        device_id: str,
        name: str,
        params: Mapping[str, Any],
        *,
        issued_by: str,
        timeout_s: float | None = None,
        wait_for: WaitFor = "confirmed",
        expires_at_ms: int | None = None,
    ) -> CommandOutcome:
        """Ask the front to send a command and wait for its outcome."""
        if self.closed:
            raise FrontGone("the front process is gone")
        self._next_request += 1
        request_id = self._next_request
        request = CommandRequest(
            request_id, device_id, name, dict(params), issued_by, timeout_s, expires_at_ms
        )
        result: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._results[request_id] = result
        try:
            try:
                await self._channel.send(request)
            except ChannelClosed as exc:  # the front went away before run() noticed
                raise FrontGone("the front process is gone") from exc
            return await result
        finally:
            self._results.pop(request_id, None)

    def _resolve(self, signal: CommandResult) -> None:
        future = self._results.get(signal.request_id)
        if future is None or future.done():
            return
        if signal.outcome is not None:
            future.set_result(signal.outcome)
        else:
            future.set_exception(CommandError(signal.error or "the command was not sent"))

    # ------------------------------------------------------------ incoming
    async def run(self, handlers: FrontHandlers) -> None:
        """Send the outbox and handle the front's signals until the channel closes."""
        sender = asyncio.create_task(self._sender(), name="front-link-send")
        try:
            while True:
                try:
                    signal = await self._channel.receive()
                except ChannelClosed:
                    log.warning("the front process closed the channel")
                    handlers.stop()
                    return
                if isinstance(signal, CommandResult):
                    self._resolve(signal)
                elif isinstance(signal, GrantOpened):
                    handlers.grant_opened(signal)
                elif isinstance(signal, RegistryChanged):
                    await handlers.registry_changed(signal)
                elif isinstance(signal, Stop):
                    handlers.stop()
                    return
        finally:
            self.closed = True
            sender.cancel()
            for future in self._results.values():
                if not future.done():
                    future.set_exception(FrontGone("the front process is gone"))
