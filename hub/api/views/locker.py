"""A locker's compartments: the registry's numbers and sizes, the twin's state and door,
and the parcels waiting in each (never their pickup codes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from hub.api.schemas.lockers import CompartmentView, ParcelInCompartment
from hub.api.views.reported import numbered_parts
from hub.domain.models import PARCEL


@dataclass(frozen=True, slots=True)
class WaitingParcel:
    id: int
    compartment: int
    tracking: str
    building: str
    unit: str
    resident_id: int | None
    resolution: str | None
    deposited_ms: int

    def public(self, now_ms: int) -> ParcelInCompartment:
        return ParcelInCompartment(
            id=self.id,
            tracking=self.tracking,
            building=self.building,
            unit=self.unit,
            resident_id=self.resident_id,
            resolution=self.resolution,
            deposited_ms=self.deposited_ms,
            age_s=max(0, (now_ms - self.deposited_ms) // 1000),
        )


def waiting_parcels(engine: Engine, device_id: str) -> list[WaitingParcel]:
    """Parcels waiting in the locker, oldest first."""
    statement = (
        select(
            PARCEL.c.id,
            PARCEL.c.compartment,
            PARCEL.c.tracking,
            PARCEL.c.building,
            PARCEL.c.unit,
            PARCEL.c.resident_id,
            PARCEL.c.resolution,
            PARCEL.c.deposited_ms,
        )
        .where(PARCEL.c.device_id == device_id, PARCEL.c.state == "waiting")
        .order_by(PARCEL.c.deposited_ms, PARCEL.c.id)
    )
    with engine.connect() as conn:
        return [WaitingParcel(*row) for row in conn.execute(statement)]


def compartments(
    registered: Iterable[tuple[int, str]],
    reported: Mapping[str, Any],
    parcels: Iterable[WaitingParcel],
    now_ms: int,
) -> list[CompartmentView]:
    """Every compartment the registry or the locker's report knows, by number."""
    sizes = dict(registered)
    waiting: dict[int, list[ParcelInCompartment]] = {}
    for parcel in parcels:
        waiting.setdefault(parcel.compartment, []).append(parcel.public(now_ms))
    views = []
    for number, entry in numbered_parts(reported, "compartments", sizes):
        state, door, size = entry.get("state"), entry.get("door"), entry.get("size")
        views.append(
            CompartmentView(
                number=number,
                size=sizes.get(number) or (size if isinstance(size, str) else None),
                state=state if isinstance(state, str) else "unknown",
                door=door if isinstance(door, str) else None,
                parcels=waiting.get(number, []),
            )
        )
    return views


def state_counts(views: Iterable[CompartmentView]) -> dict[str, int]:
    return dict(Counter(view.state for view in views))
