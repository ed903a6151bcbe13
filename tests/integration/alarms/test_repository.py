"""Alarm persistence on both databases: concurrent raisers (replicas) end with one open
alarm, every action leaves a history row, and the aggregates the API and the metrics
read."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from hub.alarms import repository
from hub.alarms.lifecycle import RaiseAs
from hub.alarms.listing import (
    AlarmFilter,
    active_alarm_device_ids,
    active_alarms_by_severity,
    alarm_history,
    list_alarms,
    open_alarms,
    open_counts,
    unsellable_slots,
)
from hub.alarms.tables import ALARM
from hub.alarms.vocabulary import AlarmState, AlarmType, Clear, Fire, Severity

NORTH = "city/north/north-st/c0001"
SOUTH = "city/south/south-st/c0002"
DOOR = RaiseAs("door", NORTH + "/b1", Severity.CRITICAL)
VENDING = RaiseAs("vending", SOUTH, Severity.CRITICAL, latching=True)


def test_concurrent_raisers_share_one_open_alarm(engine: Engine) -> None:
    signal = Fire("door-1", AlarmType.TAMPER, 1_000)
    with ThreadPoolExecutor(8) as pool:
        changes = list(
            pool.map(lambda _i: repository.apply_signal(engine, signal, DOOR), range(16))
        )
    assert (
        sorted(c.action.value for c in changes if c is not None) == ["raised"] + ["repeated"] * 15
    )
    with engine.connect() as conn:
        rows = conn.execute(select(ALARM.c.id, ALARM.c.occurrences)).all()
    assert len(rows) == 1 and rows[0].occurrences == 16
    assert len(alarm_history(engine, rows[0].id)) == 16


def test_history_of_a_latching_alarm(engine: Engine) -> None:
    details = {"unsellable_slots": [1, 3]}
    raised = repository.apply_signal(
        engine, Fire("vending-1", AlarmType.COLD_CHAIN, 1_000, details=details), VENDING
    )
    assert raised is not None and raised.alarm.id is not None
    alarm_id = raised.alarm.id
    assert unsellable_slots(engine, "vending-1") == [1, 3]
    assert repository.apply_signal(engine, Clear("vending-1", AlarmType.COLD_CHAIN, 2_000), None)
    assert unsellable_slots(engine, "vending-1") == [1, 3]  # until an operator releases it
    alarm, change = repository.acknowledge(engine, alarm_id, "operator-token:9", 3_000)
    assert change is not None and alarm.state is AlarmState.CLEARED
    assert unsellable_slots(engine, "vending-1") == []
    assert repository.acknowledge(engine, alarm_id, "operator-token:9", 4_000) == (alarm, None)
    history = alarm_history(engine, alarm_id)
    assert [(h.action, h.actor, h.state) for h in history] == [
        ("raised", None, "active"),
        ("condition_ended", None, "active"),
        ("cleared", "operator-token:9", "cleared"),
    ]
    assert history[0].details == details
    assert (
        repository.apply_signal(engine, Clear("vending-1", AlarmType.COLD_CHAIN, 5_000), None)
        is None
    )
    with pytest.raises(LookupError):
        repository.acknowledge(engine, 10**9, "operator-token:9", 5_000)


def test_aggregates_count_open_alarms_in_scope(engine: Engine) -> None:
    repository.apply_signal(engine, Fire("door-1", AlarmType.TAMPER, 1), DOOR)
    repository.apply_signal(engine, Fire("door-1", AlarmType.DOOR_FORCED_OPEN, 2), DOOR)
    repository.apply_signal(engine, Fire("vending-1", AlarmType.COLD_CHAIN, 3), VENDING)
    low = RaiseAs("vending", SOUTH, Severity.WARNING)
    repository.apply_signal(engine, Fire("vending-1", AlarmType.LOW_STOCK, 4), low)
    repository.apply_signal(engine, Clear("vending-1", AlarmType.LOW_STOCK, 5), None)
    assert open_counts(engine) == {
        ("door", "tamper", "critical", "north"): 1,
        ("door", "door_forced_open", "critical", "north"): 1,
        ("vending", "cold_chain", "critical", "south"): 1,
    }
    assert set(open_alarms(engine)) == {
        ("door-1", AlarmType.TAMPER),
        ("door-1", AlarmType.DOOR_FORCED_OPEN),
        ("vending-1", AlarmType.COLD_CHAIN),
    }
    assert active_alarm_device_ids(engine, "city") == {"door-1", "vending-1"}
    assert active_alarm_device_ids(engine, "city/north") == {"door-1"}
    assert active_alarms_by_severity(engine, "city/south") == {"critical": 1}
    assert active_alarms_by_severity(engine, "city/nowhere") == {}
    [cold] = [a for a in open_alarms(engine).values() if a.kind == "vending"]
    repository.acknowledge(engine, cold.id, "operator-token:9", 6)
    assert active_alarms_by_severity(engine, "city/south") == {}  # acknowledged: not active
    assert active_alarm_device_ids(engine, "city") == {"door-1", "vending-1"}  # still open
    page, cursor = list_alarms(engine, "city", AlarmFilter(), None, 3)
    rest, end = list_alarms(engine, "city", AlarmFilter(), cursor, 3)
    assert len(page) == 3 and len(rest) == 1 and end is None
    assert [a.type for a in rest] == [AlarmType.TAMPER]  # oldest last
    cleared, _ = list_alarms(engine, "city", AlarmFilter(states=(AlarmState.CLEARED,)), None, 10)
    assert [a.type for a in cleared] == [AlarmType.LOW_STOCK]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ALARM)).scalar_one() == 4
