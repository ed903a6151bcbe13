"""What happened at the devices of a subtree, per device, read from the domain's, the
audit trail's and the alarm engine's tables (each grouped in SQL, so the answer has at
most one row per device and kind of count)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from hub.alarms.tables import ALARM
from hub.api.audit.tables import audit_entry
from hub.db.tables import table_of
from hub.domain.models import ACCESS_LOG, PARCEL, VENDING_SALE
from hub.registry.models import Device
from hub.registry.queries import scope_filter

UNLOCK_METHODS = ("card", "pin", "app", "operator")
"""How a door was opened: a card or PIN the hub granted, a resident's app, an operator."""
AUDIT_METHOD = {"unlock": "app", "command:unlock": "operator"}


@dataclass(slots=True)
class DeviceActivity:
    unlocks: Counter[str] = field(default_factory=Counter)
    parcels_waiting: int = 0
    vends: int = 0
    sales_fen: int = 0
    alarms: Counter[str] = field(default_factory=Counter)  # open alarms by severity


def activity(
    engine: Engine, scope_path: str, since_ms: int, until_ms: int
) -> dict[str, DeviceActivity]:
    """Per device within the scope: unlocks by method and sales in [since_ms, until_ms),
    parcels waiting and open alarms by severity now."""
    found: dict[str, DeviceActivity] = {}

    def of(device_id: str) -> DeviceActivity:
        entry = found.get(device_id)
        if entry is None:
            entry = found[device_id] = DeviceActivity()
        return entry

    in_scope = scope_filter(scope_path)
    device = table_of(Device)
    grants = (
        select(ACCESS_LOG.c.device_id, ACCESS_LOG.c.credential_kind, func.count())
        .join(device, device.c.id == ACCESS_LOG.c.device_id)
        .where(in_scope, ACCESS_LOG.c.result == "granted")
        .where(ACCESS_LOG.c.ts_ms >= since_ms, ACCESS_LOG.c.ts_ms < until_ms)
        .group_by(ACCESS_LOG.c.device_id, ACCESS_LOG.c.credential_kind)
    )
    remote = (
        select(audit_entry.c.device_id, audit_entry.c.action, func.count())
        .where(scope_filter(scope_path, audit_entry.c.device_path))
        .where(audit_entry.c.action.in_(list(AUDIT_METHOD)), audit_entry.c.result == "confirmed")
        .where(audit_entry.c.ts_ms >= since_ms, audit_entry.c.ts_ms < until_ms)
        .group_by(audit_entry.c.device_id, audit_entry.c.action)
    )
    waiting = (
        select(PARCEL.c.device_id, func.count())
        .join(device, device.c.id == PARCEL.c.device_id)
        .where(in_scope, PARCEL.c.state == "waiting")
        .group_by(PARCEL.c.device_id)
    )
    sales = (
        select(
            VENDING_SALE.c.device_id,
            func.count(),
            func.coalesce(func.sum(VENDING_SALE.c.price), 0),
        )
        .join(device, device.c.id == VENDING_SALE.c.device_id)
        .where(in_scope, VENDING_SALE.c.ts_ms >= since_ms, VENDING_SALE.c.ts_ms < until_ms)
        .group_by(VENDING_SALE.c.device_id)
    )
    alarms = (
        select(ALARM.c.device_id, ALARM.c.severity, func.count())
        .where(scope_filter(scope_path, ALARM.c.device_path), ALARM.c.state != "cleared")
        .group_by(ALARM.c.device_id, ALARM.c.severity)
    )
    with engine.connect() as conn:
        for device_id, kind, n in conn.execute(grants):
            of(device_id).unlocks[kind] += int(n)
        for device_id, action, n in conn.execute(remote):
            if device_id is not None:
                of(device_id).unlocks[AUDIT_METHOD[action]] += int(n)
        for device_id, n in conn.execute(waiting):
            of(device_id).parcels_waiting = int(n)
        for device_id, n, fen in conn.execute(sales):
            entry = of(device_id)
            entry.vends, entry.sales_fen = int(n), int(fen)
        for device_id, severity, n in conn.execute(alarms):
            of(device_id).alarms[severity] += int(n)
    return found
