"""Door incidents: per building (or community, district), the door units' forced and held
openings (the door watch's alerts), denied and granted card and PIN reads, and tamper
alarms raised in the month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from hub.alarms.tables import ALARM
from hub.domain.models import ACCESS_LOG
from hub.reports.scope import Group, ReportDevice, identity_columns
from hub.reports.table import Table, table
from hub.store.reads import event_counts

COLUMNS = ["doors", "forced_open", "held_open", "denied", "granted", "tamper_alarms"]
ALERTS = ("door_forced_open", "door_held_open")


@dataclass(slots=True)
class _Doors:
    identity: dict[str, str]
    doors: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def doors(
    engine: Engine, devices: list[ReportDevice], since_ms: int, until_ms: int, group: Group
) -> Table:
    ids = sorted(device.id for device in devices)
    alerts = event_counts(engine, ids, ALERTS, since_ms, until_ms)
    decisions: dict[tuple[str, str], int] = {}
    tampers: dict[str, int] = {}
    if ids:
        access = (
            select(ACCESS_LOG.c.device_id, ACCESS_LOG.c.result, func.count())
            .where(ACCESS_LOG.c.device_id.in_(ids))
            .where(ACCESS_LOG.c.ts_ms >= since_ms, ACCESS_LOG.c.ts_ms < until_ms)
            .group_by(ACCESS_LOG.c.device_id, ACCESS_LOG.c.result)
        )
        tamper = (
            select(ALARM.c.device_id, func.count())
            .where(ALARM.c.device_id.in_(ids), ALARM.c.type == "tamper")
            .where(ALARM.c.raised_ms >= since_ms, ALARM.c.raised_ms < until_ms)
            .group_by(ALARM.c.device_id)
        )
        with engine.connect() as conn:
            decisions = {(d, r): int(n) for d, r, n in conn.execute(access)}
            tampers = {d: int(n) for d, n in conn.execute(tamper)}
    groups: dict[tuple[str, ...], _Doors] = {}
    for device in devices:
        identity = device.identity(group)
        entry = groups.setdefault(tuple(identity.values()), _Doors(identity))
        entry.doors += 1
        entry.counts["forced_open"] += alerts.get((device.id, "door_forced_open"), 0)
        entry.counts["held_open"] += alerts.get((device.id, "door_held_open"), 0)
        entry.counts["denied"] += decisions.get((device.id, "denied"), 0)
        entry.counts["granted"] += decisions.get((device.id, "granted"), 0)
        entry.counts["tamper_alarms"] += tampers.get(device.id, 0)
    rows = [
        entry.identity | {"doors": entry.doors} | dict(entry.counts)
        for _, entry in sorted(groups.items())
    ]
    return table(identity_columns(group) + COLUMNS, rows)
