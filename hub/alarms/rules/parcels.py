"""Parcel uncollected: a parcel waiting in a locker longer than ``after_s`` (default 48
hours). One alarm per locker; each parcel that newly becomes overdue is an occurrence; it
clears when the locker has no overdue parcel left. Fed with the waiting parcels the
engine reads from the parcel table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.alarms.config import ParcelUncollectedRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal


@dataclass(frozen=True, slots=True)
class WaitingParcel:
    id: int
    device_id: str
    compartment: int
    deposited_ms: int


class ParcelsUncollected:
    def __init__(self) -> None:
        self._overdue: dict[str, frozenset[int]] = {}
        self._evaluated = False

    def evaluate(
        self,
        waiting: Iterable[WaitingParcel],
        rule_for: Callable[[str], ParcelUncollectedRule],
        now_ms: int,
    ) -> list[Signal]:
        """All waiting parcels that may be overdue (at least those deposited before the
        shortest limit): fire for lockers with newly overdue ones, clear the rest."""
        overdue: dict[str, list[WaitingParcel]] = {}
        for parcel in waiting:
            rule = rule_for(parcel.device_id)
            if rule.enabled and now_ms - parcel.deposited_ms >= rule.after_s * 1000:
                overdue.setdefault(parcel.device_id, []).append(parcel)
        signals: list[Signal] = []
        for device_id, parcels in sorted(overdue.items()):
            ids = frozenset(p.id for p in parcels)
            previous = self._overdue.get(device_id)
            if previous is not None and not ids - previous:
                continue
            details = {
                "parcels": len(parcels),
                "compartments": sorted({p.compartment for p in parcels}),
                "oldest_deposited_ms": min(p.deposited_ms for p in parcels),
            }
            occurrence = self._evaluated
            signals.append(
                Fire(device_id, AlarmType.PARCEL_UNCOLLECTED, now_ms, occurrence, details)
            )
        for device_id in sorted(set(self._overdue) - set(overdue)):
            signals.append(Clear(device_id, AlarmType.PARCEL_UNCOLLECTED, now_ms))
        self._overdue = {d: frozenset(p.id for p in ps) for d, ps in overdue.items()}
        self._evaluated = True
        return signals

    def has_overdue(self, device_id: str) -> bool | None:
        """None before the first evaluation."""
        return device_id in self._overdue if self._evaluated else None
