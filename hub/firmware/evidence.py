"""What the rest of the hub recorded that a campaign needs (synchronous reads): devices'
``firmware`` events, their registered versions, their alarms and drops, the registry's
devices a campaign may target, and the communities' maintenance windows.

The driver reads these from the database rather than listening inside ingest, so it
works in whichever process and replica holds the campaign's lease.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, and_, func, or_, select

from hub.alarms.tables import ALARM
from hub.db.tables import table_of
from hub.firmware.plan import Candidate
from hub.firmware.tables import maintenance_window
from hub.firmware.windows import MaintenanceWindow
from hub.registry.models import Device, Node
from hub.store.schema import event, presence_change

DEVICE = table_of(Device)
NODE = table_of(Node)
PLANNED_OFFLINE = ("firmware_update",)


@dataclass(frozen=True, slots=True)
class FirmwareEvent:
    id: int
    device_id: str
    data: dict[str, Any]


def firmware_events(
    engine: Engine, device_ids: Collection[str], after_id: int, since_ms: int
) -> list[FirmwareEvent]:
    """``firmware`` events of these devices stored after ``after_id``, oldest first."""
    if not device_ids:
        return []
    query = (
        select(event.c.id, event.c.device_id, event.c.data)
        .where(
            event.c.type == "firmware",
            event.c.ts_ms >= since_ms,
            event.c.id > after_id,
            event.c.device_id.in_(list(device_ids)),
        )
        .order_by(event.c.id)
    )
    with engine.connect() as conn:
        return [
            FirmwareEvent(int(row.id), row.device_id, dict(row.data))
            for row in conn.execute(query)
            if isinstance(row.data, dict)
        ]


def latest_event_id(engine: Engine) -> int:
    """The newest stored event's id: a device starting an update reads only later ones,
    so reports of an earlier attempt or campaign are never taken for this one's."""
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(event.c.id))).scalar_one_or_none()
    return int(latest or 0)


def _looked_up(
    engine: Engine, key: Column[str], value: Column[str], keys: Collection[str]
) -> dict[str, str]:
    """``key`` > ``value`` of the rows whose ``key`` is one of ``keys``."""
    if not keys:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(key, value).where(key.in_(list(keys)))).all()
    return {found: looked_up for found, looked_up in rows}


def registry_versions(engine: Engine, device_ids: Collection[str]) -> dict[str, str]:
    return _looked_up(engine, DEVICE.c.id, DEVICE.c.firmware_version, device_ids)


def incidents(engine: Engine, device_ids: Collection[str], since_ms: int) -> dict[str, list[int]]:
    """Times of alarms raised and of unplanned offline transitions, per device."""
    found: dict[str, list[int]] = defaultdict(list)
    if not device_ids:
        return found
    ids = list(device_ids)
    with engine.connect() as conn:
        for device_id, ts in conn.execute(
            select(ALARM.c.device_id, ALARM.c.raised_ms).where(
                ALARM.c.device_id.in_(ids), ALARM.c.raised_ms >= since_ms
            )
        ):
            found[device_id].append(int(ts))
        for device_id, ts in conn.execute(
            select(presence_change.c.device_id, presence_change.c.ts_ms).where(
                presence_change.c.device_id.in_(ids),
                presence_change.c.ts_ms >= since_ms,
                presence_change.c.online.is_(False),
                presence_change.c.reason.not_in(PLANNED_OFFLINE),
            )
        ):
            found[device_id].append(int(ts))
    return found


def candidates(
    engine: Engine, kind: str, scope_paths: Sequence[str], models: Sequence[str]
) -> list[Candidate]:
    """The registry's devices of ``kind`` under any of ``scope_paths``."""
    conditions = [
        or_(DEVICE.c.path == path, DEVICE.c.path.like(path + "/%")) for path in scope_paths
    ]
    query = select(DEVICE).where(DEVICE.c.kind == kind, or_(*conditions))
    if models:
        query = query.where(DEVICE.c.model.in_(list(models)))
    with engine.connect() as conn:
        return [
            Candidate(
                device_id=row.id,
                kind=row.kind,
                vendor=row.vendor,
                model=row.model,
                firmware_version=row.firmware_version,
                path=row.path,
                enabled=bool(row.enabled),
            )
            for row in conn.execute(query.order_by(DEVICE.c.id))
        ]


def place_paths(engine: Engine, codes: Sequence[str]) -> dict[str, str]:
    """Node code > path, for the codes that exist."""
    return _looked_up(engine, NODE.c.code, NODE.c.path, codes)


def windows(engine: Engine, community_paths: Collection[str]) -> dict[str, MaintenanceWindow]:
    """The maintenance window of each community (by path) that has one."""
    if not community_paths:
        return {}
    query = (
        select(NODE.c.path, maintenance_window.c.start_minute, maintenance_window.c.end_minute)
        .join(maintenance_window, maintenance_window.c.node_id == NODE.c.id)
        .where(and_(NODE.c.path.in_(list(community_paths))))
    )
    with engine.connect() as conn:
        return {path: MaintenanceWindow(start, end) for path, start, end in conn.execute(query)}
