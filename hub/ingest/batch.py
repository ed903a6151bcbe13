"""What one ingest batch carries between the decode stage and the store, and what the
rest of the hub is told once it is committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from firmware_protocols.base import CommandReply, Event, SequenceGap
from hub.ingest.directory import DeviceInfo
from hub.presence import Transition
from hub.store.rows import (
    DeadLetterRow,
    EventRow,
    PresenceRow,
    TelemetryRow,
    TwinRow,
    TwinSnapshot,
)
from hub.store.screen import twin_snapshot
from hub.transport.base import InboundMessage
from hub.twin import Twin


class DeviceEvent(NamedTuple):
    device: DeviceInfo
    event: Event


@dataclass(frozen=True, slots=True)
class DeviceReply:
    device: DeviceInfo
    reply: CommandReply
    received_ms: int


@dataclass(frozen=True, slots=True)
class DeviceGap:
    device: DeviceInfo
    gap: SequenceGap


@dataclass(slots=True)
class PendingBatch:
    """Rows decoded from a run of messages, waiting for one store transaction."""

    telemetry: list[TelemetryRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    event_sources: dict[tuple[str, int, str], DeviceEvent] = field(default_factory=dict)
    presence: list[PresenceRow] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    dead_letters: list[DeadLetterRow] = field(default_factory=list)
    twins: dict[str, Twin] = field(default_factory=dict)
    replies: list[DeviceReply] = field(default_factory=list)
    gaps: list[DeviceGap] = field(default_factory=list)
    to_ack: list[InboundMessage] = field(default_factory=list)
    messages: int = 0
    first_received: float = 0.0

    def add_transition(self, transition: Transition, recorded_by: str) -> None:
        """A presence transition and its row. The row's time is cut to the second, so
        replicas that see the same transition store it once."""
        self.transitions.append(transition)
        self.presence.append(
            PresenceRow(
                transition.device_id,
                transition.online,
                transition.reason,
                transition.ts_ms // 1000 * 1000,
                recorded_by,
            )
        )

    def twin_rows(self) -> list[TwinRow | TwinSnapshot]:
        """Snapshots as JSON: the writer stores them in a thread while twins keep changing."""
        return [twin_snapshot(t) for t in self.twins.values()]


@dataclass(frozen=True, slots=True)
class CommittedBatch:
    """Told to observers after the store committed: only events that were new (a
    redelivered message's events are not repeated), presence transitions, twin changes,
    command replies and Sparkplug sequence gaps."""

    new_events: list[DeviceEvent]
    transitions: list[Transition]
    twins: list[Twin]
    replies: list[DeviceReply]
    gaps: list[DeviceGap]
