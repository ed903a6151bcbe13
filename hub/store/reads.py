"""Read side of the store: telemetry history and buckets, events, presence history, dead
letters, twins, counts. Each function takes an Engine or an open Connection.

Bucket aggregates are computed in SQL with integer arithmetic on ``ts_ms``, so SQLite and
PostgreSQL return the same buckets.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    case,
    distinct,
    func,
    literal_column,
    or_,
    select,
)

from hub.store.rows import (
    Bucket,
    DeadLetter,
    Point,
    PresenceChange,
    StoredEvent,
    TwinRow,
)
from hub.store.schema import (
    dead_letter,
    event,
    presence_change,
    telemetry,
    telemetry_metric,
    twin,
)

Bind = Engine | Connection
BucketSize = Literal["minute", "hour", "day"]
BUCKET_MS: dict[BucketSize, int] = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
MAX_LIMIT = 100_000


@contextmanager
def _connection(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def _limit(limit: int) -> int:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return min(limit, MAX_LIMIT)


# ---------------------------------------------------------------- telemetry
# One row per message; a metric's value is read out of the row's ``metrics`` JSON (the
# dialect's JSON function), and rows without that metric are skipped.


def _metric_value(metric: str) -> ColumnElement[float]:
    value: ColumnElement[float] = telemetry.c.metrics[metric].as_float()
    return value


def telemetry_points(
    bind: Bind,
    device_id: str,
    metric: str,
    since_ms: int,
    until_ms: int,
    limit: int = 10_000,
    newest_first: bool = False,
) -> list[Point]:
    """Raw points in [since_ms, until_ms), oldest first (or newest first)."""
    ts = telemetry.c.ts_ms
    value = _metric_value(metric)
    query = (
        select(ts, value)
        .where(telemetry.c.device_id == device_id, ts >= since_ms, ts < until_ms)
        .where(value.is_not(None))
        .order_by(ts.desc() if newest_first else ts)
        .limit(_limit(limit))
    )
    with _connection(bind) as conn:
        return [Point(ts_ms, float(v)) for ts_ms, v in conn.execute(query)]


def telemetry_buckets(
    bind: Bind,
    device_id: str,
    metric: str,
    since_ms: int,
    until_ms: int,
    bucket: BucketSize,
    limit: int = 10_000,
) -> list[Bucket]:
    """min/max/mean/count per bucket in [since_ms, until_ms), oldest bucket first.

    A bucket starts at a multiple of its width since the Unix epoch (UTC days)."""
    return telemetry_series(bind, device_id, metric, since_ms, until_ms, BUCKET_MS[bucket], limit)


def telemetry_series(
    bind: Bind,
    device_id: str,
    metric: str,
    since_ms: int,
    until_ms: int,
    width_ms: int,
    limit: int = 10_000,
) -> list[Bucket]:
    """min/max/mean/count per bucket of ``width_ms`` (a whole number of milliseconds, at
    least one) in [since_ms, until_ms), oldest first; buckets start at multiples of the
    width since the Unix epoch. Empty buckets are left out."""
    if width_ms < 1:
        raise ValueError("width_ms must be at least 1")
    width = width_ms
    ts = telemetry.c.ts_ms
    # A literal, not a bound parameter: PostgreSQL matches the GROUP BY expression to the
    # selected one textually, and two separate parameters would not match.
    start = (ts - ts % literal_column(str(width))).label("start_ms")
    value = _metric_value(metric)
    query = (
        select(start, func.min(value), func.max(value), func.avg(value), func.count(value))
        .where(telemetry.c.device_id == device_id, ts >= since_ms, ts < until_ms)
        .where(value.is_not(None))
        .group_by(start)
        .order_by(start)
        .limit(_limit(limit))
    )
    with _connection(bind) as conn:
        return [
            Bucket(int(s), float(lo), float(hi), float(mean), int(n))
            for s, lo, hi, mean, n in conn.execute(query)
        ]


def minutes_outside(
    bind: Bind,
    device_ids: Collection[str],
    metric: str,
    since_ms: int,
    until_ms: int,
    low: float,
    high: float,
) -> list[tuple[str, int, int, int]]:
    """Per device and UTC hour in [since_ms, until_ms): (device, hour start, minutes with a
    reading, minutes with a reading outside [low, high]). A minute counts once however
    many readings it holds; hours without a reading are left out."""
    if not device_ids:
        return []
    ts, value = telemetry.c.ts_ms, _metric_value(metric)
    minute = ts - ts % literal_column("60000")
    hour = (ts - ts % literal_column("3600000")).label("hour_ms")
    outside = case((or_(value < low, value > high), minute), else_=None)
    query = (
        select(
            telemetry.c.device_id,
            hour,
            func.count(distinct(minute)),
            func.count(distinct(outside)),
        )
        .where(telemetry.c.device_id.in_(sorted(device_ids)), value.is_not(None))
        .where(ts >= since_ms, ts < until_ms)
        .group_by(telemetry.c.device_id, hour)
        .order_by(telemetry.c.device_id, hour)
    )
    with _connection(bind) as conn:
        return [(d, int(h), int(measured), int(out)) for d, h, measured, out in conn.execute(query)]


def list_metrics(bind: Bind, device_id: str) -> list[str]:
    """Metric names the device has reported, sorted."""
    query = (
        select(telemetry_metric.c.metric)
        .where(telemetry_metric.c.device_id == device_id)
        .order_by(telemetry_metric.c.metric)
    )
    with _connection(bind) as conn:
        return list(conn.scalars(query))


def latest_metric_seqs(
    bind: Bind, device_id: str, metrics: Collection[str], since_seq: int
) -> dict[str, int]:
    """Per metric, the newest message seq at or after ``since_seq`` that carries it."""
    wanted = set(metrics)
    query = (
        select(telemetry.c.seq, telemetry.c.metrics)
        .where(telemetry.c.device_id == device_id, telemetry.c.seq >= since_seq)
        .order_by(telemetry.c.seq.desc())
        .limit(MAX_LIMIT)
    )
    found: dict[str, int] = {}
    with _connection(bind) as conn:
        for seq, row in conn.execute(query):
            if isinstance(row, dict):
                for name in wanted.intersection(row):
                    found.setdefault(name, int(seq))
            if len(found) == len(wanted):
                break
    return found


def telemetry_count(bind: Bind, device_id: str | None = None) -> int:
    """Telemetry messages stored (for the device, or all)."""
    query = select(func.count()).select_from(telemetry)
    if device_id is not None:
        query = query.where(telemetry.c.device_id == device_id)
    with _connection(bind) as conn:
        return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- events
def events(
    bind: Bind,
    device_id: str | None = None,
    since_ms: int | None = None,
    until_ms: int | None = None,
    types: Collection[str] | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[StoredEvent]:
    """Events newest first (by id). Page on with ``before_id`` = the last id returned."""
    query = select(
        event.c.id,
        event.c.device_id,
        event.c.seq,
        event.c.ts_ms,
        event.c.type,
        event.c.data,
        event.c.received_ms,
    )
    if device_id is not None:
        query = query.where(event.c.device_id == device_id)
    if since_ms is not None:
        query = query.where(event.c.ts_ms >= since_ms)
    if until_ms is not None:
        query = query.where(event.c.ts_ms < until_ms)
    if types is not None:
        query = query.where(event.c.type.in_(list(types)))
    if before_id is not None:
        query = query.where(event.c.id < before_id)
    query = query.order_by(event.c.id.desc()).limit(_limit(limit))
    with _connection(bind) as conn:
        return [
            StoredEvent(id_, device, seq, ts_ms, type_, data, received_ms)
            for id_, device, seq, ts_ms, type_, data, received_ms in conn.execute(query)
        ]


def event_counts(
    bind: Bind, device_ids: Collection[str], types: Collection[str], since_ms: int, until_ms: int
) -> dict[tuple[str, str], int]:
    """Events of the named devices and types in [since_ms, until_ms), counted per (device,
    type)."""
    if not device_ids or not types:
        return {}
    query = (
        select(event.c.device_id, event.c.type, func.count())
        .where(event.c.device_id.in_(sorted(device_ids)), event.c.type.in_(sorted(types)))
        .where(event.c.ts_ms >= since_ms, event.c.ts_ms < until_ms)
        .group_by(event.c.device_id, event.c.type)
    )
    with _connection(bind) as conn:
        return {(device, type_): int(n) for device, type_, n in conn.execute(query)}


def event_count(bind: Bind, device_id: str | None = None, type: str | None = None) -> int:
    query = select(func.count()).select_from(event)
    if device_id is not None:
        query = query.where(event.c.device_id == device_id)
    if type is not None:
        query = query.where(event.c.type == type)
    with _connection(bind) as conn:
        return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- presence
_PRESENCE_COLUMNS = (  # in the order of PresenceChange's fields
    presence_change.c.device_id,
    presence_change.c.online,
    presence_change.c.reason,
    presence_change.c.ts_ms,
    presence_change.c.recorded_by,
    presence_change.c.id,
)


def presence_history(bind: Bind, device_id: str, limit: int = 100) -> list[PresenceChange]:
    """A device's online/offline changes, newest first."""
    query = (
        select(*_PRESENCE_COLUMNS)
        .where(presence_change.c.device_id == device_id)
        .order_by(presence_change.c.ts_ms.desc(), presence_change.c.id.desc())
        .limit(_limit(limit))
    )
    with _connection(bind) as conn:
        return [PresenceChange(*row) for row in conn.execute(query)]


