"""Parcels: for lockers, the parcels deposited in the month, how many were collected or
returned by the report's end (the month's end, or now for the current month), how long
the collected ones waited (median, 90th percentile, longest, in hours), and how many were
still waiting then, overdue among them (past the ``parcel_uncollected`` limit)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from hub.alarms.config import AlarmRules
from hub.domain.models import PARCEL
from hub.reports.scope import Group, ReportDevice, identity_columns
from hub.reports.table import Table, table

HOUR_MS = 3_600_000
COLUMNS = [
    "lockers",
    "deposited",
    "collected",
    "returned",
    "uncollected",
    "overdue",
    "dwell_median_h",
    "dwell_p90_h",
    "dwell_max_h",
]


@dataclass(slots=True)
class _Parcels:
    identity: dict[str, str]
    lockers: int = 0
    deposited: int = 0
    collected: int = 0
    returned: int = 0
    uncollected: int = 0
    overdue: int = 0
    dwell_ms: list[int] = field(default_factory=list)


def percentile(values: list[int], share: float) -> int:
    """The nearest-rank percentile of a sorted, non-empty list."""
    return values[max(0, math.ceil(share * len(values)) - 1)]


def hours(ms: int | None) -> float | None:
    return None if ms is None else round(ms / HOUR_MS, 1)


def parcels(
    engine: Engine,
    devices: list[ReportDevice],
    rules: AlarmRules,
    since_ms: int,
    until_ms: int,
    now_ms: int,
    group: Group,
) -> Table:
    end = min(until_ms, now_ms)
    by_id = {device.id: device for device in devices}
    groups: dict[tuple[str, ...], _Parcels] = {}
    key_of: dict[str, _Parcels] = {}
    for device in devices:
        identity = device.identity(group)
        entry = groups.setdefault(tuple(identity.values()), _Parcels(identity))
        entry.lockers += 1
        key_of[device.id] = entry
    statement = select(
        PARCEL.c.device_id, PARCEL.c.state, PARCEL.c.deposited_ms, PARCEL.c.collected_ms
    ).where(
        PARCEL.c.device_id.in_(sorted(by_id)),
        PARCEL.c.deposited_ms >= since_ms,
        PARCEL.c.deposited_ms < until_ms,
    )
    with engine.connect() as conn:
        rows = list(conn.execute(statement)) if by_id else []
    for device_id, state, deposited, collected in rows:
        entry = key_of[device_id]
        entry.deposited += 1
        if collected is not None and collected < end:
            if state == "returned":
                entry.returned += 1
            else:
                entry.collected += 1
                entry.dwell_ms.append(collected - deposited)
            continue
        entry.uncollected += 1
        limit_s = rules.for_path(by_id[device_id].path).parcel_uncollected.after_s
        if end - deposited >= limit_s * 1000:
            entry.overdue += 1
    out = []
    for _, entry in sorted(groups.items()):
        dwell = sorted(entry.dwell_ms)
        out.append(
            entry.identity
            | {
                "lockers": entry.lockers,
                "deposited": entry.deposited,
                "collected": entry.collected,
                "returned": entry.returned,
                "uncollected": entry.uncollected,
                "overdue": entry.overdue,
                "dwell_median_h": hours(percentile(dwell, 0.5)) if dwell else None,
                "dwell_p90_h": hours(percentile(dwell, 0.9)) if dwell else None,
                "dwell_max_h": hours(dwell[-1]) if dwell else None,
            }
        )
    return table(identity_columns(group) + COLUMNS, out)
