"""DEX audits: the text of a ``dex_audit`` event, read with :func:`read_dex`, becomes one
``dex_audit`` row with its totals and checks.

The row keeps what the file states, checked or not (``complete``, ``g85_ok``, ``se_ok``
say how far to trust it): VA1 (all paid vends, since initialisation and since reset),
CA2 (cash), DA2 (cashless), and per selection PA1/PA2. Text that is not DEX at all still
gets a row, with ``error`` set, so a machine sending garbage shows up.

Each audit stored here (by the one replica whose insert wins) is counted in
``hub_dex_audits{district, result}`` and handed to the listeners (the alarm engine's DEX
rule), as a :class:`StoredAudit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from firmware_protocols.base import Event
from firmware_protocols.dex import (
    AuditData,
    DexAudit,
    DexError,
    Product,
    SalesTotals,
    read_dex,
)
from hub.domain.dex_reads import facts
from hub.domain.models import DEX_AUDIT
from hub.ingest.directory import DeviceInfo
from hub.metrics import HubMetrics
from hub.registry.paths import district_of
from hub.store.writer import insert_for

log = logging.getLogger(__name__)


def _totals(prefix: str, totals: SalesTotals | None, *, reset: bool) -> dict[str, int | None]:
    values = {
        f"{prefix}_value": totals.value_since_init if totals else None,
        f"{prefix}_count": totals.count_since_init if totals else None,
    }
    if reset:
        values[f"{prefix}_value_reset"] = totals.value_since_reset if totals else None
        values[f"{prefix}_count_reset"] = totals.count_since_reset if totals else None
    return values


def product_totals(product: Product) -> dict[str, Any]:
    return {
        "selection": product.product_id,
        "name": product.name,
        "price": product.price,
        "count": product.count_since_init,
        "value": product.value_since_init,
        "count_reset": product.count_since_reset,
        "value_reset": product.value_since_reset,
    }


def audit_values(audit: DexAudit) -> dict[str, Any]:
    """The ``dex_audit`` columns an audit fills (no device, seq or times)."""
    data = audit.data
    return {
        "complete": audit.complete,
        "g85_ok": None if audit.crc is None else audit.crc.ok,
        "se_ok": None if audit.segment_count is None else audit.segment_count.ok,
        "decimal_places": data.currency.decimal_places if data.currency else None,
        **_totals("va1", data.paid_vends, reset=True),
        **_totals("ca2", data.cash, reset=False),
        **_totals("da2", data.cashless, reset=False),
        "products": [product_totals(product) for product in data.products],
        "warnings": len(audit.warnings),
        "error": None,
    }


def audit_row(device_id: str, event: Event, received_ms: int) -> dict[str, Any]:
    """The row for a ``dex_audit`` event {text}: totals, or ``error`` when not DEX."""
    text = event.data.get("text")
    row: dict[str, Any] = {
        "device_id": device_id,
        "seq": event.seq,
        "ts_ms": event.ts_ms,
        "received_ms": received_ms,
    }
    try:
        audit = read_dex(text if isinstance(text, str) else b"")
    except DexError as exc:
        nothing = audit_values(DexAudit(AuditData(), (), False, None, None, None, ()))
        return row | nothing | {"error": exc.reason[:64]}
    return row | audit_values(audit)


@dataclass(frozen=True, slots=True)
class StoredAudit:
    """A DEX audit this replica stored: what the alarm rule needs to find it again."""

    id: int
    device_id: str
    received_ms: int


class DexAudits:
    """Audits parsed and stored in the ingest batch's transaction (:meth:`record`),
    counted and handed to the listeners once it is committed (:meth:`stored`)."""

    def __init__(
        self,
        *,
        engine: Engine,
        clock_ms: Callable[[], int],
        metrics: HubMetrics | None = None,
    ) -> None:
        self._clock_ms = clock_ms
        self._metrics = metrics
        self.listeners: list[Callable[[StoredAudit], None]] = []
        self._insert = (
            insert_for(engine)(DEX_AUDIT)
            .on_conflict_do_nothing(index_elements=["device_id", "seq"])
            .returning(DEX_AUDIT.c.id)
        )

    def record(self, conn: Connection, device_id: str, event: Event) -> dict[str, Any] | None:
        """Parse and insert; the row with its ``id``, or None if this audit was stored
        before."""
        row = audit_row(device_id, event, self._clock_ms())
        inserted = conn.execute(self._insert.values(row)).first()
        return None if inserted is None else row | {"id": int(inserted[0])}

    def stored(self, device: DeviceInfo, row: dict[str, Any]) -> None:
        device_id = device.device_id
        checked = facts(row)
        if self._metrics is not None:
            self._metrics.dex_audits.labels(district_of(device.path), checked.result).inc()
        stored = StoredAudit(row["id"], device_id, row["received_ms"])
        for listener in self.listeners:
            listener(stored)
        if not checked.valid:
            log.warning(
                "DEX audit from %s: complete=%s g85=%s se=%s error=%s",
                device_id,
                row["complete"],
                row.get("g85_ok"),
                row.get("se_ok"),
                row["error"],
            )
