"""Each alarm rule with time passed in: when it fires, repeats and ends."""

from __future__ import annotations

from hub.alarms.config import (
    AccessDeniedRule,
    ColdChainRule,
    CompartmentLeftOpenRule,
    DeviceOfflineRule,
    LowStockRule,
    ParcelUncollectedRule,
    TamperRule,
)
from hub.alarms.rules.cold_chain import ColdChain
from hub.alarms.rules.compartments import CompartmentDoors
from hub.alarms.rules.denied import DeniedAccess
from hub.alarms.rules.low_stock import LowStock, low_slots
from hub.alarms.rules.offline import Offline
from hub.alarms.rules.parcels import ParcelsUncollected, WaitingParcel
from hub.alarms.rules.tamper import Tamper
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal

MIN = 60_000
T0 = 1_700_000_000_000


def fires(signals: list[Signal]) -> list[Fire]:
    return [s for s in signals if isinstance(s, Fire)]


def clears(signals: list[Signal]) -> list[Clear]:
    return [s for s in signals if isinstance(s, Clear)]


# ---------------------------------------------------------------- cold chain
def test_cold_chain_fires_after_ten_minutes_above_eight_degrees() -> None:
    rule, rules = ColdChainRule(), ColdChain()
    assert clears(rules.observe("v1", 4.0, [1, 2], rule, T0))  # first seen cool: may clear
    assert rules.observe("v1", 4.5, [1, 2], rule, T0 + 1) == []  # known cool: nothing
    assert rules.observe("v1", 8.5, [1, 2], rule, T0 + MIN) == []
    assert rules.due(T0 + 10 * MIN, lambda _d: rule) == []  # 9 minutes above
    rules.observe("v1", 11.0, [1, 2, 3], rule, T0 + 5 * MIN)
    [fired] = fires(rules.due(T0 + 11 * MIN, lambda _d: rule))
    assert fired.type is AlarmType.COLD_CHAIN and fired.at_ms == T0 + 11 * MIN
    assert fired.details["peak_c"] == 11.0 and fired.details["unsellable_slots"] == [1, 2, 3]
    assert fired.details["above_since_ms"] == T0 + MIN
    assert rules.due(T0 + 30 * MIN, lambda _d: rule) == []  # once per excursion
    [ended] = rules.observe("v1", 7.9, [1, 2, 3], rule, T0 + 31 * MIN)
    assert isinstance(ended, Clear) and ended.type is AlarmType.COLD_CHAIN


def test_cold_chain_at_the_limit_is_fine_and_short_excursions_do_not_fire() -> None:
    rule, rules = ColdChainRule(), ColdChain()
    rules.observe("v1", 8.0, [], rule, T0)
    assert rules.due(T0 + 60 * MIN, lambda _d: rule) == []
    rules.observe("v1", 9.0, [], rule, T0 + MIN)
    rules.observe("v1", 6.0, [], rule, T0 + 5 * MIN)
    assert rules.due(T0 + 20 * MIN, lambda _d: rule) == []


def test_cold_chain_without_stock_hold_names_no_slots() -> None:
    rule, rules = ColdChainRule(hold_stock=False, for_s=60), ColdChain()
    rules.observe("v1", 12.0, [1], rule, T0)
    [fired] = fires(rules.due(T0 + MIN, lambda _d: rule))
    assert fired.details["unsellable_slots"] == []


# ---------------------------------------------------------------- offline
def test_offline_fires_after_five_minutes_and_clears_when_back() -> None:
    rule, rules = DeviceOfflineRule(), Offline()
    rules.went_offline("d1", T0)
    rules.went_offline("d1", T0 + MIN)  # still the first time
    assert rules.due(T0 + 5 * MIN - 1, lambda _d: rule) == []
    [fired] = fires(rules.due(T0 + 5 * MIN, lambda _d: rule))
    assert fired.type is AlarmType.DEVICE_OFFLINE and fired.details["offline_since_ms"] == T0
    assert rules.due(T0 + 10 * MIN, lambda _d: rule) == []
    [back] = rules.came_online("d1", T0 + 11 * MIN)
    assert isinstance(back, Clear) and rules.offline_ids() == set()


def test_offline_respects_a_disabled_rule() -> None:
    rules = Offline()
    rules.went_offline("d1", T0)
    assert rules.due(T0 + 60 * MIN, lambda _d: DeviceOfflineRule(enabled=False)) == []


# ---------------------------------------------------------------- compartments
def compartments(**doors: str) -> dict[str, dict[str, str]]:
    return {key.removeprefix("c"): {"door": door} for key, door in doors.items()}


