"""What the alarm engine reads from other parts' tables: waiting parcels (the domain's
``parcel`` table) and each device's last presence change (the store)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from hub.alarms.rules.parcels import WaitingParcel
from hub.domain.models import PARCEL
from hub.store.queries import last_presence


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
