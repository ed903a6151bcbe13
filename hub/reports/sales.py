"""Sales: what each vending machine sold in the month by its live vends, and by its DEX
audits (VA1 differences between consecutive valid audits whose later one falls in the
month), with the live vends of those same audit intervals and the difference between the
two. Grouped by community or district, everything adds up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from hub.domain.dex_reads import audits_between, comparisons
from hub.domain.models import VENDING_SALE
from hub.reports.scope import Group, ReportDevice, identity_columns
from hub.reports.table import Table, table

COLUMNS = [
    "machines",
    "live_vends",
    "live_value_fen",
    "audits",
    "invalid_audits",
    "dex_vends",
    "dex_value_fen",
    "live_vends_in_audited_intervals",
    "live_value_fen_in_audited_intervals",
    "vends_difference",
    "value_difference_fen",
]


@dataclass(slots=True)
class _Sales:
    identity: dict[str, str]
    machines: int = 0
    live_vends: int = 0
    live_value_fen: int = 0
    audits: int = 0
    invalid_audits: int = 0
    dex_vends: int = 0
    dex_value_fen: int = 0
    compared_vends: int = 0
    compared_value_fen: int = 0


def live_totals(
    engine: Engine, device_ids: list[str], since_ms: int, until_ms: int
) -> dict[str, tuple[int, int]]:
    if not device_ids:
        return {}
    statement = (
        select(VENDING_SALE.c.device_id, func.count(), func.sum(VENDING_SALE.c.price))
        .where(VENDING_SALE.c.device_id.in_(sorted(device_ids)))
        .where(VENDING_SALE.c.ts_ms >= since_ms, VENDING_SALE.c.ts_ms < until_ms)
        .group_by(VENDING_SALE.c.device_id)
    )
    with engine.connect() as conn:
        return {d: (int(n), int(v or 0)) for d, n, v in conn.execute(statement)}


def sales(
    engine: Engine, devices: list[ReportDevice], since_ms: int, until_ms: int, group: Group
) -> Table:
    ids = [device.id for device in devices]
    live = live_totals(engine, ids, since_ms, until_ms)
    audits = defaultdict(list)
    for audit in audits_between(engine, ids, since_ms, until_ms):
        audits[audit.device_id].append(audit)
    groups: dict[tuple[str, ...], _Sales] = {}
    for device in devices:
        identity = device.identity(group)
        entry = groups.setdefault(tuple(identity.values()), _Sales(identity))
        entry.machines += 1
        vends, value = live.get(device.id, (0, 0))
        entry.live_vends += vends
        entry.live_value_fen += value
        mine = audits.get(device.id, [])
        entry.audits += len(mine)
        entry.invalid_audits += sum(1 for audit in mine if not audit.valid)
        for found in comparisons(engine, device.id, mine).values():
            entry.dex_vends += found.interval.audit_vends
            entry.dex_value_fen += found.interval.audit_value_fen
            entry.compared_vends += found.live_vends
            entry.compared_value_fen += found.live_value_fen
    rows = [
        entry.identity
        | {
            "machines": entry.machines,
            "live_vends": entry.live_vends,
            "live_value_fen": entry.live_value_fen,
            "audits": entry.audits,
            "invalid_audits": entry.invalid_audits,
            "dex_vends": entry.dex_vends,
            "dex_value_fen": entry.dex_value_fen,
            "live_vends_in_audited_intervals": entry.compared_vends,
            "live_value_fen_in_audited_intervals": entry.compared_value_fen,
            "vends_difference": entry.dex_vends - entry.compared_vends,
            "value_difference_fen": entry.dex_value_fen - entry.compared_value_fen,
        }
        for _, entry in sorted(groups.items())
    ]
    return table(identity_columns(group) + COLUMNS, rows)
