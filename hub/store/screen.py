"""Keep rows the database would refuse out of the batch transaction.

One bad row (a NaN reading, which JSON cannot carry, an oversized
metric name, a NUL character PostgreSQL text cannot hold, a sequence number beyond 64
bits, event data JSON cannot carry) must not fail the whole batch: the ingest pipeline
retries a failed batch forever, so one such message would stall ingest. Such rows become
dead letters with reason ``invalid_row`` instead. Dead letters themselves are cleaned,
never refused: they are the last resort.

The common case (nothing wrong) is checked with a few passes over the batch in C
(``map``, ``min``, ``max``, set building); only a batch that fails them is checked row by
row.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from hub.store.rows import (
    DeadLetterRow,
    EventRow,
    JsonText,
    PresenceRow,
    TelemetryRow,
    TwinRow,
    TwinSnapshot,
)
from hub.store.schema import (
    DEVICE_ID_LENGTH,
    EVENT_TYPE_LENGTH,
    INSTANCE_ID_LENGTH,
    METRIC_LENGTH,
    REASON_LENGTH,
)
from hub.twin import Twin

INVALID_ROW = "invalid_row"
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DETAIL_LENGTH = 2000


TelemetryParams = tuple[str, int, int, str]
"""(device_id, seq, ts_ms, metrics as JSON text): a telemetry row as the writer binds it."""
EventParams = tuple[str, int, int, str, str]
"""(device_id, seq, ts_ms, type, data as JSON text): an event row as the writer binds it."""


@dataclass(frozen=True, slots=True)
class Screened:
    """The rows a batch may store, and the dead letters that replace the rest."""

    telemetry: Sequence[TelemetryParams]
    events: Sequence[EventParams]
    presence: Sequence[PresenceRow]
    twins: Sequence[TwinSnapshot]
    dead_letters: Sequence[DeadLetterRow]
    rejected: int


def text_ok(value: object, max_length: int) -> bool:
    """A non-empty string both databases store as given: fits, no NUL, valid UTF-8."""
    if not isinstance(value, str) or not 0 < len(value) <= max_length or "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from a JSON "\ud800" escape
        return False
    return True


def int64_ok(value: object) -> bool:
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


_NOT_JSON = object()


def _mapping_to_dict(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def plain_json(value: object) -> Any:
    """``value`` as plain JSON types both databases accept (no NaN or Infinity; other
    Mappings become dicts), or ``_NOT_JSON``."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return _NOT_JSON
    except TypeError:
        try:
            return json.loads(json.dumps(value, allow_nan=False, default=_mapping_to_dict))
        except (TypeError, ValueError):
            return _NOT_JSON
    return value


def clean_text(value: str, max_length: int | None = None) -> str:
    """``value`` made storable: NUL and unencodable characters escaped, then clipped."""
    if "\x00" in value or not value.isascii():
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        value = value.replace("\x00", "\\x00")
    return value if max_length is None else value[:max_length]


# ---------------------------------------------------------------- per-row checks
def metrics_json(metrics: Mapping[str, float]) -> str:
    """The readings as compact JSON; ValueError for NaN or an infinity."""
    return json.dumps(metrics, allow_nan=False, separators=(",", ":"))


def telemetry_problem(row: TelemetryRow) -> str | None:
    if not text_ok(row.device_id, DEVICE_ID_LENGTH):
        return "device_id"
    if not int64_ok(row.ts_ms):
        return "ts_ms"
    if not int64_ok(row.seq):
        return "seq"
    if not isinstance(row.metrics, Mapping) or not row.metrics:
        return "metrics"
    for name, value in row.metrics.items():
        if not text_ok(name, METRIC_LENGTH):
            return "metric"
        if type(value) not in (int, float) or not math.isfinite(value):
            return "value"
    return None


def event_json(row: EventRow) -> str | None:
    """The event's data as JSON text, or None if JSON cannot carry it as an object."""
    data = row.data
    if type(data) is dict:
        try:
            return json.dumps(data, allow_nan=False)
        except (TypeError, ValueError):
            pass  # not plain JSON types: try the slow way below
    plain = plain_json(data)
    if plain is _NOT_JSON or not isinstance(plain, dict):
        return None
    return json.dumps(plain, allow_nan=False)


