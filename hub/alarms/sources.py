"""What the alarm engine reads from other parts' tables: waiting parcels (the domain's
``parcel`` table), each device's last presence change (the store), and stored DEX audits
with their checks and comparison with the live vends."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, func, select

from hub.alarms.rules.dex_audit import AuditFinding
from hub.alarms.rules.parcels import WaitingParcel
from hub.domain.dex_audits import StoredAudit
from hub.domain.dex_checks import AuditFacts
from hub.domain.dex_reads import comparisons, facts
from hub.domain.models import DEX_AUDIT, PARCEL
from hub.store.reads import last_presence


def waiting_parcels(engine: Engine, deposited_by_ms: int) -> list[WaitingParcel]:
    """Parcels still waiting that were deposited at or before ``deposited_by_ms``."""
    statement = select(
        PARCEL.c.id, PARCEL.c.device_id, PARCEL.c.compartment, PARCEL.c.deposited_ms
    ).where(PARCEL.c.state == "waiting", PARCEL.c.deposited_ms <= deposited_by_ms)
    with engine.connect() as conn:
        return [WaitingParcel(*row) for row in conn.execute(statement)]


def offline_since(engine: Engine) -> dict[str, int]:
    """Devices whose last stored presence change took them offline, and when."""
    return {
        device_id: change.ts_ms
        for device_id, change in last_presence(engine).items()
        if not change.online
    }


def dex_findings(engine: Engine, audits: list[tuple[int, bool]]) -> list[AuditFinding]:
    """The audits named (id, found again) with their problems and comparison."""
    again = dict(audits)
    with engine.connect() as conn:
        rows = conn.execute(select(DEX_AUDIT).where(DEX_AUDIT.c.id.in_(sorted(again)))).all()
    by_machine: dict[str, list[AuditFacts]] = defaultdict(list)
    for row in rows:
        audit = facts(row._mapping)
        by_machine[audit.device_id].append(audit)
    found = []
    for device_id, machine_audits in by_machine.items():
        compared = comparisons(engine, device_id, machine_audits)
        found += [
            AuditFinding(
                audit.id,
                device_id,
                audit.seq,
                tuple(audit.problems),
                compared.get(audit.id),
                again[audit.id],
            )
            for audit in machine_audits
        ]
    return found


def newest_audits(engine: Engine, received_since_ms: int) -> list[StoredAudit]:
    """Each machine's newest audit received at or after ``received_since_ms``."""
    newest = (
        select(DEX_AUDIT.c.device_id, func.max(DEX_AUDIT.c.seq).label("seq"))
        .where(DEX_AUDIT.c.received_ms >= received_since_ms)
        .group_by(DEX_AUDIT.c.device_id)
        .subquery()
    )
    statement = select(DEX_AUDIT.c.id, DEX_AUDIT.c.device_id, DEX_AUDIT.c.received_ms).join(
        newest,
        (DEX_AUDIT.c.device_id == newest.c.device_id) & (DEX_AUDIT.c.seq == newest.c.seq),
    )
    with engine.connect() as conn:
        return [StoredAudit(*row) for row in conn.execute(statement)]
