"""The ingest loop: pull messages in batches, decode, commit in one transaction, then
acknowledge and tell observers.

Two stages joined by a queue of at most ``max_pending_batches``: while one batch is being
written, the next is decoded. When the store falls behind the queue fills, the decode
stage stops pulling, the transport's bounded buffer fills and it stops reading the socket:
memory stays bounded and the broker holds the backlog. A QoS 1 message is acknowledged
only after its batch is committed, so a crash loses nothing that was acknowledged. A
failed commit is retried with backoff, never dropped.

Recorders write what they derive from the batch's new events (parcels, sales, access
decisions) in the batch's own transaction, and act on it (answer a card, publish a live
event) only once it is committed: a crash between the two cannot leave a stored, acknowledged
event without its record.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import Connection

from firmware_protocols.clock import wall_ms
from hub.ingest.batch import CommittedBatch, DeviceEvent, PendingBatch
from hub.ingest.decoder import MessageDecoder
from hub.metrics import HubMetrics
from hub.presence import Transition
from hub.store.rows import EventKey, WriteBatch, WriteResult
from hub.store.writer import InTransaction
from hub.transport.base import InboundMessage, Transport

log = logging.getLogger(__name__)


class BatchWriter(Protocol):
    def write(self, batch: WriteBatch, within: InTransaction | None = None) -> WriteResult: ...


AfterCommit = Callable[[], object]


class BatchRecorder(Protocol):
    """Writes records derived from a batch's new events in the batch's transaction."""

    def record(self, conn: Connection, new_events: Sequence[DeviceEvent]) -> AfterCommit | None:
        """Write in ``conn`` and return what to do once the batch is committed, or None.

        Runs in the writer's thread (on PostgreSQL), and again if the transaction fails
        and is retried: touch nothing but ``conn`` and the events here."""
        ...


class BatchObserver(Protocol):
    """Told about each committed batch. Must not block: schedule slow work elsewhere."""

    def on_committed(self, batch: CommittedBatch) -> None: ...


class Backlog(Protocol):
    """Work handed on by observers that must not be dropped: the pipeline waits for
    room before it takes the next batch, so a slow consumer slows ingest (the broker
    holds the rest) instead of losing signals or growing memory."""

    async def room(self) -> None: ...


class IngestPipeline:
    def __init__(
        self,
        transport: Transport,
        decoder: MessageDecoder,
        writer: BatchWriter,
        metrics: HubMetrics,
        instance_id: str,
        batch_size: int = 2000,
        flush_interval_s: float = 0.05,
        max_pending_batches: int = 2,
        decode_chunk: int = 128,
        clock_ms: Callable[[], int] = wall_ms,
        write_in_thread: bool = True,
    ) -> None:
        self._transport = transport
        self._decoder = decoder
        self._writer = writer
        self._metrics = metrics
        self._instance_id = instance_id
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._clock_ms = clock_ms
        self._queue: asyncio.Queue[PendingBatch] = asyncio.Queue(max_pending_batches)
        self._observers: list[BatchObserver] = []
        self._recorders: list[BatchRecorder] = []
        self._backlogs: list[Backlog] = []
        self._side_transitions: list[Transition] = []
        self._decode_chunk = max(1, min(decode_chunk, batch_size))
        self._writing = False
        self._write_in_thread = write_in_thread
        self.committed_messages = 0
        self.last_commit_ms: int | None = None
        self.commit_failures = 0

    def add_observer(self, observer: BatchObserver) -> None:
        self._observers.append(observer)

    def add_recorder(self, recorder: BatchRecorder) -> None:
        self._recorders.append(recorder)

    def add_backlog(self, backlog: Backlog) -> None:
        """Wait for ``backlog`` to have room after every batch (see :class:`Backlog`)."""
        self._backlogs.append(backlog)

    def add_transitions(self, transitions: Sequence[Transition]) -> None:
        """Presence transitions found outside a message (heartbeat sweep) for the next batch."""
        self._side_transitions.extend(transitions)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._decode_loop(), name="ingest-decode")
            group.create_task(self._write_loop(), name="ingest-write")

    async def _decode_loop(self) -> None:
        while True:
            messages = await self._transport.receive_batch(
                self._decode_chunk, self._flush_interval_s
            )
            if not messages and not self._side_transitions:
                continue
            batch = PendingBatch(first_received=time.monotonic())
            await self._decode_chunks(batch, messages)
            if self._side_transitions:
                for transition in self._side_transitions:
                    batch.add_transition(transition, self._instance_id)
                self._side_transitions = []
            await self._queue.put(batch)
            self._metrics.ingest_queue_depth.set(self._transport.buffered())

    async def _decode_chunks(self, batch: PendingBatch, messages: list[InboundMessage]) -> None:
        """Decode in small chunks, yielding to the loop between them so a command reply or
        an API request never waits behind a whole batch. While the writer is busy the
        batch keeps growing (up to ``batch_size``); once it is idle, what is decoded goes
        at once, so light traffic is stored with little delay."""
        while True:
            now_ms = self._clock_ms()
            for message in messages:
                self._decoder.decode_into(message, batch, now_ms)
            await asyncio.sleep(0)
            if batch.messages >= self._batch_size:
                return
            if self._write_in_thread and not self._writing:
                return  # the writer is idle: what is decoded goes at once
            room = min(self._decode_chunk, self._batch_size - batch.messages)
            messages = await self._transport.receive_batch(room, 0)
            if not messages:
                return

    async def _write_loop(self) -> None:
        while True:
            batch = await self._queue.get()
            self._writing = True
            after: list[AfterCommit] = []
            try:
                result = await self._commit(batch, after)
            finally:
                self._writing = False
            for message in batch.to_ack:
                self._transport.ack(message)
            self.committed_messages += batch.messages
            self.last_commit_ms = self._clock_ms()
            self._observe(batch, result)
            for action in after:
                try:
                    action()
                except Exception:  # a recorder's bug must not stop ingest
                    log.exception("after-commit action %r failed", action)
            self._notify(batch, result)
            for backlog in self._backlogs:
                await backlog.room()

    def _within(self, batch: PendingBatch, after: list[AfterCommit]) -> InTransaction | None:
        if not self._recorders:
            return None
        recorders, sources = self._recorders, batch.event_sources

        def record(conn: Connection, new_keys: tuple[EventKey, ...]) -> None:
            after.clear()  # a retried transaction records again
            new_events = [sources[key] for key in new_keys if key in sources]
            if not new_events:
                return
            for recorder in recorders:
                action = recorder.record(conn, new_events)
                if action is not None:
                    after.append(action)

        return record

    async def _commit(self, batch: PendingBatch, after: list[AfterCommit]) -> WriteResult:
        within = self._within(batch, after)
        write = WriteBatch(
            telemetry=batch.telemetry,
            events=batch.events,
            presence=batch.presence,
            dead_letters=batch.dead_letters,
            twins=batch.twin_rows(),
        )
        delay = 0.1
        while True:
            started = time.perf_counter()
            try:
                if self._write_in_thread:
                    result = await asyncio.to_thread(self._writer.write, write, within)
                else:
                    result = self._writer.write(write, within)
            except Exception:  # the loop's edge: any store failure is retried, never dropped
                self.commit_failures += 1
                log.exception("store write failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._metrics.store_batch_seconds.observe(time.perf_counter() - started)
            return result

    def _observe(self, batch: PendingBatch, result: WriteResult) -> None:
        metrics = self._metrics
        metrics.store_batch_rows.observe(batch.messages)
        metrics.ingest_lag.observe(time.monotonic() - batch.first_received)
        metrics.stored_rows.labels("telemetry").inc(result.telemetry_inserted)
        metrics.stored_rows.labels("event").inc(result.events_inserted)
        metrics.duplicate_rows.labels("telemetry").inc(result.telemetry_duplicates)
        metrics.duplicate_rows.labels("event").inc(result.events_duplicates)

    def _notify(self, batch: PendingBatch, result: WriteResult) -> None:
        new_events = [
            batch.event_sources[key] for key in result.new_event_keys if key in batch.event_sources
        ]
        committed = CommittedBatch(
            new_events=new_events,
            transitions=batch.transitions,
            twins=list(batch.twins.values()),
            replies=batch.replies,
            gaps=batch.gaps,
        )
        for observer in self._observers:
            try:
                observer.on_committed(committed)
            except Exception:  # an observer's bug must not stop ingest
                log.exception("observer %r failed", observer)
