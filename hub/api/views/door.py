"""A door unit's access log: the hub's card and PIN decisions (``access_log``) merged with
the app and operator unlocks of the audit trail, newest first, and its incidents."""

from __future__ import annotations

from sqlalchemy import Engine, select

from hub.api.audit.tables import audit_entry
from hub.api.schemas.doors import AccessView
from hub.domain.models import ACCESS_LOG

REMOTE = {"unlock": "app", "command:unlock": "operator"}
INCIDENT_TYPES = ("door_forced_open", "door_held_open", "door_alert_cleared", "local_status")


def _card(card_format: str | None, facility: int | None, number: int | None) -> str | None:
    if card_format is None:
        return None
    return f"{card_format} {facility}:{number}"


def access_entries(
    engine: Engine, device_id: str, before_ms: int | None, limit: int
) -> list[AccessView]:
    """Up to ``limit`` entries with a time before ``before_ms``, newest first."""
    local = select(ACCESS_LOG).where(ACCESS_LOG.c.device_id == device_id)
    remote = select(audit_entry).where(
        audit_entry.c.device_id == device_id, audit_entry.c.action.in_(list(REMOTE))
    )
    if before_ms is not None:
        local = local.where(ACCESS_LOG.c.ts_ms < before_ms)
        remote = remote.where(audit_entry.c.ts_ms < before_ms)
    local = local.order_by(ACCESS_LOG.c.ts_ms.desc(), ACCESS_LOG.c.id.desc()).limit(limit)
    remote = remote.order_by(audit_entry.c.ts_ms.desc(), audit_entry.c.seq.desc()).limit(limit)
    entries: list[AccessView] = []
    with engine.connect() as conn:
        for row in conn.execute(local):
            entries.append(
                AccessView(
                    ts_ms=row.ts_ms,
                    method=row.credential_kind,
                    result=row.result,
                    reason=row.reason,
                    resident_id=row.resident_id,
                    card=_card(row.card_format, row.facility_code, row.card_number),
                    actor=None,
                    latency_ms=float(max(0, row.ts_ms - row.event_ts_ms)),
                )
            )
        for row in conn.execute(remote):
            entries.append(
                AccessView(
                    ts_ms=row.ts_ms,
                    method=REMOTE[row.action],
                    result="granted" if row.result == "confirmed" else "denied",
                    reason=row.result,
                    resident_id=row.resident_id,
                    card=None,
                    actor=row.actor,
                    latency_ms=None if row.latency_us is None else row.latency_us / 1000,
                )
            )
    entries.sort(key=lambda entry: entry.ts_ms, reverse=True)
    return entries[:limit]
