"""The evaluator: batches, domain live events and the clock routed to the rules, per
community rules, and reconciliation of stored open alarms."""

from __future__ import annotations

from collections.abc import Sequence

from firmware_protocols.base import Event
from hub.alarms.config import AlarmRules
from hub.alarms.evaluator import Evaluator
from hub.alarms.listing import OpenAlarm
from hub.alarms.rules.parcels import WaitingParcel
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Severity, Signal
from hub.ingest.batch import CommittedBatch, DeviceEvent
from hub.ingest.directory import DeviceInfo
from hub.live import LiveEvent
from hub.presence import Transition
from hub.twin import Twin

MIN = 60_000
T0 = 1_700_000_000_000
NORTH = "city/north/north-st/c0001"
SOUTH = "city/south/south-st/c0002"
DEVICES = {
    "vending-1": DeviceInfo("vending-1", "vending", "sparkplug_b", "2", True, NORTH),
    "vending-2": DeviceInfo("vending-2", "vending", "sparkplug_b", "2", True, SOUTH),
    "locker-1": DeviceInfo("locker-1", "locker", "lockerlink", "2", True, NORTH),
    "door-1": DeviceInfo("door-1", "door", "osdp", "1", True, NORTH + "/c0001-b01"),
}


class World:
    """Twins and presence as the evaluator reads them."""

    def __init__(self, rules: AlarmRules | None = None) -> None:
        self.twins: dict[str, Twin] = {}
        self.online: set[str] = set()
        self.evaluator = Evaluator(
            rules or AlarmRules(), DEVICES.get, self.twins.get, self.online.__contains__
        )

    def report(self, device_id: str, **reported: object) -> Twin:
        twin = self.twins.setdefault(device_id, Twin(device_id))
        twin.reported.update(reported)
        twin.reported_version += 1
        return twin


def batch(
    *,
    events: Sequence[tuple[str, Event]] = (),
    twins: Sequence[Twin] = (),
    transitions: Sequence[Transition] = (),
) -> CommittedBatch:
    return CommittedBatch(
        new_events=[DeviceEvent(DEVICES[d], e) for d, e in events],
        transitions=list(transitions),
        twins=list(twins),
        replies=[],
        gaps=[],
    )


def kinds(signals: list[Signal]) -> list[tuple[str, str, AlarmType]]:
    return [(type(s).__name__, s.device_id, s.type) for s in signals]


def test_vending_twins_feed_cold_chain_and_low_stock_with_community_rules() -> None:
    rules = AlarmRules.from_mapping({"communities": {"c0002": {"cold_chain": {"for_s": 60}}}})
    world = World(rules)
    slots = {"1": {"stock": 1, "capacity": 10}, "2": {"stock": 9, "capacity": 10}}
    hot_north = world.report("vending-1", temperature_c=9.5, slots=slots)
    hot_south = world.report("vending-2", temperature_c=9.5)
    signals = world.evaluator.on_batch(batch(twins=[hot_north, hot_south]), T0)
    assert kinds(signals) == [("Fire", "vending-1", AlarmType.LOW_STOCK)]
    due = world.evaluator.due(T0 + 2 * MIN, DEVICES.values())
    assert kinds(due) == [("Fire", "vending-2", AlarmType.COLD_CHAIN)]  # 1 minute there
    due = world.evaluator.due(T0 + 10 * MIN, DEVICES.values())
    [fire] = due
    assert isinstance(fire, Fire) and fire.device_id == "vending-1"
    assert fire.details["unsellable_slots"] == [1, 2]


def test_twins_changed_outside_batches_are_read_at_the_next_tick() -> None:
    world = World()
    twin = world.report("vending-1", slots={"3": {"stock": 5, "capacity": 10}})
    world.evaluator.on_batch(batch(twins=[twin]), T0)
    twin.reported["slots"]["3"]["stock"] = 0  # the domain lowers the stock after a vend
    twin.reported_version += 1
    [fire] = world.evaluator.due(T0 + 1, DEVICES.values())
    assert isinstance(fire, Fire) and fire.type is AlarmType.LOW_STOCK
    assert world.evaluator.due(T0 + 2, DEVICES.values()) == []


def test_locker_and_door_events() -> None:
    world = World()
    events = [
        ("locker-1", Event(1, T0, "tamper", {})),
        ("locker-1", Event(2, T0, "door_left_open", {"compartment": 3, "open_s": 130})),
        ("door-1", Event(3, T0, "local_status", {"tamper": True, "power_ok": True})),
        ("door-1", Event(4, T0, "card_read", {})),
    ]
    signals = world.evaluator.on_batch(batch(events=events), T0)
    assert kinds(signals) == [
        ("Fire", "locker-1", AlarmType.TAMPER),
        ("Fire", "locker-1", AlarmType.COMPARTMENT_LEFT_OPEN),
        ("Fire", "door-1", AlarmType.TAMPER),
    ]
    closing = [
        ("locker-1", Event(5, T0, "door_closed", {"compartment": 3})),
        ("door-1", Event(6, T0, "inputs", {"door": "closed", "exit_request": False})),
    ]
    assert kinds(world.evaluator.on_batch(batch(events=closing), T0 + MIN)) == [
        ("Clear", "locker-1", AlarmType.COMPARTMENT_LEFT_OPEN),
        ("Clear", "door-1", AlarmType.DOOR_FORCED_OPEN),
        ("Clear", "door-1", AlarmType.DOOR_HELD_OPEN),
    ]