def last_presence(
    bind: Bind, device_ids: Collection[str] | None = None
) -> dict[str, PresenceChange]:
    """Each device's latest change (all devices, or those named): for restoring presence
    state when the hub starts."""
    rank = (
        func.row_number()
        .over(
            partition_by=presence_change.c.device_id,
            order_by=(presence_change.c.ts_ms.desc(), presence_change.c.id.desc()),
        )
        .label("rank")
    )
    ranked = select(*_PRESENCE_COLUMNS, rank)
    if device_ids is not None:
        ranked = ranked.where(presence_change.c.device_id.in_(list(device_ids)))
    inner = ranked.subquery()
    query = select(*(inner.c[column.name] for column in _PRESENCE_COLUMNS)).where(inner.c.rank == 1)
    with _connection(bind) as conn:
        return {row.device_id: PresenceChange(*row) for row in conn.execute(query)}


# ---------------------------------------------------------------- dead letters
def dead_letters(bind: Bind, limit: int = 100, reason: str | None = None) -> list[DeadLetter]:
    """Dead letters newest first, optionally of one reason."""
    query = select(
        dead_letter.c.id,
        dead_letter.c.received_ms,
        dead_letter.c.topic,
        dead_letter.c.payload,
        dead_letter.c.device_id,
        dead_letter.c.reason,
        dead_letter.c.detail,
    )
    if reason is not None:
        query = query.where(dead_letter.c.reason == reason)
    query = query.order_by(dead_letter.c.id.desc()).limit(_limit(limit))
    with _connection(bind) as conn:
        return [
            DeadLetter(received, topic, bytes(payload), device_id, reason_, detail, id_)
            for id_, received, topic, payload, device_id, reason_, detail in conn.execute(query)
        ]


