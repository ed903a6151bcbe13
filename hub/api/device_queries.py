"""Devices as operators see them: limited to a scope, filtered, in keyset pages.

Registry filters (kind, area codes, text, alarms) run in SQL; ``online`` lives in the
hub's memory (the presence tracker), so pages are filled by scanning the SQL result in
id order, chunk by chunk, until the page is full. The cursor is the last id of a page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hub.presence import PresenceTracker
from hub.registry.models import Device, Node
from hub.registry.queries import in_scope, scope_filter
from hub.registry.vocabulary import DEVICE_KINDS, DeviceKind, Level, is_code

SCAN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DeviceQuery:
    scope_path: str
    kind: DeviceKind | None = None
    area_paths: tuple[str, ...] = ()
    text: str | None = None
    online: bool | None = None
    alarm_ids: Collection[str] | None = None
    alarm_wanted: bool = True


def area_path(session: Session, code: str, level: Level) -> str | None:
    """The path of the ``level`` node called ``code``, or None if there is none."""
    if not is_code(code):
        return None
    path: str | None = session.exec(
        select(Node.path).where(col(Node.code) == code, col(Node.level) == level)
    ).first()
    return path


def _statement(query: DeviceQuery) -> Any:
    statement = select(Device).where(scope_filter(query.scope_path))
    for path in query.area_paths:
        statement = statement.where(scope_filter(path))
    if query.kind is not None:
        statement = statement.where(col(Device.kind) == query.kind)
    if query.text:
        needle = query.text.lower()
        statement = statement.where(
            or_(
                func.lower(col(Device.id)).contains(needle, autoescape=True),
                func.lower(col(Device.name)).contains(needle, autoescape=True),
            )
        )
    if query.alarm_ids is not None:
        ids = list(query.alarm_ids)
        statement = statement.where(
            col(Device.id).in_(ids) if query.alarm_wanted else col(Device.id).not_in(ids)
        )
    return statement.order_by(col(Device.id))


def page_devices(
    session: Session,
    query: DeviceQuery,
    presence: PresenceTracker,
    after: str | None,
    limit: int,
) -> tuple[list[Device], str | None]:
    """One page of devices after the id ``after``, and the cursor of the next page."""
    base = _statement(query)
    chunk_size = limit + 1 if query.online is None else max(limit + 1, SCAN_CHUNK)
    found: list[Device] = []
    cursor = after
    while len(found) <= limit:
        statement = base if cursor is None else base.where(col(Device.id) > cursor)
        chunk = list(session.exec(statement.limit(chunk_size)).all())
        for device in chunk:
            if query.online is None or presence.is_online(device.id) == query.online:
                found.append(device)
                if len(found) > limit:
                    break
        if len(chunk) < chunk_size:
            break
        cursor = chunk[-1].id
    if len(found) > limit:
        page = found[:limit]
        return page, page[-1].id
    return found, None


def count_by_kind(
    session: Session, scope_path: str, presence: PresenceTracker
) -> dict[DeviceKind, tuple[int, int]]:
    """(total, online) devices of each kind within the scope."""
    rows = session.exec(
        select(Device.id, Device.kind).where(scope_filter(scope_path), col(Device.enabled))
    ).all()
    total: Counter[str] = Counter()
    online: Counter[str] = Counter()
    for device_id, kind in rows:
        total[kind] += 1
        if presence.is_online(device_id):
            online[kind] += 1
    return {kind: (total[kind], online[kind]) for kind in DEVICE_KINDS}


def device_in_scope(session: Session, device_id: str, scope_path: str) -> Device | None:
    """The device if it exists within the scope (else None: the API answers 404)."""
    device = session.get(Device, device_id)
    if device is None or not in_scope(scope_path, device.path):
        return None
    return device