def test_the_lockers_left_open_event_fires_and_closing_clears() -> None:
    rule, rules = CompartmentLeftOpenRule(), CompartmentDoors()
    rules.twin("l1", compartments(c1="closed", c2="closed"), T0)
    [fired] = rules.door_left_open("l1", 2, 120, rule, T0 + 2 * MIN)
    assert isinstance(fired, Fire) and fired.details["compartments"] == [2]
    [again] = rules.door_left_open("l1", 2, 420, rule, T0 + 7 * MIN)
    assert isinstance(again, Fire) and again.occurrence
    assert rules.twin("l1", compartments(c1="open", c2="open"), T0 + 8 * MIN) == []
    assert rules.left_open("l1") == [2]
    [ended] = rules.door_closed("l1", 2, T0 + 9 * MIN)
    assert isinstance(ended, Clear) and ended.type is AlarmType.COMPARTMENT_LEFT_OPEN


def test_the_twin_alone_fires_after_the_limit_and_its_closing_clears() -> None:
    rule, rules = CompartmentLeftOpenRule(for_s=180), CompartmentDoors()
    rules.twin("l1", compartments(c1="closed", c3="closed"), T0)
    rules.twin("l1", compartments(c1="closed", c3="open"), T0 + MIN)
    assert rules.due(T0 + 3 * MIN, lambda _d: rule) == []
    [fired] = rules.due(T0 + 4 * MIN, lambda _d: rule)
    assert isinstance(fired, Fire) and fired.details["compartments"] == [3]
    assert rules.due(T0 + 9 * MIN, lambda _d: rule) == []
    rules.door_opened("l1", 1, T0 + 9 * MIN)
    [second] = rules.due(T0 + 12 * MIN, lambda _d: rule)
    assert isinstance(second, Fire) and second.details["compartments"] == [1, 3]
    rules.new_batch()
    assert rules.twin("l1", compartments(c1="closed", c3="open"), T0 + 13 * MIN) == []
    assert rules.left_open("l1") == [3]
    [ended] = rules.twin("l1", compartments(c1="closed", c3="closed"), T0 + 14 * MIN)
    assert isinstance(ended, Clear)


def test_a_compartment_key_that_is_no_number_is_passed_over() -> None:
    rules = CompartmentDoors()
    assert rules.twin("l1", {"\u00b2": {"door": "open"}}, T0) == []
    assert rules.left_open("l1") == []


def test_a_twin_from_the_events_own_batch_does_not_close_the_compartment() -> None:
    rules = CompartmentDoors()
    rules.new_batch()
    rules.door_left_open("l1", 4, 200, CompartmentLeftOpenRule(), T0)
    assert rules.twin("l1", compartments(c4="closed"), T0) == []  # maybe an older report
    assert rules.left_open("l1") == [4]
    rules.new_batch()
    [ended] = rules.twin("l1", compartments(c4="closed"), T0)  # a later report
    assert isinstance(ended, Clear)


# ---------------------------------------------------------------- tamper
def test_door_tamper_follows_the_local_status() -> None:
    rule, rules = TamperRule(), Tamper()
    [fired] = rules.door_status("d1", True, rule, T0)
    assert isinstance(fired, Fire) and not fired.occurrence  # state before unknown
    assert rules.door_status("d1", True, rule, T0 + 1) == []  # repeated report
    [ended] = rules.door_status("d1", False, rule, T0 + 2)
    assert isinstance(ended, Clear)
    assert rules.door_status("d1", False, rule, T0 + 3) == []
    [again] = rules.door_status("d1", True, rule, T0 + 4)
    assert isinstance(again, Fire) and again.occurrence


def test_every_locker_tamper_event_is_an_occurrence() -> None:
    rule, rules = TamperRule(), Tamper()
    [first] = rules.locker_event("l1", None, rule, T0)
    [second] = rules.locker_event("l1", 5, rule, T0 + 1)
    assert isinstance(first, Fire) and isinstance(second, Fire)
    assert first.details["compartment"] is None and second.details["compartment"] == 5
    assert rules.locker_event("l1", 5, TamperRule(enabled=False), T0 + 2) == []


# ---------------------------------------------------------------- low stock
def slots(*stock: int, capacity: int = 10) -> dict[str, dict[str, int]]:
    return {str(n): {"stock": s, "capacity": capacity} for n, s in enumerate(stock, start=1)}


