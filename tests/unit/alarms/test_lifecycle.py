"""One alarm's lifecycle: raise, repeat, acknowledge, clear; latching cold-chain alarms."""

from __future__ import annotations

from hub.alarms.lifecycle import Alarm, RaiseAs, acknowledge, clear, fire
from hub.alarms.vocabulary import Action, AlarmState, AlarmType, Clear, Fire, Severity

HOW = RaiseAs("door", "city/d/s/c1/b1", Severity.CRITICAL)
LATCHING = RaiseAs("vending", "city/d/s/c1", Severity.CRITICAL, latching=True)


def raised(how: RaiseAs = HOW, alarm_type: AlarmType = AlarmType.TAMPER) -> Alarm:
    change = fire(None, Fire("dev-1", alarm_type, 1_000, details={"a": 1}), how)
    assert change is not None and change.action is Action.RAISED
    return change.alarm


def test_a_fire_raises_an_active_alarm() -> None:
    alarm = raised()
    assert alarm.state is AlarmState.ACTIVE and alarm.is_open
    assert (alarm.occurrences, alarm.raised_ms, alarm.last_ms) == (1, 1_000, 1_000)
    assert alarm.condition_active and not alarm.stock_unsellable
    assert (alarm.kind, alarm.path, alarm.severity) == ("door", HOW.path, Severity.CRITICAL)
    assert alarm.details == {"a": 1}


def test_repeats_count_on_the_open_alarm_and_keep_its_state() -> None:
    alarm = raised()
    change = fire(alarm, Fire("dev-1", AlarmType.TAMPER, 2_000, details={"b": 2}), HOW)
    assert change is not None and change.action is Action.REPEATED
    again = change.alarm
    assert (again.occurrences, again.raised_ms, again.last_ms) == (2, 1_000, 2_000)
    assert again.details == {"a": 1, "b": 2}
    acked = acknowledge(again, "operator-token:7", 2_500)
    assert acked is not None and acked.alarm.state is AlarmState.ACKNOWLEDGED
    third = fire(acked.alarm, Fire("dev-1", AlarmType.TAMPER, 3_000), HOW)
    assert third is not None
    assert third.alarm.state is AlarmState.ACKNOWLEDGED and third.alarm.occurrences == 3


def test_a_condition_found_present_adds_no_occurrence() -> None:
    alarm = raised()
    assert fire(alarm, Fire("dev-1", AlarmType.TAMPER, 2_000, occurrence=False), HOW) is None
    fresh = fire(None, Fire("dev-1", AlarmType.TAMPER, 2_000, occurrence=False), HOW)
    assert fresh is not None and fresh.action is Action.RAISED


def test_acknowledge_records_who_and_when_once() -> None:
    change = acknowledge(raised(), "operator-token:7", 5_000)
    assert change is not None and change.action is Action.ACKNOWLEDGED
    assert change.actor == "operator-token:7"
    alarm = change.alarm
    assert (alarm.acknowledged_by, alarm.acknowledged_ms) == ("operator-token:7", 5_000)
    assert acknowledge(alarm, "operator-token:8", 6_000) is None


def test_clear_ends_the_alarm_and_a_new_fire_raises_a_new_one() -> None:
    alarm = raised()
    change = clear(alarm, Clear("dev-1", AlarmType.TAMPER, 9_000))
    assert change is not None and change.action is Action.CLEARED
    cleared = change.alarm
    assert cleared.state is AlarmState.CLEARED and not cleared.is_open
    assert (cleared.cleared_ms, cleared.cleared_by, cleared.condition_ended_ms) == (
        9_000,
        None,
        9_000,
    )
    assert clear(cleared, Clear("dev-1", AlarmType.TAMPER, 9_500)) is None
    assert acknowledge(cleared, "operator-token:1", 9_600) is None
    new = fire(cleared, Fire("dev-1", AlarmType.TAMPER, 10_000), HOW)
    assert new is not None and new.action is Action.RAISED and new.alarm.id is None


def test_a_latching_alarm_waits_for_an_operator_after_its_condition_ends() -> None:
    alarm = raised(LATCHING, AlarmType.COLD_CHAIN)
    assert alarm.latching and alarm.stock_unsellable
    ended = clear(alarm, Clear("dev-1", AlarmType.COLD_CHAIN, 8_000))
    assert ended is not None and ended.action is Action.CONDITION_ENDED
    assert ended.alarm.state is AlarmState.ACTIVE and ended.alarm.stock_unsellable
    assert not ended.alarm.condition_active and ended.alarm.condition_ended_ms == 8_000
    assert clear(ended.alarm, Clear("dev-1", AlarmType.COLD_CHAIN, 8_500)) is None
    released = acknowledge(ended.alarm, "operator-token:3", 9_000)
    assert released is not None and released.action is Action.CLEARED
    final = released.alarm
    assert final.state is AlarmState.CLEARED and not final.stock_unsellable
    assert (final.acknowledged_by, final.cleared_by, final.cleared_ms) == (
        "operator-token:3",
        "operator-token:3",
        9_000,
    )


def test_acknowledging_a_latching_alarm_while_hot_keeps_the_stock_held() -> None:
    alarm = raised(LATCHING, AlarmType.COLD_CHAIN)
    acked = acknowledge(alarm, "operator-token:3", 2_000)
    assert acked is not None and acked.action is Action.ACKNOWLEDGED
    assert acked.alarm.stock_unsellable
    ended = clear(acked.alarm, Clear("dev-1", AlarmType.COLD_CHAIN, 3_000))
    assert ended is not None and ended.alarm.state is AlarmState.ACKNOWLEDGED
    # The excursion comes back before anyone released the stock: one more occurrence.
    back = fire(ended.alarm, Fire("dev-1", AlarmType.COLD_CHAIN, 4_000), LATCHING)
    assert back is not None and back.action is Action.REPEATED
    assert back.alarm.condition_active and back.alarm.occurrences == 2
    assert acknowledge(back.alarm, "operator-token:4", 4_500) is None  # still hot
    over = clear(back.alarm, Clear("dev-1", AlarmType.COLD_CHAIN, 5_000))
    assert over is not None
    released = acknowledge(over.alarm, "operator-token:4", 6_000)
    assert released is not None and released.alarm.state is AlarmState.CLEARED
    assert released.alarm.acknowledged_by == "operator-token:3"
    assert released.alarm.cleared_by == "operator-token:4"


def test_a_latching_condition_found_again_resumes_without_counting() -> None:
    alarm = raised(LATCHING, AlarmType.COLD_CHAIN)
    ended = clear(alarm, Clear("dev-1", AlarmType.COLD_CHAIN, 2_000))
    assert ended is not None
    found = fire(
        ended.alarm, Fire("dev-1", AlarmType.COLD_CHAIN, 3_000, occurrence=False), LATCHING
    )
    assert found is not None and found.action is Action.RESUMED
    assert found.alarm.condition_active and found.alarm.occurrences == 1


def test_a_lasting_condition_fired_again_while_active_is_the_same_occurrence() -> None:
    offline = fire(None, Fire("dev-1", AlarmType.DEVICE_OFFLINE, 1_000), HOW)
    assert offline is not None
    assert fire(offline.alarm, Fire("dev-1", AlarmType.DEVICE_OFFLINE, 9_000), HOW) is None
    cold = raised(LATCHING, AlarmType.COLD_CHAIN)
    assert fire(cold, Fire("dev-1", AlarmType.COLD_CHAIN, 9_000), LATCHING) is None