def test_presence_transitions_and_the_offline_timer() -> None:
    world = World()
    down = Transition("locker-1", "locker", False, "will", T0)
    assert world.evaluator.on_batch(batch(transitions=[down]), T0) == []
    assert kinds(world.evaluator.due(T0 + 5 * MIN, [])) == [
        ("Fire", "locker-1", AlarmType.DEVICE_OFFLINE)
    ]
    up = Transition("locker-1", "locker", True, "online", T0 + 6 * MIN)
    assert kinds(world.evaluator.on_batch(batch(transitions=[up]), T0 + 6 * MIN)) == [
        ("Clear", "locker-1", AlarmType.DEVICE_OFFLINE)
    ]


def test_domain_live_events() -> None:
    evaluator = World().evaluator

    def live(kind: str, **data: object) -> list[Signal]:
        return evaluator.on_live(LiveEvent(kind, "door-1", NORTH, T0, dict(data)), T0)

    [forced] = live("door_forced_open", opened_ts_ms=T0)
    assert isinstance(forced, Fire) and forced.type is AlarmType.DOOR_FORCED_OPEN
    assert forced.details == {"opened_ts_ms": T0}
    assert kinds(live("door_held_open", open_s=31)) == [
        ("Fire", "door-1", AlarmType.DOOR_HELD_OPEN)
    ]
    assert kinds(live("door_alert_cleared", forced=True, held=False)) == [
        ("Clear", "door-1", AlarmType.DOOR_FORCED_OPEN)
    ]
    assert all(live("door_access", result="denied") == [] for _ in range(4))
    assert live("door_access", result="granted") == []
    assert kinds(live("door_access", result="denied")) == [
        ("Fire", "door-1", AlarmType.ACCESS_DENIED_REPEATED)
    ]
    assert live("presence", online=True) == []


def test_disabled_rules_raise_nothing() -> None:
    rules = AlarmRules.from_mapping(
        {"defaults": {"door_forced_open": {"enabled": False}, "tamper": {"enabled": False}}}
    )
    evaluator = World(rules).evaluator
    assert evaluator.on_live(LiveEvent("door_forced_open", "door-1", NORTH, T0), T0) == []
    tamper = batch(events=[("locker-1", Event(1, T0, "tamper", {}))])
    assert evaluator.on_batch(tamper, T0) == []


def test_raise_as_takes_kind_path_and_the_communitys_severity() -> None:
    rules = AlarmRules.from_mapping({"communities": {"c0001": {"tamper": {"severity": "minor"}}}})
    evaluator = World(rules).evaluator
    how = evaluator.raise_as("door-1", AlarmType.TAMPER)
    assert how is not None and (how.kind, how.path, how.severity, how.latching) == (
        "door",
        DEVICES["door-1"].path,
        Severity.MINOR,
        False,
    )
    cold = evaluator.raise_as("vending-2", AlarmType.COLD_CHAIN)
    assert cold is not None and cold.latching and cold.severity is Severity.CRITICAL
    assert evaluator.raise_as("unknown-1", AlarmType.TAMPER) is None


def test_reconcile_clears_open_alarms_whose_condition_is_over() -> None:
    world = World()
    world.online.add("locker-1")
    world.report("vending-1", temperature_c=5.0, slots={"1": {"stock": 9, "capacity": 10}})
    world.report("door-1", door="closed", tamper=False)
    world.report("locker-1", compartments={"1": {"door": "closed"}})
    hour = 60 * MIN
    open_alarms = {
        ("locker-1", AlarmType.DEVICE_OFFLINE): OpenAlarm(1, "locker", True, T0),
        ("vending-1", AlarmType.COLD_CHAIN): OpenAlarm(2, "vending", True, T0),
        ("vending-1", AlarmType.LOW_STOCK): OpenAlarm(3, "vending", True, T0),
        ("door-1", AlarmType.TAMPER): OpenAlarm(4, "door", True, T0),
        ("door-1", AlarmType.DOOR_FORCED_OPEN): OpenAlarm(5, "door", True, T0),
        ("locker-1", AlarmType.COMPARTMENT_LEFT_OPEN): OpenAlarm(6, "locker", True, T0),
        ("locker-1", AlarmType.TAMPER): OpenAlarm(7, "locker", True, T0),
        ("door-1", AlarmType.ACCESS_DENIED_REPEATED): OpenAlarm(8, "door", True, T0),
        ("vending-2", AlarmType.COLD_CHAIN): OpenAlarm(9, "vending", True, T0),  # no twin
        ("vending-1", AlarmType.DOOR_HELD_OPEN): OpenAlarm(10, "vending", False, T0),
        ("locker-1", AlarmType.PARCEL_UNCOLLECTED): OpenAlarm(11, "locker", True, T0),
    }
    soon = {s.type for s in world.evaluator.reconcile(open_alarms, T0 + MIN)}
    assert soon == {
        AlarmType.DEVICE_OFFLINE,
        AlarmType.COLD_CHAIN,
        AlarmType.LOW_STOCK,
        AlarmType.TAMPER,
        AlarmType.DOOR_FORCED_OPEN,
        AlarmType.COMPARTMENT_LEFT_OPEN,
    }
    assert ("locker-1", AlarmType.TAMPER) not in {
        (s.device_id, s.type) for s in world.evaluator.reconcile(open_alarms, T0 + MIN)
    }
    world.evaluator.on_parcels([WaitingParcel(1, "locker-1", 2, T0)], T0 + hour)
    later = world.evaluator.reconcile(open_alarms, T0 + hour)
    assert all(isinstance(s, Clear) for s in later)
    assert {(s.device_id, s.type) for s in later} >= {
        ("locker-1", AlarmType.TAMPER),
        ("door-1", AlarmType.ACCESS_DENIED_REPEATED),
        ("locker-1", AlarmType.PARCEL_UNCOLLECTED),
    }
    assert ("vending-2", AlarmType.COLD_CHAIN) not in {(s.device_id, s.type) for s in later}