def event_key_problem(row: EventRow) -> str | None:
    if not text_ok(row.device_id, DEVICE_ID_LENGTH):
        return "device_id"
    if not text_ok(row.type, EVENT_TYPE_LENGTH):
        return "type"
    if not int64_ok(row.ts_ms):
        return "ts_ms"
    if not int64_ok(row.seq):
        return "seq"
    return None


def _events(
    rows: Sequence[EventRow], received_ms: int, dead: list[DeadLetterRow]
) -> list[EventParams]:
    params: list[EventParams] = []
    for row in rows:
        problem = event_key_problem(row)
        data = None if problem is not None else event_json(row)
        if data is None:
            dead.append(rejected_letter("event", row, problem or "data", received_ms))
        else:
            params.append((row.device_id, row.seq, row.ts_ms, row.type, data))
    return params


def presence_problem(row: PresenceRow) -> str | None:
    if not text_ok(row.device_id, DEVICE_ID_LENGTH):
        return "device_id"
    if not text_ok(row.recorded_by, INSTANCE_ID_LENGTH):
        return "recorded_by"
    if not int64_ok(row.ts_ms):
        return "ts_ms"
    if not isinstance(row.online, bool):
        return "online"
    return None


def clean_presence_reason(row: PresenceRow) -> PresenceRow:
    """A device-supplied reason is clipped and cleaned rather than refused."""
    if text_ok(row.reason, REASON_LENGTH):
        return row
    reason = clean_text(str(row.reason), REASON_LENGTH) or "unknown"
    return replace(row, reason=reason)


def _json_field(value: object) -> JsonText | None:
    if isinstance(value, JsonText):
        return value
    plain = plain_json(value)
    if plain is _NOT_JSON or not isinstance(plain, dict):
        return None
    return JsonText(json.dumps(plain, allow_nan=False))


def twin_problem(row: TwinRow | TwinSnapshot) -> str | TwinSnapshot:
    """The bad field's name, or the row with its state as JSON text."""
    if not text_ok(row.device_id, DEVICE_ID_LENGTH):
        return "device_id"
    for name in ("reported_version", "desired_version", "updated_ms"):
        if not int64_ok(getattr(row, name)):
            return name
    reported, desired = _json_field(row.reported), _json_field(row.desired)
    if reported is None:
        return "reported"
    if desired is None:
        return "desired"
    if isinstance(row, TwinSnapshot) and reported is row.reported and desired is row.desired:
        return row
    return TwinSnapshot(
        row.device_id,
        reported,
        row.reported_version,
        desired,
        row.desired_version,
        row.updated_ms,
    )


def twin_snapshot(twin: Twin) -> TwinRow | TwinSnapshot:
    """The twin as a row to store, its state serialised now (the twin keeps changing);
    state JSON cannot carry is deep-copied instead, for the screen to refuse."""
    try:
        return TwinSnapshot(
            twin.device_id,
            JsonText(json.dumps(twin.reported, allow_nan=False)),
            twin.reported_version,
            JsonText(json.dumps(twin.desired, allow_nan=False)),
            twin.desired_version,
            twin.updated_ms,
        )
    except (TypeError, ValueError):
        return TwinRow(
            twin.device_id,
            copy.deepcopy(twin.reported),
            twin.reported_version,
            copy.deepcopy(twin.desired),
            twin.desired_version,
            twin.updated_ms,
        )


_ENCODER = msgspec.json.Encoder()


def _telemetry_fast(rows: Sequence[TelemetryRow]) -> list[TelemetryParams] | None:
    """The fast path: whole-batch checks that run mostly in C, and each row's JSON made by
    msgspec (eight times faster than the json module, the same compact text); None if
    anything looks wrong (then each row is checked on its own)."""
    names: set[str] = set()
    types: set[type] = set()
    params: list[TelemetryParams] = []
    append = params.append
    encode, isfinite = _ENCODER.encode, math.isfinite
    try:
        for device_id, seq, ts_ms, metrics in rows:
            values = metrics.values()
            names.update(metrics)
            types.update(map(type, values))
            if not all(map(isfinite, values)):
                return None  # msgspec would write NaN as null: the careful path refuses it
            append((device_id, seq, ts_ms, encode(metrics).decode()))
        ints = [p[1] for p in params] + [p[2] for p in params]
        if min(ints) < INT64_MIN or max(ints) > INT64_MAX:
            return None
        if not all(type(i) is int for i in ints):
            return None
    except (TypeError, ValueError, AttributeError):
        return None
    if not types <= {int, float} or not all(text_ok(n, METRIC_LENGTH) for n in names):
        return None
    if not all(text_ok(d, DEVICE_ID_LENGTH) for d in {p[0] for p in params}):
        return None
    if any(not metrics for _, _, _, metrics in rows):
        return None
    return params


