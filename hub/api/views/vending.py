"""A vending machine's cabinet and slots: the twin's report against the registry's slot
list, the cold-chain band of its community, and what the alarms hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.api.schemas.vending import SlotView
from hub.api.views.reported import numbered_parts, whole_number
from hub.registry.models import VendingSlot


def slots(
    registered: Iterable[VendingSlot],
    reported: Mapping[str, Any],
    low_fraction: float,
    unsellable: Iterable[int],
) -> list[SlotView]:
    """Every slot the registry or the machine knows, by number."""
    listed = {slot.number: slot for slot in registered}
    held = set(unsellable)
    views = []
    for number, entry in numbered_parts(reported, "slots", listed):
        slot = listed.get(number)
        stock = whole_number(entry.get("stock"))
        capacity = whole_number(entry.get("capacity")) or (slot.capacity if slot else None)
        price = whole_number(entry.get("price"))
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
