"""Locker compartment door left open: the locker's own ``door_left_open`` event, or a
compartment the twin has shown open for longer than ``for_s`` (firmware that never sends
the event). One alarm per locker names its open compartments; it clears when none of
the compartments it named is open any more.

The twin's compartment map is the cabinet's last full report. Events and the twin of one
ingest batch are evaluated together, events first, and the twin may come from a report
older than an event of the same batch: so the twin closes a compartment that an event
opened only in a later evaluation (:meth:`CompartmentDoors.new_batch` starts one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.alarms.config import CompartmentLeftOpenRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal
from hub.twin import part_number


@dataclass(slots=True)
class CompartmentDoor:
    open_since_ms: int | None = None
    event_batch: int | None = None  # the evaluation in which an event said it is open
    left_open: bool = False  # part of the alarm


class CompartmentDoors:
    def __init__(self) -> None:
        self._lockers: dict[str, dict[int, CompartmentDoor]] = {}  # open compartments only
        self._batch = 0

    def new_batch(self) -> None:
        """What follows is a later evaluation than what came before."""
        self._batch += 1

    def _door(self, device_id: str, number: int) -> CompartmentDoor:
        doors = self._lockers.setdefault(device_id, {})
        door = doors.get(number)
        if door is None:
            door = doors[number] = CompartmentDoor()
        return door

    def _fire(self, device_id: str, now_ms: int, details: dict[str, Any]) -> Fire:
        details["compartments"] = self.left_open(device_id)
        return Fire(device_id, AlarmType.COMPARTMENT_LEFT_OPEN, now_ms, True, details)

    def _closed(self, device_id: str, number: int, now_ms: int) -> list[Signal]:
        """Forget a closed compartment; a Clear if it was the last one left open."""
        doors = self._lockers.get(device_id, {})
        door = doors.pop(number, None)
        if not doors:
            self._lockers.pop(device_id, None)
        if door is not None and door.left_open and not self.left_open(device_id):
            return [Clear(device_id, AlarmType.COMPARTMENT_LEFT_OPEN, now_ms)]
        return []

    def twin(self, device_id: str, compartments: Mapping[str, Any], now_ms: int) -> list[Signal]:
        """The twin's ``compartments`` map changed (runs per locker report: kept lean)."""
        try:
            opened = [key for key, entry in compartments.items() if entry.get("door") == "open"]
        except AttributeError:  # not the codec's map of maps: look no further
            return []
        for key in opened:
            if (number := part_number(key)) is not None:
                door = self._door(device_id, number)
                if door.open_since_ms is None:
                    door.open_since_ms = now_ms
        known = self._lockers.get(device_id)
        if not known:
            return []
        signals: list[Signal] = []
        for number, door in list(known.items()):
            entry = compartments.get(str(number))
            closed = isinstance(entry, dict) and entry.get("door") == "closed"
            if closed and door.event_batch != self._batch:
                signals += self._closed(device_id, number, now_ms)
        return signals

    def door_opened(self, device_id: str, number: int, now_ms: int) -> None:
        door = self._door(device_id, number)
        door.event_batch = self._batch
        if door.open_since_ms is None:
            door.open_since_ms = now_ms

    def door_closed(self, device_id: str, number: int, now_ms: int) -> list[Signal]:
        return self._closed(device_id, number, now_ms)

    def door_left_open(
        self,
        device_id: str,
        number: int,
        open_s: int,
        rule: CompartmentLeftOpenRule,
        now_ms: int,
    ) -> list[Signal]:
        """The locker says a door stayed open past its own limit (repeated while open)."""
        door = self._door(device_id, number)
        door.event_batch = self._batch
        if door.open_since_ms is None:
            door.open_since_ms = now_ms - open_s * 1000
        door.left_open = True
        if not rule.enabled:
            return []
        return [self._fire(device_id, now_ms, {"open_s": open_s, "source": "locker"})]

    def due(self, now_ms: int, rule_for: Callable[[str], CompartmentLeftOpenRule]) -> list[Signal]:
        signals: list[Signal] = []
        for device_id, doors in self._lockers.items():
            rule = rule_for(device_id)
            if not rule.enabled:
                continue
            late = [
                door
                for door in doors.values()
                if not door.left_open
                and door.open_since_ms is not None
                and now_ms - door.open_since_ms >= rule.for_s * 1000
            ]
            if not late:
                continue
            for door in late:
                door.left_open = True
            signals.append(self._fire(device_id, now_ms, {"limit_s": rule.for_s, "source": "twin"}))
        return signals

    def left_open(self, device_id: str) -> list[int]:
        doors = self._lockers.get(device_id, {})
        return sorted(number for number, door in doors.items() if door.left_open)
