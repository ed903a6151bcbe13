"""Vends: one ``vending_sale`` row each, the sales metrics, and the slot's stock in the twin.

A sale's key is (device, vend id): the machine's transaction id, so a vend the machine
sends again in a new message (a new seq) is still one sale. A vend without an id is keyed
by its message (``seq-<seq>``). The metrics ``vending_sales`` and ``vending_revenue``
count new sales only. Stock: see :mod:`hub.domain.stock`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from firmware_protocols.base import Event
from hub.domain.db_lane import DbLane
from hub.domain.models import VENDING_SALE
from hub.domain.stock import Vend, stock_updates, uncounted_vends
from hub.domain.twin_writes import persist_twin
from hub.metrics import HubMetrics
from hub.store.queries import latest_metric_seqs
from hub.store.writer import StoreWriter, insert_for
from hub.twin import TwinStore

log = logging.getLogger(__name__)


def vend_from_event(event: Event) -> Vend | None:
    data = event.data
    slot, price, vend_id = data.get("slot"), data.get("price"), data.get("vend_id")
    if not isinstance(slot, int) or not isinstance(price, int):
        return None
    key = vend_id if isinstance(vend_id, str) and vend_id else f"seq-{event.seq}"
    return Vend(slot, price, key[:80], event.seq, event.ts_ms)


def last_stock_reports(
    engine: Engine, device_id: str, slots: Sequence[int], since_seq: int
) -> dict[int, int]:
    """Per slot, the newest seq at or after ``since_seq`` of a stored ``slot_<n>_stock``."""
    metrics = {f"slot_{slot}_stock": slot for slot in slots}
    found = latest_metric_seqs(engine, device_id, metrics, since_seq)
    return {metrics[metric]: seq for metric, seq in found.items()}


class VendingSales:
    def __init__(
        self,
        *,
        engine: Engine,
        lane: DbLane,
        writer: StoreWriter,
        twins: TwinStore,
        metrics: HubMetrics,
        clock_ms: Callable[[], int],
    ) -> None:
        self._engine = engine
        self._lane = lane
        self._writer = writer
        self._twins = twins
        self._metrics = metrics
        self._clock_ms = clock_ms
        self._insert = (
            insert_for(engine)(VENDING_SALE)
            .on_conflict_do_nothing(index_elements=["device_id", "vend_id"])
            .returning(VENDING_SALE.c.id)
        )

    def record_sales(self, device_id: str, vends: Sequence[Vend]) -> list[Vend]:
        """Insert the sales; the vends that were new."""
        new: list[Vend] = []
        with self._engine.begin() as conn:
            for vend in vends:
                row: dict[str, Any] = {
                    "device_id": device_id,
                    "slot": vend.slot,
                    "price": vend.price,
                    "vend_id": vend.vend_id,
                    "seq": vend.seq,
                    "ts_ms": vend.ts_ms,
                }
                if conn.execute(self._insert.values(row)).first() is not None:
                    new.append(vend)
        return new

    async def on_vends(
        self, device_id: str, vends: Sequence[Vend], stock_at_commit: dict[int, int | None]
    ) -> list[Vend]:
        """Record the vends of one device from one batch; lower the twin's stock where
        no stock report covers them. The new sales."""
        if not vends:
            return []
        since = min(vend.seq for vend in vends)
        slots = sorted({vend.slot for vend in vends})

        def store() -> tuple[list[Vend], dict[int, int]]:
            new = self.record_sales(device_id, vends)
            return new, last_stock_reports(self._engine, device_id, slots, since)

        new, reports = await self._lane.run(store)
        for vend in new:
            self._metrics.vending_sales.inc()
            self._metrics.vending_revenue.inc(vend.price)
        counted = [vend for vend in vends if vend in new]
        twin = self._twins.get(device_id)
        if twin is None or not counted:
            return new
        patch = stock_updates(uncounted_vends(counted, reports), stock_at_commit, twin.reported)
        if patch:
            changed = self._twins.report(device_id, {"slots": patch}, self._clock_ms())
            if changed is not None:
                await persist_twin(self._lane, self._writer, changed)
        return new
