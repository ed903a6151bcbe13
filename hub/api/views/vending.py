"""A vending machine's cabinet and slots: the twin's report against the registry's slot
list, the cold-chain band of its community, and what the alarms hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.api.schemas.vending import SlotView
from hub.registry.models import VendingSlot


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def reading(reported: Mapping[str, Any], key: str, places: int = 1) -> float | None:
    value = _number(reported.get(key))
    return None if value is None else round(value, places)


def flag(reported: Mapping[str, Any], key: str) -> bool | None:
    return _bool(reported.get(key))


def slots(
    registered: Iterable[VendingSlot],
    reported: Mapping[str, Any],
    low_fraction: float,
    unsellable: Iterable[int],
) -> list[SlotView]:
    """Every slot the registry or the machine knows, by number."""
    listed = {slot.number: slot for slot in registered}
    twin = reported.get("slots")
    twin = twin if isinstance(twin, Mapping) else {}
    numbers = set(listed) | {int(k) for k in twin if isinstance(k, str) and k.isdigit()}
    held = set(unsellable)
    views = []
    for number in sorted(numbers):
        entry = twin.get(str(number))
        entry = entry if isinstance(entry, Mapping) else {}
        slot = listed.get(number)
        stock = _int(entry.get("stock"))
        capacity = _int(entry.get("capacity")) or (slot.capacity if slot else None)
        price = _int(entry.get("price"))
        views.append(
            SlotView(
                number=number,
                product=slot.product if slot else None,
                price_fen=price if price is not None else (slot.price if slot else None),
                capacity=capacity,
                stock=stock,
                low=stock is not None and bool(capacity) and stock < low_fraction * (capacity or 0),
                unsellable=number in held,
            )
        )
    return views
