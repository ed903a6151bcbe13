"""Parcels in lockers: a courier's ``deposit`` opens a parcel, a ``pickup`` closes it.

The recipient is resolved from the building code and unit the courier entered: the
building must be a building of the locker's own community (codes are compared in lower
case, as the registry stores them), and the parcel goes to the unit's first registered
resident. A deposit whose recipient cannot be resolved still creates the parcel, with no
resident and a ``resolution`` saying why (``unknown_building``, ``other_community``,
``unknown_unit``), so that staff can sort it out.

The pickup code is six random digits from :mod:`secrets`, stored in plain text because
the resident reads it in the app (see :class:`~hub.domain.models.Parcel`); it is never
put on the live event stream, which operators see. A pickup closes every waiting parcel
of that compartment deposited before it: ``collected``, or ``returned`` when the courier
took it back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, update
from sqlmodel import Session, col, select

from firmware_protocols.base import Event
from hub.db.joined_session import joined_session
from hub.domain.models import PARCEL, Parcel
from hub.ingest.directory import DeviceInfo
from hub.live import LiveEvent, LiveSink
from hub.registry.models import Node, Resident
from hub.registry.queries import in_scope
from hub.store.writer import insert_for

log = logging.getLogger(__name__)

UNKNOWN_BUILDING = "unknown_building"
OTHER_COMMUNITY = "other_community"
UNKNOWN_UNIT = "unknown_unit"


def new_pickup_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return f"{randbelow(1_000_000):06d}"


@dataclass(frozen=True, slots=True)
class Recipient:
    resident_id: int | None
    resolution: str | None


def resolve_recipient(session: Session, locker_path: str, building: str, unit: str) -> Recipient:
    """The resident a parcel for ``building``/``unit`` belongs to, or why there is none."""
    node = session.exec(
        select(Node).where(
            col(Node.code) == building.strip().lower(), col(Node.level) == "building"
        )
    ).first()
    if node is None or node.id is None:
        return Recipient(None, UNKNOWN_BUILDING)
    if not in_scope(locker_path, node.path):  # lockers are registered at their community
        return Recipient(None, OTHER_COMMUNITY)
    resident = session.exec(
        select(Resident)
        .where(col(Resident.building_id) == node.id, col(Resident.unit) == unit.strip())
        .order_by(col(Resident.id))
    ).first()
    if resident is None:
        return Recipient(None, UNKNOWN_UNIT)
    return Recipient(resident.id, None)


@dataclass(frozen=True, slots=True)
class ClosedParcel:
    id: int
    compartment: int
    resident_id: int | None
    state: str


class AnnouncedParcel(Protocol):
    """What a parcel's live event tells of it (a :class:`Parcel` or a
    :class:`ClosedParcel`)."""

    @property
    def id(self) -> int | None: ...
    @property
    def compartment(self) -> int: ...
    @property
    def resident_id(self) -> int | None: ...


class ParcelBook:
    """Parcels from deposits and pickups: written in the ingest batch's transaction
    (:meth:`record_deposit`, :meth:`record_pickup`), announced once it is committed."""

    def __init__(
        self,
        *,
        engine: Engine,
        live: LiveSink,
        pickup_code: Callable[[], str] = new_pickup_code,
    ) -> None:
        self._live = live
        self._pickup_code = pickup_code
        self._insert = (
            insert_for(engine)(PARCEL)
            .on_conflict_do_nothing(index_elements=["device_id", "deposit_seq"])
            .returning(PARCEL.c.id)
        )

    # ------------------------------------------------------------ in the batch's transaction
    def record_deposit(self, conn: Connection, device: DeviceInfo, deposit: Event) -> Parcel | None:
        """Insert the parcel of a ``deposit`` event; None if it was recorded before."""
        data = deposit.data
        building, unit = str(data.get("building", "")), str(data.get("unit", ""))
        with joined_session(conn) as session:
            recipient = resolve_recipient(session, device.path, building, unit)
            row: dict[str, Any] = {
                "device_id": device.device_id,
                "compartment": int(data["compartment"]),
                "tracking": str(data.get("tracking", ""))[:64],
                "building": building[:32],
                "unit": unit[:32],
                "resident_id": recipient.resident_id,
                "resolution": recipient.resolution,
                "pickup_code": self._pickup_code(),
                "state": "waiting",
                "deposit_seq": deposit.seq,
                "deposited_ms": deposit.ts_ms,
            }
            inserted = conn.execute(self._insert.values(row)).first()
            if inserted is None:
                return None
            return session.exec(
                select(Parcel).where(
                    col(Parcel.device_id) == device.device_id,
                    col(Parcel.deposit_seq) == deposit.seq,
                )
            ).one()

    def record_pickup(
        self, conn: Connection, device: DeviceInfo, pickup: Event
    ) -> list[ClosedParcel]:
        """Close the waiting parcels of the compartment deposited up to the pickup."""
        compartment = int(pickup.data["compartment"])
        state = "returned" if pickup.data.get("method") == "courier_return" else "collected"
        where = (
            col(Parcel.device_id) == device.device_id,
            col(Parcel.compartment) == compartment,
            col(Parcel.state) == "waiting",
            col(Parcel.deposited_ms) <= pickup.ts_ms,
        )
        with joined_session(conn) as session:
            waiting = session.exec(select(Parcel).where(*where)).all()
            if not waiting:
                return []
            ids = [parcel.id for parcel in waiting]
            conn.execute(
                update(Parcel)
                .where(col(Parcel.id).in_(ids), col(Parcel.state) == "waiting")
                .values(
                    state=state,
                    collected_ms=pickup.ts_ms,
                    pickup_method=str(pickup.data.get("method", ""))[:16] or None,
                )
            )
            return [
                ClosedParcel(parcel.id, compartment, parcel.resident_id, state)
                for parcel in waiting
                if parcel.id is not None
            ]

    # ------------------------------------------------------------ once committed
    def deposited(self, device: DeviceInfo, deposit: Event, parcel: Parcel) -> None:
        if parcel.resident_id is None:
            log.warning(
                "parcel %s in %s/%s has no recipient: %s",
                parcel.tracking,
                device.device_id,
                parcel.compartment,
                parcel.resolution,
            )
        self._announce(
            "parcel_deposited", device, deposit.ts_ms, parcel, resolution=parcel.resolution
        )

    def collected(self, device: DeviceInfo, pickup: Event, closed: Sequence[ClosedParcel]) -> None:
        for parcel in closed:
            self._announce("parcel_collected", device, pickup.ts_ms, parcel, state=parcel.state)

    def _announce(
        self, type_: str, device: DeviceInfo, ts_ms: int, parcel: AnnouncedParcel, **more: object
    ) -> None:
        """A parcel's live event: what operators may see of it (never its pickup code)."""
        self._live.publish(
            LiveEvent(
                type=type_,
                device_id=device.device_id,
                path=device.path,
                ts_ms=ts_ms,
                data={
                    "parcel_id": parcel.id,
                    "compartment": parcel.compartment,
                    "resident_id": parcel.resident_id,
                    **more,
                },
            )
        )


def resident_parcels(
    session: Session, resident_id: int, *, waiting_only: bool = False
) -> list[Parcel]:
    """A resident's parcels, newest first (for the resident API)."""
    statement = select(Parcel).where(col(Parcel.resident_id) == resident_id)
    if waiting_only:
        statement = statement.where(col(Parcel.state) == "waiting")
    return list(session.exec(statement.order_by(col(Parcel.deposited_ms).desc())).all())
