"""The hub's store: telemetry, events, presence history, dead letters and twins.

Write with :class:`StoreWriter` (one batch, one transaction, duplicates skipped), read
with the functions of :mod:`hub.store.reads`, prune with :mod:`hub.store.retention`.
Tables live in :mod:`hub.store.schema`; migration 0002 creates them.
"""

from hub.store.reads import (
    BUCKET_MS,
    BucketSize,
    count_by_reason,
    dead_letters,
    event_count,
    events,
    last_presence,
    list_metrics,
    load_twins,
    presence_history,
    telemetry_buckets,
    telemetry_count,
    telemetry_points,
)
from hub.store.retention import (
    Pruned,
    prune_all,
    prune_dead_letters,
    prune_telemetry,
    retention_loop,
)
from hub.store.rows import (
    Bucket,
    DeadLetter,
    DeadLetterRow,
    EventKey,
    EventRow,
    Point,
    PresenceChange,
    PresenceRow,
    StoredEvent,
    TelemetryRow,
    TwinRow,
    WriteBatch,
    WriteResult,
)
from hub.store.screen import INVALID_ROW
from hub.store.writer import StoreWriter, TelemetryMethod

__all__ = [
    "BUCKET_MS",
    "INVALID_ROW",
    "Bucket",
    "BucketSize",
    "DeadLetter",
    "DeadLetterRow",
    "EventKey",
    "EventRow",
    "Point",
    "PresenceChange",
    "PresenceRow",
    "Pruned",
    "StoreWriter",
    "StoredEvent",
    "TelemetryMethod",
    "TelemetryRow",
    "TwinRow",
    "WriteBatch",
    "WriteResult",
    "count_by_reason",
    "dead_letters",
    "event_count",
    "events",
    "last_presence",
    "list_metrics",
    "load_twins",
    "presence_history",
    "prune_all",
    "prune_dead_letters",
    "prune_telemetry",
    "retention_loop",
    "telemetry_buckets",
    "telemetry_count",
    "telemetry_points",
]
