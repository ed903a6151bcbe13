"""How vends change a slot's stock in the twin (pure).

A vend is one DDATA, "usually with the slot's new ``Slot/<n>/Stock``" (sparkplug_b
PROTOCOL.md section 6). When the machine reported the slot's stock in the vend's own
message or in any later one, the twin already holds the machine's count and the vend
changes nothing; otherwise the hub lowers the stock by one per such vend. It does so only
if the twin still shows the stock it had when the vends were committed: a newer report
from the machine wins over the hub's arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Vend:
    slot: int
    price: int
    vend_id: str
    seq: int
    ts_ms: int


def slot_stock(reported: Mapping[str, Any], slot: int) -> int | None:
    """The twin's reported stock of ``slot``, or None if it has none."""
    slots = reported.get("slots")
    entry = slots.get(str(slot)) if isinstance(slots, Mapping) else None
    stock = entry.get("stock") if isinstance(entry, Mapping) else None
    return stock if isinstance(stock, int) and not isinstance(stock, bool) else None


def uncounted_vends(vends: Iterable[Vend], last_report_seq: Mapping[int, int]) -> dict[int, int]:
    """Per slot, how many vends no stock report of that slot (at or after them) covers.
    ``last_report_seq``: the newest seq of a stored stock report, per slot."""
    counts: dict[int, int] = {}
    for vend in vends:
        reported = last_report_seq.get(vend.slot)
        if reported is None or reported < vend.seq:
            counts[vend.slot] = counts.get(vend.slot, 0) + 1
    return counts


def stock_updates(
    uncounted: Mapping[int, int],
    at_commit: Mapping[int, int | None],
    current: Mapping[str, Any],
) -> dict[str, dict[str, int]]:
    """The ``slots`` patch for the twin: each slot lowered by its uncounted vends, never
    below zero, where the twin (``current`` reported state) still holds the stock it had
    at commit."""
    patch: dict[str, dict[str, int]] = {}
    for slot, count in uncounted.items():
        stock = slot_stock(current, slot)
        if count <= 0 or stock is None or stock != at_commit.get(slot):
            continue
        patch[str(slot)] = {"stock": max(0, stock - count)}
    return patch
