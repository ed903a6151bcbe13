"""Tamper: a door unit's local status (``tamper`` true until it reports false again), or a
locker's ``tamper`` event (a door opened without release, or the enclosure opened).

A locker never reports the end of a tamper, so its alarm clears after ``quiet_clear_s``
without another one; the engine applies that to the stored alarm (its last occurrence),
which survives a restart of the hub.
"""

from __future__ import annotations

from hub.alarms.config import TamperRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal


class Tamper:
    def __init__(self) -> None:
        self._doors: dict[str, bool] = {}

    def door_status(
        self, device_id: str, tamper: bool, rule: TamperRule, now_ms: int
    ) -> list[Signal]:
        """A door unit's ``local_status`` report (sent on change and after connecting)."""
        previous = self._doors.get(device_id)
        self._doors[device_id] = tamper
        if not tamper:
            return [] if previous is False else [Clear(device_id, AlarmType.TAMPER, now_ms)]
        if previous is True or not rule.enabled:
            return []
        details = {"source": "local_status"}
        return [Fire(device_id, AlarmType.TAMPER, now_ms, previous is False, details)]

    def locker_event(
        self, device_id: str, compartment: int | None, rule: TamperRule, now_ms: int
    ) -> list[Signal]:
        if not rule.enabled:
            return []
        details = {"source": "locker", "compartment": compartment}
        return [Fire(device_id, AlarmType.TAMPER, now_ms, True, details)]