def count_by_reason(bind: Bind, device_ids: Collection[str] | None = None) -> dict[str, int]:
    """Dead letters by reason (of ``device_ids`` only, if given)."""
    query = select(dead_letter.c.reason, func.count()).group_by(dead_letter.c.reason)
    if device_ids is not None:
        query = query.where(dead_letter.c.device_id.in_(list(device_ids)))
    with _connection(bind) as conn:
        return {reason: int(n) for reason, n in conn.execute(query)}


# ---------------------------------------------------------------- twins
_TWIN_COLUMNS = (  # in the order of TwinRow's fields
    twin.c.device_id,
    twin.c.reported,
    twin.c.reported_version,
    twin.c.desired,
    twin.c.desired_version,
    twin.c.updated_ms,
)


def load_twin(bind: Bind, device_id: str) -> TwinRow | None:
    """One stored twin (what the device's worker last wrote)."""
    query = select(*_TWIN_COLUMNS).where(twin.c.device_id == device_id)
    with _connection(bind) as conn:
        row = conn.execute(query).first()
    return None if row is None else TwinRow(*row)


def load_twins(bind: Bind) -> dict[str, TwinRow]:
    """Every stored twin, for loading into memory when the hub starts."""
    query = select(*_TWIN_COLUMNS)
    with _connection(bind) as conn:
        return {row.device_id: TwinRow(*row) for row in conn.execute(query)}


def reported_state(bind: Bind, device_id: str) -> dict[str, Any] | None:
    """The stored twin's reported state of one device, or None if it never reported."""
    query = select(twin.c.reported).where(twin.c.device_id == device_id)
    with _connection(bind) as conn:
        value = conn.execute(query).scalar_one_or_none()
    return dict(value) if isinstance(value, dict) else None
