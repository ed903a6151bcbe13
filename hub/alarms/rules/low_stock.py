"""Low stock: a vending slot holding less than ``below_fraction`` of its capacity
(default 20 %), from the twin's ``slots`` {"<n>": {stock, price, capacity}}. One alarm
per machine lists its low slots; each slot that newly runs low is an occurrence; the
alarm clears when no slot is low."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.alarms.config import LowStockRule
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal
from hub.twin import part_number


def low_slots(slots: Mapping[str, Any], below_fraction: float) -> dict[int, tuple[int, int]]:
    """Slot number > (stock, capacity) for each slot below the fraction of its capacity.
    Slots without a known stock or a positive capacity are left out."""
    low: dict[int, tuple[int, int]] = {}
    for key, entry in slots.items():
        if not isinstance(entry, dict):
            continue
        stock, capacity = entry.get("stock"), entry.get("capacity")
        if type(stock) is not int or type(capacity) is not int or capacity <= 0:
            continue
        number = part_number(key)
        if stock < below_fraction * capacity and number is not None:
            low[number] = (stock, capacity)
    return low


class LowStock:
    def __init__(self) -> None:
        self._low: dict[str, frozenset[int]] = {}

    def observe(
        self, device_id: str, slots: Mapping[str, Any], rule: LowStockRule, now_ms: int
    ) -> list[Signal]:
        if not rule.enabled:
            self._low.pop(device_id, None)
            return []
        low = low_slots(slots, rule.below_fraction)
        previous = self._low.get(device_id)
        self._low[device_id] = frozenset(low)
        if not low:
            known_fine = previous == frozenset()
            return [] if known_fine else [Clear(device_id, AlarmType.LOW_STOCK, now_ms)]
        if previous is not None and not set(low) - previous:
            return []
        details = {
            "slots": [
                {"slot": slot, "stock": stock, "capacity": capacity}
                for slot, (stock, capacity) in sorted(low.items())
            ],
            "below_fraction": rule.below_fraction,
        }
        return [Fire(device_id, AlarmType.LOW_STOCK, now_ms, previous is not None, details)]