def _telemetry_slow(
    rows: Sequence[TelemetryRow], received_ms: int, dead: list[DeadLetterRow]
) -> list[TelemetryParams]:
    return [
        (row.device_id, row.seq, row.ts_ms, metrics_json(row.metrics))
        for row in _split("telemetry", rows, telemetry_problem, received_ms, dead)
    ]


# ---------------------------------------------------------------- the batch
def rejected_letter(table: str, row: object, field: str, received_ms: int) -> DeadLetterRow:
    device_id = getattr(row, "device_id", None)
    return DeadLetterRow(
        received_ms=received_ms,
        topic=f"store:{table}",
        payload=repr(row).encode("utf-8", "backslashreplace"),
        device_id=clean_text(device_id) if isinstance(device_id, str) else None,
        reason=INVALID_ROW,
        detail=f"{table} row refused: bad {field}",
    )


def clean_dead_letter(row: DeadLetterRow) -> DeadLetterRow:
    payload = row.payload
    if not isinstance(payload, bytes):
        payload = bytes(payload) if isinstance(payload, bytearray | memoryview) else b""
    return DeadLetterRow(
        received_ms=row.received_ms if int64_ok(row.received_ms) else 0,
        topic=clean_text(str(row.topic)),
        payload=payload,
        device_id=None if row.device_id is None else clean_text(str(row.device_id)),
        reason=clean_text(str(row.reason), REASON_LENGTH) or "unknown",
        detail=clean_text(str(row.detail), DETAIL_LENGTH),
    )


def _split(
    table: str, rows: Iterable[Any], problem: Any, received_ms: int, dead: list[DeadLetterRow]
) -> list[Any]:
    """Rows that pass ``problem`` (which returns None, a repaired row, or the bad field)."""
    kept: list[Any] = []
    for row in rows:
        verdict = problem(row)
        if verdict is None:
            kept.append(row)
        elif isinstance(verdict, str):
            dead.append(rejected_letter(table, row, verdict, received_ms))
        else:
            kept.append(verdict)
    return kept


def merge_twins(rows: Iterable[TwinSnapshot]) -> list[TwinSnapshot]:
    """One row per device (an upsert may touch a row only once per statement): the
    newest reported and the newest desired state among the device's rows."""
    merged: dict[str, TwinSnapshot] = {}
    for row in rows:
        seen = merged.get(row.device_id)
        if seen is None:
            merged[row.device_id] = row
            continue
        newer_reported = row if row.reported_version >= seen.reported_version else seen
        newer_desired = row if row.desired_version >= seen.desired_version else seen
        merged[row.device_id] = TwinSnapshot(
            device_id=row.device_id,
            reported=newer_reported.reported,
            reported_version=newer_reported.reported_version,
            desired=newer_desired.desired,
            desired_version=newer_desired.desired_version,
            updated_ms=max(row.updated_ms, seen.updated_ms),
        )
    return list(merged.values())


def screen(
    telemetry: Sequence[TelemetryRow],
    events: Sequence[EventRow],
    presence: Sequence[PresenceRow],
    dead_letters: Sequence[DeadLetterRow],
    twins: Sequence[TwinRow | TwinSnapshot],
    received_ms: int,
) -> Screened:
    """Split a batch into storable rows and dead letters for the rest."""
    dead: list[DeadLetterRow] = []
    stored_telemetry = _telemetry_fast(telemetry) if telemetry else []
    if stored_telemetry is None:
        stored_telemetry = _telemetry_slow(telemetry, received_ms, dead)
    stored_events = _events(events, received_ms, dead)
    presence = [
        clean_presence_reason(row)
        for row in _split("presence_change", presence, presence_problem, received_ms, dead)
    ]
    twins = merge_twins(_split("twin", twins, twin_problem, received_ms, dead))
    rejected = len(dead)
    dead.extend(clean_dead_letter(row) for row in dead_letters)
    return Screened(stored_telemetry, stored_events, presence, twins, dead, rejected)
