"""The command lane: the front's own MQTT connection, which carries every command out and
brings command replies back, and nothing else.

It is subscribed to the protocols' reply topics (``lockerlink/+/reply``,
``osdp/+/reply``), so a resident's unlock never waits behind telemetry: not in a buffer,
not in a decode chunk, not behind a store transaction, whatever the ingest workers are
going through. Replies travel inside device data in Sparkplug B; the worker that decodes
them forwards them at once. A reply is acknowledged to the broker once it is persisted.
A reply the lane cannot read is a dead letter, like any other bad message.

It also hears every device's status and birth (``lockerlink/+/status``, ``osdp/+/status``,
``spBv1.0/vending/NBIRTH/+``: a few messages per device and connection). The ingest
workers subscribe to their registered devices' own topics only, so this is where a
device the registry does not know shows itself: its announcement becomes an
``unknown_device`` dead letter. A registered device's announcement is left to its worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from paho.mqtt.client import topic_matches_sub

from firmware_protocols.base import CodecError, CommandReply
from firmware_protocols.clock import wall_ms
from firmware_protocols.codecs import Codecs
from hub.commands.service import CommandService
from hub.ingest.batch import DeviceReply
from hub.ingest.directory import DeviceDirectory
from hub.metrics import HubMetrics
from hub.store.rows import DeadLetterRow, WriteBatch
from hub.store.writer import StoreWriter
from hub.transport.base import InboundMessage, Transport

log = logging.getLogger(__name__)

BATCH = 256
MAX_LOGGED = 10_000


class CommandLane:
    def __init__(
        self,
        transport: Transport,
        codecs: Codecs,
        directory: DeviceDirectory,
        commands: CommandService,
        writer: StoreWriter,
        metrics: HubMetrics,
        clock_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self._transport = transport
        self._codecs = codecs
        self._directory = directory
        self._commands = commands
        self._writer = writer
        self._metrics = metrics
        self._clock_ms = clock_ms
        self._logged: set[tuple[str | None, str]] = set()
        self._announcements = [s.topic_filter for s in codecs.announce_subscriptions()]
        self.replies = 0

    def _is_announcement(self, topic: str) -> bool:
        return any(topic_matches_sub(f, topic) for f in self._announcements)

    async def run(self) -> None:
        while True:
            for message in await self._transport.receive_batch(BATCH, 1.0):
                dead = self._handle(message)
                if dead is not None:
                    await self._store_dead(message, dead)

    def _handle(self, message: InboundMessage) -> DeadLetterRow | None:
        """Hand the reply to the command service; a dead letter if it cannot be read."""
        now = self._clock_ms()
        routed = self._codecs.route(message.topic)
        if routed is None:
            return self._dead(message, None, "unknown_topic", "", now)
        protocol, device_id, channel = routed
        entry = self._directory.lookup(device_id)  # unknown: the registry watcher looks
        if entry is None:
            return self._dead(message, device_id, "unknown_device", "", now)
        if self._is_announcement(message.topic):
            self._transport.ack(message)  # its worker hears it too
            return None
        if entry.info.protocol != protocol:
            detail = f"registered as {entry.info.protocol}, sent {protocol}"
            return self._dead(message, device_id, "protocol_mismatch", detail, now)
        try:
            records = entry.session.decode(channel, message.payload)
        except CodecError as exc:
            return self._dead(message, device_id, exc.reason, exc.detail, now)
        replies = [r for r in records if isinstance(r, CommandReply)]
        if not replies:
            self._transport.ack(message)
            return None
        self._metrics.messages_received.labels(entry.info.kind).inc()
        for index, reply in enumerate(replies):
            last = index == len(replies) - 1
            self.replies += 1
            self._commands.on_reply(
                DeviceReply(entry.info, reply, now),
                (lambda: self._transport.ack(message)) if last else None,
            )
        return None

    def _dead(
        self,
        message: InboundMessage,
        device_id: str | None,
        reason: str,
        detail: str,
        now_ms: int,
    ) -> DeadLetterRow:
        entry = self._directory.get(device_id) if device_id is not None else None
        kind = entry.info.kind if entry is not None else "unknown"
        self._metrics.messages_rejected.labels(kind, reason).inc()
        self._metrics.dead_letters.labels(reason).inc()
        key = (device_id, reason)
        if key not in self._logged and len(self._logged) < MAX_LOGGED:
            self._logged.add(key)
            log.warning(
                "dead letter on the command lane: device=%s topic=%s reason=%s %s"
                " (further ones counted, not logged)",
                device_id,
                message.topic,
                reason,
                detail,
            )
        return DeadLetterRow(now_ms, message.topic, message.payload, device_id, reason, detail)

    async def _store_dead(self, message: InboundMessage, row: DeadLetterRow) -> None:
        delay = 0.1
        while True:
            try:
                await asyncio.to_thread(self._writer.write, WriteBatch(dead_letters=[row]))
                break
            except Exception:  # the loop's edge: a store failure is retried, never dropped
                log.exception("storing a dead letter failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._transport.ack(message)
