"""Plain rows the store writes and reads, and the batch that carries them in and out.

Everything here is a frozen slotted dataclass of plain values, cheap to build on the event
loop and safe to hand to the writer's worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

EventKey = tuple[str, int, str]
"""(device_id, seq, type): what makes an event unique."""


class JsonText(str):
    """A value already serialised as JSON (finite numbers only), stored as given. A twin
    snapshot is taken this way on the event loop: one ``json.dumps`` instead of a deep
    copy there and a ``json.dumps`` in the writer's thread."""

    __slots__ = ()


# ---------------------------------------------------------------- written rows
class TelemetryRow(NamedTuple):
    """One telemetry message: its readings by metric name. A named tuple, not a frozen
    dataclass: one is built per message on the ingest path, and a tuple builds several
    times faster."""

    device_id: str
    seq: int
    ts_ms: int
    metrics: Mapping[str, float]


class EventRow(NamedTuple):
    """One event to store (a named tuple: one or more are built per message)."""

    device_id: str
    seq: int
    ts_ms: int
    type: str
    data: Mapping[str, Any]

    @property
    def key(self) -> EventKey:
        return (self.device_id, self.seq, self.type)


@dataclass(frozen=True, slots=True)
class PresenceRow:
    device_id: str
    online: bool
    reason: str
    ts_ms: int
    recorded_by: str


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    received_ms: int
    topic: str
    payload: bytes
    device_id: str | None
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class TwinRow:
    device_id: str
    reported: Mapping[str, Any]
    reported_version: int
    desired: Mapping[str, Any]
    desired_version: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class TwinSnapshot:
    """A twin to write, its state already JSON (taken while the twin keeps changing)."""

    device_id: str
    reported: JsonText
    reported_version: int
    desired: JsonText
    desired_version: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class WriteBatch:
    """Everything one ingest batch stores, written in one transaction.

    ``received_ms`` stamps the events; None means "when the writer runs".
    """

    telemetry: Sequence[TelemetryRow] = ()
    events: Sequence[EventRow] = ()
    presence: Sequence[PresenceRow] = ()
    dead_letters: Sequence[DeadLetterRow] = ()
    twins: Sequence[TwinRow | TwinSnapshot] = ()
    received_ms: int | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a committed batch changed. ``new_event_keys`` lists only events that were not
    stored before, so domain logic acts once per event however often it is redelivered.
    ``rejected`` counts rows the store could not hold (NaN, oversized keys, values JSON
    cannot carry); they were stored as dead letters with reason ``invalid_row`` instead."""

    telemetry_inserted: int = 0
    telemetry_duplicates: int = 0
    events_inserted: int = 0
    events_duplicates: int = 0
    new_event_keys: tuple[EventKey, ...] = ()
    presence_inserted: int = 0
    presence_duplicates: int = 0
    dead_letters_inserted: int = 0
    twins_written: int = 0
    rejected: int = 0


# ---------------------------------------------------------------- read rows
@dataclass(frozen=True, slots=True)
class Point:
    ts_ms: int
    value: float


@dataclass(frozen=True, slots=True)
class Bucket:
    """Aggregate of the points in [start_ms, start_ms + width)."""

    start_ms: int
    min: float
    max: float
    mean: float
    count: int


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    device_id: str
    seq: int
    ts_ms: int
    type: str
    data: Mapping[str, Any]
    received_ms: int


@dataclass(frozen=True, slots=True)
class PresenceChange(PresenceRow):
    """A stored presence row, with its id."""

    id: int


@dataclass(frozen=True, slots=True)
class DeadLetter(DeadLetterRow):
    """A stored dead letter, with its id."""

    id: int