def test_low_slots_are_below_a_fraction_of_capacity() -> None:
    assert low_slots(slots(2, 1, 0, 10), 0.2) == {2: (1, 10), 3: (0, 10)}
    odd = {"1": {"stock": 0}, "2": {"stock": 1, "capacity": 0}, "x": {}, "3": "bad"}
    assert low_slots(odd, 0.2) == {}
    # A key that is a digit but no number int() reads (superscript two) is passed over.
    assert low_slots({"\u00b2": {"stock": 0, "capacity": 10}}, 0.2) == {}


def test_low_stock_fires_per_newly_low_slot_and_clears_on_restock() -> None:
    rule, rules = LowStockRule(), LowStock()
    assert clears(rules.observe("v1", slots(5, 5), rule, T0))
    assert rules.observe("v1", slots(5, 4), rule, T0 + 1) == []
    [first] = rules.observe("v1", slots(1, 4), rule, T0 + 2)
    assert isinstance(first, Fire) and first.occurrence
    assert first.details["slots"] == [{"slot": 1, "stock": 1, "capacity": 10}]
    assert rules.observe("v1", slots(0, 4), rule, T0 + 3) == []  # same slot, lower
    [second] = rules.observe("v1", slots(0, 1), rule, T0 + 4)
    assert isinstance(second, Fire) and [s["slot"] for s in second.details["slots"]] == [1, 2]
    [ended] = rules.observe("v1", slots(10, 10), rule, T0 + 5)
    assert isinstance(ended, Clear)


def test_low_stock_found_at_first_sight_is_not_an_occurrence() -> None:
    [found] = LowStock().observe("v1", slots(0), LowStockRule(), T0)
    assert isinstance(found, Fire) and not found.occurrence


# ---------------------------------------------------------------- denied access
def test_five_denials_in_a_minute_fire_and_more_repeat() -> None:
    rule, rules = AccessDeniedRule(), DeniedAccess()
    for i in range(4):
        assert rules.denied("d1", rule, T0 + i * 10_000) == []
    [fired] = rules.denied("d1", rule, T0 + 40_000)
    assert isinstance(fired, Fire) and fired.details["denials_in_window"] == 5
    [more] = rules.denied("d1", rule, T0 + 50_000)
    assert isinstance(more, Fire) and more.details["denials_in_window"] == 6


def test_denials_spread_over_more_than_a_minute_do_not_fire() -> None:
    rule, rules = AccessDeniedRule(), DeniedAccess()
    assert all(rules.denied("d1", rule, T0 + i * 16_000) == [] for i in range(10))
    rules.prune(T0 + 10 * MIN, rule.window_s)
    for i in range(4):
        rules.denied("d1", rule, T0 + 20 * MIN + i)
    assert rules.denied("d2", rule, T0 + 20 * MIN) == []  # doors count on their own


# ---------------------------------------------------------------- parcels
def parcel(pid: int, device: str, deposited: int) -> WaitingParcel:
    return WaitingParcel(pid, device, pid, deposited)


def test_parcels_waiting_over_48_hours_fire_per_locker() -> None:
    rule, rules = ParcelUncollectedRule(), ParcelsUncollected()
    hours = 3600_000
    assert rules.has_overdue("l1") is None
    waiting = [parcel(1, "l1", T0), parcel(2, "l1", T0 + hours), parcel(3, "l2", T0)]
    assert rules.evaluate(waiting, lambda _d: rule, T0 + 47 * hours) == []
    assert rules.has_overdue("l1") is False
    signals = rules.evaluate(waiting, lambda _d: rule, T0 + 48 * hours)
    assert [(s.device_id, s.occurrence) for s in fires(signals)] == [("l1", True), ("l2", True)]
    assert rules.evaluate(waiting, lambda _d: rule, T0 + 48 * hours + 1) == []
    [second] = rules.evaluate(waiting, lambda _d: rule, T0 + 49 * hours)
    assert isinstance(second, Fire) and second.details["parcels"] == 2
    # Parcel 3 collected, l1's taken back by the courier: both lockers clear.
    assert {s.device_id for s in clears(rules.evaluate([], lambda _d: rule, T0 + 50 * hours))} == {
        "l1",
        "l2",
    }
    assert rules.has_overdue("l1") is False


def test_overdue_parcels_found_first_are_not_occurrences() -> None:
    [found] = ParcelsUncollected().evaluate(
        [parcel(1, "l1", T0)], lambda _d: ParcelUncollectedRule(after_s=60), T0 + MIN
    )
    assert isinstance(found, Fire) and not found.occurrence
