"""Cold chain: a vending cabinet above ``max_temp_c`` for ``for_s`` (default 8 °C for 10
minutes), from the twin's ``temperature_c``. The alarm names the slots whose stock it
holds as unsellable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.alarms.config import ColdChainRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal
from hub.twin import part_number


@dataclass(slots=True)
class Excursion:
    since_ms: int
    temperature_c: float
    peak_c: float
    slots: tuple[int, ...]
    fired: bool = False


class ColdChain:
    def __init__(self) -> None:
        self._hot: dict[str, Excursion] = {}
        self._cool: set[str] = set()  # known below the limit: nothing to clear

    def observe(
        self,
        device_id: str,
        temperature_c: float,
        slots: Mapping[str, Any],
        rule: ColdChainRule,
        now_ms: int,
    ) -> list[Signal]:
        """The cabinet's temperature; ``slots`` is the twin's slot map (whose stock an
        alarm would hold)."""
        if not rule.enabled:
            self._hot.pop(device_id, None)
            return []
        if temperature_c > rule.max_temp_c:
            self._cool.discard(device_id)
            numbers = tuple(sorted(n for n in map(part_number, slots) if n is not None))
            excursion = self._hot.get(device_id)
            if excursion is None:
                self._hot[device_id] = Excursion(now_ms, temperature_c, temperature_c, numbers)
            else:
                excursion.temperature_c = temperature_c
                excursion.peak_c = max(excursion.peak_c, temperature_c)
                excursion.slots = numbers
            return []
        self._hot.pop(device_id, None)
        if device_id in self._cool:
            return []
        self._cool.add(device_id)
        return [Clear(device_id, AlarmType.COLD_CHAIN, now_ms)]

    def due(self, now_ms: int, rule_for: Callable[[str], ColdChainRule]) -> list[Signal]:
        signals: list[Signal] = []
        for device_id, excursion in self._hot.items():
            if excursion.fired:
                continue
            rule = rule_for(device_id)
            if now_ms - excursion.since_ms < rule.for_s * 1000:
                continue
            excursion.fired = True
            details = {
                "temperature_c": excursion.temperature_c,
                "peak_c": excursion.peak_c,
                "max_temp_c": rule.max_temp_c,
                "above_since_ms": excursion.since_ms,
                "unsellable_slots": list(excursion.slots) if rule.hold_stock else [],
            }
            signals.append(Fire(device_id, AlarmType.COLD_CHAIN, now_ms, True, details))
        return signals
