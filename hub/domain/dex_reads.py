"""Reading stored DEX audits and the live vends they are compared with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from hub.domain.dex_checks import AuditFacts, Comparison, LiveSales, compare, intervals
from hub.domain.models import DEX_AUDIT, VENDING_SALE

_FACTS = (
    DEX_AUDIT.c.id,
    DEX_AUDIT.c.device_id,
    DEX_AUDIT.c.seq,
    DEX_AUDIT.c.ts_ms,
    DEX_AUDIT.c.received_ms,
    DEX_AUDIT.c.complete,
    DEX_AUDIT.c.g85_ok,
    DEX_AUDIT.c.se_ok,
    DEX_AUDIT.c.error,
    DEX_AUDIT.c.decimal_places,
    DEX_AUDIT.c.va1_value,
    DEX_AUDIT.c.va1_count,
)


def facts(row: Mapping[Any, Any]) -> AuditFacts:
    return AuditFacts(*(row[column.name] for column in _FACTS))


def audit_page(
    engine: Engine, device_id: str, before_id: int | None, limit: int
) -> list[Mapping[Any, Any]]:
    """A machine's audits as stored (every column), newest first by id."""
    statement = select(DEX_AUDIT).where(DEX_AUDIT.c.device_id == device_id)
    if before_id is not None:
        statement = statement.where(DEX_AUDIT.c.id < before_id)
    statement = statement.order_by(DEX_AUDIT.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [row._mapping for row in conn.execute(statement)]


def previous_valid(engine: Engine, device_id: str, before_seq: int) -> AuditFacts | None:
    """The machine's latest valid audit with a message key before ``before_seq``."""
    statement = (
        select(*_FACTS)
        .where(DEX_AUDIT.c.device_id == device_id, DEX_AUDIT.c.seq < before_seq)
        .where(DEX_AUDIT.c.complete, DEX_AUDIT.c.g85_ok, DEX_AUDIT.c.se_ok)
        .where(DEX_AUDIT.c.error.is_(None))
        .order_by(DEX_AUDIT.c.seq.desc(), DEX_AUDIT.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(statement).first()
    return None if row is None else facts(row._mapping)


def live_sales(engine: Engine, device_id: str, since_seq: int, until_seq: int) -> LiveSales:
    """The machine's live vends with since_seq < message key <= until_seq."""
    statement = select(VENDING_SALE.c.seq, VENDING_SALE.c.price).where(
        VENDING_SALE.c.device_id == device_id,
        VENDING_SALE.c.seq > since_seq,
        VENDING_SALE.c.seq <= until_seq,
    )
    with engine.connect() as conn:
        return LiveSales.of((int(t), int(p)) for t, p in conn.execute(statement))


def comparisons(engine: Engine, device_id: str, audits: list[AuditFacts]) -> dict[int, Comparison]:
    """For audits of one machine: each one's comparison with the live vends since the
    previous valid audit (audits without one are left out)."""
    if not audits:
        return {}
    oldest = min(audit.seq for audit in audits)
    before = previous_valid(engine, device_id, oldest)
    known = {audit.id: audit for audit in audits}
    if before is not None:
        known.setdefault(before.id, before)
    asked = {audit.id for audit in audits}
    found = {k: v for k, v in intervals(known.values()).items() if v is not None and k in asked}
    if not found:
        return {}
    live = live_sales(
        engine,
        device_id,
        min(i.since_seq for i in found.values()),
        max(i.until_seq for i in found.values()),
    )
    return {audit_id: compare(interval, live) for audit_id, interval in found.items()}


def audits_between(
    engine: Engine, device_ids: list[str], since_ms: int, until_ms: int
) -> list[AuditFacts]:
    """Audits of the machines with a device time in [since_ms, until_ms)."""
    if not device_ids:
        return []
    statement = select(*_FACTS).where(
        DEX_AUDIT.c.device_id.in_(sorted(device_ids)),
        DEX_AUDIT.c.ts_ms >= since_ms,
        DEX_AUDIT.c.ts_ms < until_ms,
    )
    with engine.connect() as conn:
        return [facts(row._mapping) for row in conn.execute(statement)]
