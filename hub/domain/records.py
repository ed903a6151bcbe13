"""What the domain derives from a batch's new events, written in the batch's transaction.

A card read or PIN is decided and logged, a deposit becomes a parcel, a pickup closes
parcels, a vend becomes a sale, a DEX audit file becomes its totals: all in the ingest
batch's own transaction (:class:`DomainRecords` is the pipeline's recorder), so the
event, its record and the message's acknowledgement stand or fall together. Once the
batch is committed, the returned action answers the door, publishes the live events,
counts the sales and hands audits to the alarm rule.

An event stored before (a redelivered message) is not new, so nothing here runs twice
for it; a record's own unique key (the access log's report, the parcel's deposit, the
sale's vend id, the audit's seq) keeps a second replica from recording it again.

Each event is recorded under its own savepoint. When the database cannot be reached or is
locked, the whole batch fails and the pipeline retries it (nothing is acknowledged). When
one event cannot be recorded for a reason of its own (a value the table refuses, a bug),
its savepoint is rolled back, the event itself stays stored, and a dead letter with
reason ``record_failed`` says which event and why: the batch and the ingest go on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from hub.domain.dex_audits import DexAudits
from hub.domain.door_access import ACCESS_EVENTS, DoorAccess
from hub.domain.parcels import ParcelBook
from hub.domain.vending_sales import VendingSales, vend_from_event
from hub.ingest.batch import DeviceEvent
from hub.metrics import HubMetrics
from hub.store.schema import dead_letter

log = logging.getLogger(__name__)

AfterCommit = Callable[[], object]
RECORD_FAILED = "record_failed"


def is_recorded(kind: str, event_type: str) -> bool:
    """Whether :class:`DomainRecords` takes events of this kind and type."""
    if kind == "door":
        return event_type in ACCESS_EVENTS
    if kind == "locker":
        return event_type in ("deposit", "pickup")
    return kind == "vending" and event_type in ("vend", "dex_audit")


class DomainRecords:
    def __init__(
        self,
        *,
        access: DoorAccess,
        parcels: ParcelBook,
        sales: VendingSales,
        audits: DexAudits,
        metrics: HubMetrics,
        clock_ms: Callable[[], int],
    ) -> None:
        self.access = access
        self.parcels = parcels
        self.sales = sales
        self.audits = audits
        self._metrics = metrics
        self._clock_ms = clock_ms
        self._dead_letter = dead_letter.insert()
        self.failed = 0

    def record(self, conn: Connection, new_events: Sequence[DeviceEvent]) -> AfterCommit | None:
        """Write the records of ``new_events`` in ``conn``; what to do once committed."""
        actions: list[AfterCommit] = []
        vends: dict[str, list[DeviceEvent]] = {}
        for item in new_events:
            device, event = item
            if not is_recorded(device.kind, event.type):
                continue
            if event.type == "vend":
                vends.setdefault(device.device_id, []).append(item)
                continue
            action = self._isolated(conn, [item], partial(self._record_one, conn, item))
            if action is not None:
                actions.append(action)
        for items in vends.values():
            action = self._isolated(conn, items, partial(self._record_vends, conn, items))
            if action is not None:
                actions.append(action)
        if not actions:
            return None
        return partial(_run_all, actions)

    def _record_one(self, conn: Connection, item: DeviceEvent) -> AfterCommit | None:
        device, event = item
        if device.kind == "door":
            decided = self.access.record(conn, device, event)
            return None if decided is None else partial(self.access.answer, decided)
        if event.type == "deposit":
            parcel = self.parcels.record_deposit(conn, device, event)
            return (
                None if parcel is None else partial(self.parcels.deposited, device, event, parcel)
            )
        if event.type == "pickup":
            closed = self.parcels.record_pickup(conn, device, event)
            return partial(self.parcels.collected, device, event, closed) if closed else None
        row = self.audits.record(conn, device.device_id, event)  # dex_audit
        return None if row is None else partial(self.audits.stored, device, row)

    def _record_vends(self, conn: Connection, items: Sequence[DeviceEvent]) -> AfterCommit | None:
        vends = [vend for _, event in items if (vend := vend_from_event(event)) is not None]
        if not vends:
            return None
        recorded = self.sales.record(conn, items[0].device, vends)
        return partial(self.sales.counted, recorded) if recorded.new else None

    def _isolated(
        self,
        conn: Connection,
        items: Sequence[DeviceEvent],
        write: Callable[[], AfterCommit | None],
    ) -> AfterCommit | None:
        try:
            with conn.begin_nested():
                return write()
        except (OperationalError, InterfaceError):
            raise  # the database itself: the batch is retried
        except Exception as exc:  # this event's own problem: keep it, say so, go on
            self.failed += 1
            first = items[0]
            log.warning(
                "%s event %s of %s could not be recorded: %s",
                first.event.type,
                first.event.seq,
                first.device.device_id,
                exc,
            )
            conn.execute(
                self._dead_letter,
                [_dead_letter_row(item, exc, self._clock_ms()) for item in items],
            )
            return partial(self._count_dead_letters, len(items))

    def _count_dead_letters(self, count: int) -> None:
        self._metrics.dead_letters.labels(RECORD_FAILED).inc(count)


def _dead_letter_row(item: DeviceEvent, exc: Exception, received_ms: int) -> dict[str, object]:
    device, event = item
    payload = json.dumps(
        {"seq": event.seq, "ts_ms": event.ts_ms, "type": event.type, "data": event.data},
        default=str,
        separators=(",", ":"),
    )
    return {
        "received_ms": received_ms,
        "topic": f"(recorded event) {device.device_id}/{event.type}",
        "payload": payload.encode(),
        "device_id": device.device_id,
        "reason": RECORD_FAILED,
        "detail": f"{type(exc).__name__}: {exc}"[:1000],
    }


def _run_all(actions: Sequence[AfterCommit]) -> None:
    for action in actions:
        try:
            action()
        except Exception:  # one record's bug must not keep the others' effects back
            log.exception("domain action after commit failed")
