"""What the front and its ingest workers tell each other, one frozen dataclass a kind.

Worker to front: presence changes (and, every few seconds, the partition's whole
presence, so the front's view heals after a worker restart), live events for the
server-sent event stream, command replies decoded from device data (Sparkplug), requests
to send a command, counters for readiness, and the worker's Prometheus samples.

Front to worker: the registry changed, a grant was issued at a door the worker watches,
the outcome of a command the worker asked for, stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.commands.service import CommandOutcome
from hub.config import Settings
from hub.ingest.batch import DeviceReply
from hub.live import LiveEvent
from hub.presence import Transition

SampleRow = tuple[str, tuple[tuple[str, str], ...], float]
"""(sample name, sorted labels, value)."""
FamilyRow = tuple[str, str, str, tuple[SampleRow, ...]]
"""(family name, type, documentation, samples)."""


# ---------------------------------------------------------------- worker to front
@dataclass(frozen=True, slots=True)
class WorkerHello:
    index: int
    pid: int


@dataclass(frozen=True, slots=True)
class PresenceChanges:
    transitions: tuple[Transition, ...]


@dataclass(frozen=True, slots=True)
class PresenceSnapshot:
    """Every device of the worker's partition that is online now, and when each device
    was last heard from."""

    online: frozenset[str]
    devices: frozenset[str]
    last_seen_ms: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class LiveEvents:
    events: tuple[LiveEvent, ...]


@dataclass(frozen=True, slots=True)
class Replies:
    replies: tuple[DeviceReply, ...]


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """Send a command for the worker's domain. ``request_id`` None: fire and forget."""

    request_id: int | None
    device_id: str
    name: str
    params: Mapping[str, Any]
    issued_by: str
    timeout_s: float | None
    expires_at_ms: int | None = None  # the device's own expiry, when not now + timeout


@dataclass(frozen=True, slots=True)
class WorkerStats:
    index: int
    pid: int
    committed_messages: int
    last_commit_ms: int | None  # wall clock of the last commit, exact
    buffered: int
    connected: bool
    reading_paused: bool


@dataclass(frozen=True, slots=True)
class MetricSamples:
    families: tuple[FamilyRow, ...]


# ---------------------------------------------------------------- front to worker
@dataclass(frozen=True, slots=True)
class RegistryChanged:
    """The registry changed (the front follows its change feed, hub/registry_sync):
    reload ``device_ids``, or every device when ``everything``; push new allow-lists to
    the online doors of ``building_ids``. ``initial``: the front's first look at the
    feed, when nothing needs pushing to devices."""

    device_ids: frozenset[str] = frozenset()
    building_ids: frozenset[int] = frozenset()
    everything: bool = True
    initial: bool = False


@dataclass(frozen=True, slots=True)
class GrantOpened:
    """The hub released a door's strike (app or operator unlock): openings in the next
    ``pulse_ms`` plus the grace are authorised."""

    device_id: str
    at_ms: int
    pulse_ms: int


@dataclass(frozen=True, slots=True)
class CommandResult:
    request_id: int
    outcome: CommandOutcome | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """The first signal a worker process gets: what to build."""

    settings: Settings
    index: int
    count: int
    broker_url: str
    shared_subscriptions: bool


@dataclass(frozen=True, slots=True)
class Stop:
    """Finish the batch in hand, then exit."""


WorkerSignal = (
    WorkerHello
    | PresenceChanges
    | PresenceSnapshot
    | LiveEvents
    | Replies
    | CommandRequest
    | WorkerStats
    | MetricSamples
)
FrontSignal = RegistryChanged | GrantOpened | CommandResult | Stop | WorkerSetup


@dataclass(slots=True)
class Outbox:
    """Signals gathered while handling one batch, sent together."""

    transitions: list[Transition] = field(default_factory=list)
    live: list[LiveEvent] = field(default_factory=list)
    replies: list[DeviceReply] = field(default_factory=list)

    def drain(self) -> list[WorkerSignal]:
        signals: list[WorkerSignal] = []
        if self.transitions:
            signals.append(PresenceChanges(tuple(self.transitions)))
            self.transitions.clear()
        if self.replies:
            signals.append(Replies(tuple(self.replies)))
            self.replies.clear()
        if self.live:
            signals.append(LiveEvents(tuple(self.live)))
            self.live.clear()
        return signals
