"""GET /api/v1/devices/{device_id}/dex-audits: a vending machine's DEX audits, newest
first, each with its checks, totals and products, and its comparison with the vends the
machine reported live since the previous valid audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.deps import ContextDep, OperatorDep
from hub.api.routes.device_views import DeviceId, device_of_kind
from hub.api.schemas.common import IdCursor, errors
from hub.api.schemas.vending import DexAuditPage, DexAuditPublic, DexComparison, DexMoney
from hub.domain.dex_checks import Comparison, disagrees, to_fen
from hub.domain.dex_reads import audit_page, comparisons, facts

router = APIRouter(prefix="/api/v1/devices", tags=["operators"])


def _money(row: Mapping[str, Any], count: str, value: str) -> DexMoney:
    return DexMoney(vends=row[count], value_fen=to_fen(row[value], row["decimal_places"]))


def _comparison(found: Comparison | None, tolerance: int, fraction: float) -> DexComparison | None:
    if found is None:
        return None
    interval = found.interval
    return DexComparison(
        previous_audit_id=interval.previous_id,
        since_ms=interval.since_ms,
        until_ms=interval.until_ms,
        audit_vends=interval.audit_vends,
        audit_value_fen=interval.audit_value_fen,
        live_vends=found.live_vends,
        live_value_fen=found.live_value_fen,
        vends_difference=found.vends_difference,
        value_difference_fen=found.value_difference_fen,
        disagrees=disagrees(found, tolerance, fraction),
    )


@router.get("/{device_id}/dex-audits", responses=errors(401, 403, 404))
def dex_audits(
    device_id: DeviceId,
    operator: OperatorDep,
    context: ContextDep,
    cursor: IdCursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DexAuditPage:
    """A vending machine's DEX audits, newest first: valid or why not (incomplete file,
    G85 CRC, SE segment count, not DEX), VA1/CA2/DA2 totals in fen, per-selection PA1/PA2,
    and audit versus live vends since the previous valid audit."""
    engine = context.runtime.engine
    device = device_of_kind(engine, device_id, operator.scope_path, "vending")
    rule = context.rules.for_path(device.path).dex_audit
    rows = audit_page(engine, device_id, cursor, limit + 1)
    page = rows[:limit]
    compared = comparisons(engine, device_id, [facts(row) for row in page])
    items = []
    for row in page:
        checked = facts(row)
        items.append(
            DexAuditPublic(
                id=row["id"],
                seq=row["seq"],
                ts_ms=row["ts_ms"],
                received_ms=row["received_ms"],
                valid=checked.valid,
                problems=checked.problems,
                complete=row["complete"],
                g85_ok=row["g85_ok"],
                se_ok=row["se_ok"],
                error=row["error"],
                warnings=row["warnings"],
                decimal_places=row["decimal_places"],
                paid_since_init=_money(row, "va1_count", "va1_value"),
                paid_since_reset=_money(row, "va1_count_reset", "va1_value_reset"),
                cash=_money(row, "ca2_count", "ca2_value"),
                cashless=_money(row, "da2_count", "da2_value"),
                products=list(row["products"] or []),
                since_previous=_comparison(
                    compared.get(row["id"]), rule.vend_tolerance, rule.vend_tolerance_fraction
                ),
            )
        )
    return DexAuditPage(items=items, next_cursor=page[-1]["id"] if len(rows) > limit else None)
