"""The front's ingest workers: start them, keep them running, talk to them.

With ``count`` > 0 each worker is a process of its own (``python -m hub.worker``), given
one end of a socket pair; a worker that dies is started again after a pause, and its
MQTT session still holds what it had not acknowledged. With ``count`` == 0 one worker
runs inside the front's own event loop, joined by an in-memory channel (small
deployments, tests): the same code, one core.

What the workers say is handled by a :class:`SignalHandler` (the front's runtime); the
pool only carries it and keeps the latest counters and metric samples of each worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hub.config import Settings
from hub.ipc.channel import Channel, ChannelClosed, StreamChannel, memory_pair
from hub.ipc.signals import (
    FamilyRow,
    FrontSignal,
    MetricSamples,
    Stop,
    WorkerSetup,
    WorkerSignal,
    WorkerStats,
)
from hub.worker.front_link import FrontLink
from hub.worker.partition import Partition, partition_of
from hub.worker.runtime import WorkerRuntime, build_worker
from hub.worker.service import run_worker

log = logging.getLogger(__name__)

RESTART_DELAY_S = (0.5, 1.0, 2.0, 5.0, 10.0)
STOP_TIMEOUT_S = 15.0

InProcessBuilder = Callable[[Partition, FrontLink], WorkerRuntime]


class SignalHandler(Protocol):
    async def on_worker_signal(self, index: int, signal: WorkerSignal) -> None: ...

    def on_worker_lost(self, index: int) -> None: ...


@dataclass(slots=True)
class WorkerSlot:
    index: int
    channel: Channel[FrontSignal, WorkerSignal] | None = None
    process: asyncio.subprocess.Process | None = None
    local: WorkerRuntime | None = None
    stats: WorkerStats | None = None
    samples: tuple[FamilyRow, ...] = ()
    starts: int = 0


class WorkerPool:
    def __init__(
        self,
        settings: Settings,
        broker_url: str,
        count: int,
        *,
        shared_subscriptions: bool = True,
        in_process: InProcessBuilder | None = None,
    ) -> None:
        """``count`` worker processes, or (0) one worker in this process, built by
        ``in_process`` (default: :func:`~hub.worker.runtime.build_worker`)."""
        self._settings = settings
        self._broker_url = broker_url
        self._processes = count
        self._shared = shared_subscriptions
        self._build = in_process or self._default_build
        self.slots = [WorkerSlot(i) for i in range(max(count, 1))]
        self._stopping = False
        self._reported = asyncio.Condition()

    def _default_build(self, partition: Partition, link: FrontLink) -> WorkerRuntime:
        return build_worker(
            self._settings,
            self._broker_url,
            partition,
            link,
            use_shared_subscriptions=self._shared,
        )

    # ------------------------------------------------------------ what the front asks
    @property
    def count(self) -> int:
        return len(self.slots)

    @property
    def in_process(self) -> bool:
        return self._processes == 0

    def local(self, index: int = 0) -> WorkerRuntime:
        """The worker running inside this process (``count`` == 0 only)."""
        runtime = self.slots[index].local
        if runtime is None:
            raise LookupError(f"worker {index} does not run in this process")
        return runtime

    def owner_of(self, device_id: str) -> int:
        return partition_of(device_id, self.count)

    async def send_to_owner(self, device_id: str, signal: FrontSignal) -> None:
        await self._send(self.slots[self.owner_of(device_id)], signal)

    async def broadcast(self, signal: FrontSignal) -> None:
        for slot in self.slots:
            await self._send(slot, signal)

    async def _send(self, slot: WorkerSlot, signal: FrontSignal) -> None:
        channel = slot.channel
        if channel is None:
            return  # not running: it reads the registry afresh when it starts again
        with contextlib.suppress(ChannelClosed):
            await channel.send(signal)

    @property
    def committed_messages(self) -> int:
        return sum(s.stats.committed_messages for s in self.slots if s.stats is not None)

    @property
    def connected(self) -> bool:
        return all(s.stats is not None and s.stats.connected for s in self.slots)

    def samples(self) -> dict[int, tuple[FamilyRow, ...]]:
        return {slot.index: slot.samples for slot in self.slots}

    async def wait_connected(self) -> None:
        """Until every worker reports being connected to the broker."""
        async with self._reported:
            await self._reported.wait_for(lambda: self.connected)

    # ------------------------------------------------------------ running
    async def run(self, handler: SignalHandler) -> None:
        """Start the workers and keep them running until cancelled; then stop them."""
        try:
            async with asyncio.TaskGroup() as group:
                for slot in self.slots:
                    group.create_task(self._keep(slot, handler), name=f"worker-{slot.index}")
        finally:
            self._stopping = True
            await self._stop_all()

    async def _keep(self, slot: WorkerSlot, handler: SignalHandler) -> None:
        while True:
            started = time.monotonic()
            slot.starts += 1
            try:
                if self.in_process:
                    await self._run_local(slot, handler)
                else:
                    await self._run_process(slot, handler)
            finally:
                slot.channel = None
                slot.stats = None
                if not self._stopping and not _being_cancelled():
                    handler.on_worker_lost(slot.index)
            quick = time.monotonic() - started < 60
            delay = RESTART_DELAY_S[min(slot.starts - 1, len(RESTART_DELAY_S) - 1)] if quick else 0
            if not quick:
                slot.starts = 1
            log.error("ingest worker %d ended; starting it again in %.1f s", slot.index, delay)
            await asyncio.sleep(delay)

    async def _receive(
        self,
        slot: WorkerSlot,
        channel: Channel[FrontSignal, WorkerSignal],
        handler: SignalHandler,
    ) -> None:
        while True:
            try:
                signal = await channel.receive()
            except ChannelClosed:
                return
            if isinstance(signal, WorkerStats):
                slot.stats = signal
                async with self._reported:
                    self._reported.notify_all()
            elif isinstance(signal, MetricSamples):
                slot.samples = signal.families
            else:
                await handler.on_worker_signal(slot.index, signal)

    async def _run_local(self, slot: WorkerSlot, handler: SignalHandler) -> None:
        ends: tuple[Channel[FrontSignal, WorkerSignal], Channel[WorkerSignal, FrontSignal]]
        ends = memory_pair()
        front_end, worker_end = ends
        runtime = self._build(Partition(slot.index, 1), FrontLink(worker_end))
        slot.local = runtime
        slot.channel = front_end
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(run_worker(runtime), name="worker-0-local")
                group.create_task(self._receive(slot, front_end, handler), name="worker-0-recv")
        finally:
            runtime.engine.dispose()

    async def _run_process(self, slot: WorkerSlot, handler: SignalHandler) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "hub.worker",
                "--fd",
                str(child.fileno()),
                pass_fds=(child.fileno(),),
                env=worker_environment(),
            )
        finally:
            child.close()
        slot.process = process
        channel: StreamChannel[FrontSignal, WorkerSignal] = await StreamChannel.over(parent)
        slot.channel = channel
        await channel.send(
            WorkerSetup(self._settings, slot.index, self.count, self._broker_url, self._shared)
        )
        try:
            await self._receive(slot, channel, handler)
        finally:
            stopping = self._stopping or _being_cancelled()
            if stopping:  # ask it to finish its batch and go; the socket closing says so too
                with contextlib.suppress(ChannelClosed, ConnectionError, OSError, TimeoutError):
                    await asyncio.wait_for(channel.send(Stop()), 1.0)
            channel.close()
            code = await _ended(process)
            slot.process = None
            if not stopping:
                log.error("ingest worker %d (pid %d) exited with %s", slot.index, process.pid, code)

    async def _stop_all(self) -> None:
        for slot in self.slots:
            if slot.channel is not None:
                with contextlib.suppress(ChannelClosed, ConnectionError, OSError):
                    await slot.channel.send(Stop())
        processes = [s.process for s in self.slots if s.process is not None]
        await asyncio.gather(*(_ended(p) for p in processes), return_exceptions=True)


def worker_environment() -> dict[str, str]:
    """The front's environment, with glibc's malloc held to two arenas: a worker's
    threads (store writer, database lanes) would otherwise each grow an arena of their
    own, tens of megabytes of resident memory per process for no gain in speed."""
    return {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _ended(process: asyncio.subprocess.Process) -> int:
    """Wait for ``process`` to exit (SIGKILL after :data:`STOP_TIMEOUT_S`)."""
    try:
        return await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        return await process.wait()
