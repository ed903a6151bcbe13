"""Decode stage: one MQTT message into rows of a pending batch, or a dead letter.

Never raises for bad input: unknown topics and devices, disabled devices and codec
errors become dead letters, counted by reason and logged once per (device, reason).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from firmware_protocols.base import (
    DEVICE_KINDS,
    CodecError,
    CommandReply,
    Event,
    Presence,
    SequenceGap,
    StateReport,
    Telemetry,
)
from firmware_protocols.codecs import Codecs
from hub.ingest.batch import DeviceEvent, DeviceGap, DeviceReply, PendingBatch
from hub.ingest.directory import DeviceDirectory, DeviceInfo
from hub.metrics import HubMetrics
from hub.presence import PresenceTracker, Transition
from hub.store.rows import DeadLetterRow, EventRow, TelemetryRow
from hub.transport.base import InboundMessage
from hub.twin import TwinStore

log = logging.getLogger(__name__)

ReplyListener = Callable[[DeviceReply], None]
MAX_LOGGED_KEYS = 10_000


class MessageDecoder:
    def __init__(
        self,
        codecs: Codecs,
        directory: DeviceDirectory,
        presence: PresenceTracker,
        twins: TwinStore,
        metrics: HubMetrics,
        instance_id: str,
        reply_listener: ReplyListener | None = None,
    ) -> None:
        self._codecs = codecs
        self._directory = directory
        self._presence = presence
        self._twins = twins
        self._metrics = metrics
        self._instance_id = instance_id
        self._reply_listener = reply_listener
        self._logged: set[tuple[str | None, str]] = set()
        self._received = {kind: metrics.messages_received.labels(kind) for kind in DEVICE_KINDS}

    def set_reply_listener(self, listener: ReplyListener) -> None:
        self._reply_listener = listener

    def decode_into(self, message: InboundMessage, batch: PendingBatch, now_ms: int) -> None:
        batch.messages += 1
        if message.qos > 0:
            batch.to_ack.append(message)
        routed = self._codecs.route(message.topic)
        if routed is None:
            self._dead(batch, message, None, None, "unknown_topic", "", now_ms)
            return
        protocol, device_id, channel = routed
        entry = self._directory.lookup(device_id)
        if entry is None:
            self._dead(batch, message, device_id, None, "unknown_device", "", now_ms)
            return
        info = entry.info
        if info.protocol != protocol:
            detail = f"registered as {info.protocol}, sent {protocol}"
            self._dead(batch, message, device_id, info, "protocol_mismatch", detail, now_ms)
            return
        if not info.enabled:
            self._dead(batch, message, device_id, info, "device_disabled", "", now_ms)
            return
        try:
            records = entry.session.decode(channel, message.payload)
        except CodecError as exc:
            self._dead(batch, message, device_id, info, exc.reason, exc.detail, now_ms)
            return
        self._received[info.kind].inc()
        saw_presence = False
        for record in records:
            if isinstance(record, Telemetry):
                if record.metrics:
                    batch.telemetry.append(
                        TelemetryRow(device_id, record.seq, record.ts_ms, record.metrics)
                    )
            elif isinstance(record, Event):
                self._add_event(batch, info, record)
            elif isinstance(record, StateReport):
                twin = self._twins.report(device_id, record.state, now_ms)
                if twin is not None:
                    batch.twins[device_id] = twin
            elif isinstance(record, Presence):
                saw_presence = True
                self._record(
                    batch,
                    self._presence.observe(device_id, record.online, record.reason, now_ms),
                )
            elif isinstance(record, CommandReply):
                reply = DeviceReply(info, record, now_ms)
                batch.replies.append(reply)
                if self._reply_listener is not None:
                    self._reply_listener(reply)
            elif isinstance(record, SequenceGap):
                batch.gaps.append(DeviceGap(info, record))
        if not saw_presence:
            self._record(batch, self._presence.seen(device_id, now_ms))

    def _add_event(self, batch: PendingBatch, info: DeviceInfo, event: Event) -> None:
        key = (info.device_id, event.seq, event.type)
        if key in batch.event_sources:  # the same message twice in one batch
            return
        batch.events.append(
            EventRow(info.device_id, event.seq, event.ts_ms, event.type, event.data)
        )
        batch.event_sources[key] = DeviceEvent(info, event)

    def _record(self, batch: PendingBatch, transition: Transition | None) -> None:
        if transition is None:
            return
        batch.add_transition(transition, self._instance_id)
        state = "online" if transition.online else "offline"
        self._metrics.presence_transitions.labels(transition.kind, state, transition.reason).inc()

    def _dead(
        self,
        batch: PendingBatch,
        message: InboundMessage,
        device_id: str | None,
        info: DeviceInfo | None,
        reason: str,
        detail: str,
        now_ms: int,
    ) -> None:
        kind = info.kind if info is not None else "unknown"
        self._metrics.messages_rejected.labels(kind, reason).inc()
        self._metrics.dead_letters.labels(reason).inc()
        batch.dead_letters.append(
            DeadLetterRow(now_ms, message.topic, message.payload, device_id, reason, detail)
        )
        key = (device_id, reason)
        if key not in self._logged and len(self._logged) < MAX_LOGGED_KEYS:
            self._logged.add(key)
            log.warning(
                "dead letter: device=%s topic=%s reason=%s %s (further ones counted, not logged)",
                device_id,
                message.topic,
                reason,
                detail,
            )
