"""Vends: one ``vending_sale`` row each, the sales metrics, and the slot's stock in the twin.

A sale's key is (device, vend id): the machine's transaction id, so a vend the machine
sends again in a new message (a new seq) is still one sale. A vend without an id is keyed
by its message (``seq-<seq>``). The metrics ``vending_sales`` and ``vending_revenue``
count new sales only. Stock: see :mod:`hub.domain.stock`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from firmware_protocols.base import Event
from hub.domain.background import BackgroundTasks
from hub.domain.lane_store import LaneStore
from hub.domain.models import VENDING_SALE
from hub.domain.stock import Vend, slot_stock, stock_updates, uncounted_vends
from hub.ingest.directory import DeviceInfo
from hub.metrics import HubMetrics
from hub.registry.paths import district_of
from hub.store.reads import latest_metric_seqs
from hub.store.writer import insert_for
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
    conn: Connection, device_id: str, slots: Sequence[int], since_seq: int
) -> dict[int, int]:
    """Per slot, the newest seq at or after ``since_seq`` of a stored ``slot_<n>_stock``."""
    metrics = {f"slot_{slot}_stock": slot for slot in slots}
    found = latest_metric_seqs(conn, device_id, metrics, since_seq)
    return {metrics[metric]: seq for metric, seq in found.items()}


@dataclass(frozen=True, slots=True)
class RecordedVends:
    """One device's vends of one batch, as stored: the new ones, and the newest stock
    report of each of their slots (the batch's own telemetry included)."""

    device_id: str
    district: str
    vends: tuple[Vend, ...]
    new: tuple[Vend, ...]
    stock_reports: dict[int, int]


class VendingSales:
    """Sales stored in the ingest batch's transaction (:meth:`record`); counted, and the
    slots' stock lowered in the twin where the machine did not report it, once the batch
    is committed (:meth:`counted`)."""

    def __init__(
        self,
        *,
        store: LaneStore,
        twins: TwinStore,
        metrics: HubMetrics,
        tasks: BackgroundTasks,
        clock_ms: Callable[[], int],
    ) -> None:
        self._store = store
        self._twins = twins
        self._metrics = metrics
        self._tasks = tasks
        self._clock_ms = clock_ms
        self._insert = (
            insert_for(store.engine)(VENDING_SALE)
            .on_conflict_do_nothing(index_elements=["device_id", "vend_id"])
            .returning(VENDING_SALE.c.id)
        )

    def record(self, conn: Connection, device: DeviceInfo, vends: Sequence[Vend]) -> RecordedVends:
        """Insert the sales of one device's vends."""
        device_id = device.device_id
        new: list[Vend] = []
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
        reports: dict[int, int] = {}
        if new:
            since = min(vend.seq for vend in new)
            slots = sorted({vend.slot for vend in new})
            reports = last_stock_reports(conn, device_id, slots, since)
        return RecordedVends(device_id, district_of(device.path), tuple(vends), tuple(new), reports)

    def counted(self, recorded: RecordedVends) -> None:
        """Count the new sales; lower the twin's stock where no stock report covers them."""
        sales = self._metrics.vending_sales.labels(recorded.district)
        revenue = self._metrics.vending_revenue.labels(recorded.district)
        for vend in recorded.new:
            sales.inc()
            revenue.inc(vend.price)
        twin = self._twins.get(recorded.device_id)
        if twin is None or not recorded.new:
            return
        at_commit = {vend.slot: slot_stock(twin.reported, vend.slot) for vend in recorded.new}
        uncounted = uncounted_vends(recorded.new, recorded.stock_reports)
        patch = stock_updates(uncounted, at_commit, twin.reported)
        if not patch:
            return
        changed = self._twins.report(recorded.device_id, {"slots": patch}, self._clock_ms())
        if changed is not None:
            self._tasks.spawn(self._store.persist_twin(changed), f"stock-{recorded.device_id}")
