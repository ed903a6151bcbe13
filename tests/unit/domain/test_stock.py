"""Which vends lower a slot's stock in the twin."""

from __future__ import annotations

from hub.domain.stock import Vend, slot_stock, stock_updates, uncounted_vends


def vend(slot: int, seq: int) -> Vend:
    return Vend(slot, 350, f"v{seq}", seq, 0)


def reported(**stocks: int) -> dict[str, object]:
    return {"slots": {slot.removeprefix("s"): {"stock": n} for slot, n in stocks.items()}}


def test_slot_stock_reads_the_twin() -> None:
    assert slot_stock(reported(s2=8), 2) == 8
    assert slot_stock(reported(s2=8), 3) is None
    assert slot_stock({"slots": {"2": {"stock": True}}}, 2) is None
    assert slot_stock({}, 2) is None


def test_a_vend_without_a_stock_report_lowers_the_stock() -> None:
    uncounted = uncounted_vends([vend(2, 100)], {})
    assert uncounted == {2: 1}
    assert stock_updates(uncounted, {2: 10}, reported(s2=10)) == {"2": {"stock": 9}}


def test_a_stock_report_in_the_same_or_a_later_message_covers_the_vend() -> None:
    assert uncounted_vends([vend(2, 100)], {2: 100}) == {}
    assert uncounted_vends([vend(2, 100)], {2: 105}) == {}
    # Only vends after the last report still count.
    assert uncounted_vends([vend(2, 100), vend(2, 110)], {2: 105}) == {2: 1}


def test_several_vends_and_slots_never_below_zero() -> None:
    uncounted = uncounted_vends([vend(2, 1), vend(2, 2), vend(3, 3)], {})
    patch = stock_updates(uncounted, {2: 5, 3: 1}, reported(s2=5, s3=1))
    assert patch == {"2": {"stock": 3}, "3": {"stock": 0}}
    assert stock_updates({3: 4}, {3: 1}, reported(s3=1)) == {"3": {"stock": 0}}


def test_a_newer_report_in_the_twin_wins_over_arithmetic() -> None:
    # Restocked to 10 after the commit: the vend must not make it 9.
    assert stock_updates({2: 1}, {2: 4}, reported(s2=10)) == {}
    # A slot the twin has no stock for is left alone.
    assert stock_updates({2: 1}, {2: None}, {}) == {}
