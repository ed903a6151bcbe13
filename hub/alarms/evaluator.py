"""Route what the hub learns to the alarm rules (pure: no I/O, the time is passed in).

Inputs: committed ingest batches (presence changes, new device events, changed twins),
the domain's live events (door forced and held open, their end, access decisions), the
waiting parcels, and the clock for conditions that must last. Output: signals for the
engine to persist. :meth:`Evaluator.reconcile` also finds open alarms (from the database,
possibly raised before a restart or by another replica) whose condition is known over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from firmware_protocols.base import Event
from hub.alarms.config import AlarmRules, RuleSet
from hub.alarms.lifecycle import RaiseAs
from hub.alarms.listing import OpenAlarm
from hub.alarms.rules.cold_chain import ColdChain
from hub.alarms.rules.compartments import CompartmentDoors
from hub.alarms.rules.denied import DeniedAccess
from hub.alarms.rules.dex_audit import AuditFinding, DexAudits
from hub.alarms.rules.low_stock import LowStock, low_slots
from hub.alarms.rules.offline import Offline
from hub.alarms.rules.parcels import ParcelsUncollected, WaitingParcel
from hub.alarms.rules.tamper import Tamper
from hub.alarms.vocabulary import AlarmType, Clear, Fire, Signal
from hub.ingest.batch import CommittedBatch
from hub.ingest.directory import DeviceInfo
from hub.live import LiveEvent
from hub.presence import Transition
from hub.twin import Twin

DOOR_FORCED = "door_forced_open"  # live event types of hub.domain.door_watch
DOOR_HELD = "door_held_open"
DOOR_ALERT_CLEARED = "door_alert_cleared"
DOOR_ACCESS = "door_access"  # hub.domain.door_access


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Evaluator:
    def __init__(
        self,
        rules: AlarmRules,
        lookup: Callable[[str], DeviceInfo | None],
        twin_of: Callable[[str], Twin | None],
        is_online: Callable[[str], bool],
    ) -> None:
        self._rules = rules
        self._lookup = lookup
        self._twin_of = twin_of
        self._is_online = is_online
        self.cold_chain = ColdChain()
        self.offline = Offline()
        self.compartments = CompartmentDoors()
        self.tamper = Tamper()
        self.low_stock = LowStock()
        self.denied = DeniedAccess()
        self.parcels = ParcelsUncollected()
        self.dex = DexAudits()
        self._twin_versions: dict[str, int] = {}

    # ------------------------------------------------------------ rules
    def rules_for(self, device_id: str) -> RuleSet:
        info = self._lookup(device_id)
        return self._rules.base if info is None else self._rules.for_path(info.path)

    def raise_as(self, device_id: str, alarm_type: AlarmType) -> RaiseAs | None:
        """Kind, path and severity for a new alarm; None for a device not registered, or
        disabled (an operator took it out of service: nothing it does raises an alarm)."""
        info = self._lookup(device_id)
        if info is None or not info.enabled:
            return None
        rules = self._rules.for_path(info.path)
        latching = alarm_type is AlarmType.COLD_CHAIN and rules.cold_chain.hold_stock
        return RaiseAs(info.kind, info.path, rules.rule(alarm_type).severity, latching)

    def shortest_parcel_limit_s(self) -> float:
        sets = [self._rules.base, *self._rules.communities.values()]
        return min(rules.parcel_uncollected.after_s for rules in sets)

    # ------------------------------------------------------------ ingest
    def on_batch(self, batch: CommittedBatch, now_ms: int) -> list[Signal]:
        self.compartments.new_batch()
        signals: list[Signal] = []
        for transition in batch.transitions:
            signals += self.on_transition(transition, now_ms)
        for item in batch.new_events:
            signals += self.on_event(item.device, item.event, now_ms)
        for twin in batch.twins:
            info = self._lookup(twin.device_id)
            if info is not None:
                signals += self.on_twin(info, twin, now_ms)
        return signals

    def on_transition(self, transition: Transition, now_ms: int) -> list[Signal]:
        if transition.online:
            return self.offline.came_online(transition.device_id, now_ms)
        self.offline.went_offline(transition.device_id, now_ms)
        return []

    def on_event(self, device: DeviceInfo, event: Event, now_ms: int) -> list[Signal]:
        device_id, data, rules = device.device_id, event.data, self._rules.for_path(device.path)
        if device.kind == "locker":
            compartment = _int(data.get("compartment"))
            if event.type == "tamper":
                return self.tamper.locker_event(device_id, compartment, rules.tamper, now_ms)
            if compartment is None:
                return []
            if event.type == "door_left_open":
                open_s = _int(data.get("open_s")) or 0
                return self.compartments.door_left_open(
                    device_id, compartment, open_s, rules.compartment_left_open, now_ms
                )
            if event.type == "door_opened":
                self.compartments.door_opened(device_id, compartment, now_ms)
            elif event.type == "door_closed":
                return self.compartments.door_closed(device_id, compartment, now_ms)
        elif device.kind == "door":
            if event.type == "local_status" and isinstance(data.get("tamper"), bool):
                return self.tamper.door_status(device_id, data["tamper"], rules.tamper, now_ms)
            if event.type == "inputs" and data.get("door") == "closed":
                return [
                    Clear(device_id, AlarmType.DOOR_FORCED_OPEN, now_ms),
                    Clear(device_id, AlarmType.DOOR_HELD_OPEN, now_ms),
                ]
        return []

    def on_twin(self, device: DeviceInfo, twin: Twin, now_ms: int) -> list[Signal]:
        self._twin_versions[device.device_id] = twin.reported_version
        reported, rules = twin.reported, self._rules.for_path(device.path)
        signals: list[Signal] = []
        if device.kind == "vending":
            slots = reported.get("slots")
            slots = slots if isinstance(slots, Mapping) else {}
            temperature = _number(reported.get("temperature_c"))
            if temperature is not None:
                signals += self.cold_chain.observe(
                    device.device_id, temperature, slots, rules.cold_chain, now_ms
                )
            if slots:
                signals += self.low_stock.observe(device.device_id, slots, rules.low_stock, now_ms)
        elif device.kind == "locker":
            compartments = reported.get("compartments")
            if isinstance(compartments, Mapping):
                signals += self.compartments.twin(device.device_id, compartments, now_ms)
        return signals

    # ------------------------------------------------------------ domain
    def on_live(self, event: LiveEvent, now_ms: int) -> list[Signal]:
        device_id = event.device_id
        if device_id is None:
            return []
        rules = self.rules_for(device_id)
        if event.type == DOOR_FORCED and rules.door_forced_open.enabled:
            return [Fire(device_id, AlarmType.DOOR_FORCED_OPEN, now_ms, True, dict(event.data))]
        if event.type == DOOR_HELD and rules.door_held_open.enabled:
            return [Fire(device_id, AlarmType.DOOR_HELD_OPEN, now_ms, True, dict(event.data))]
        if event.type == DOOR_ALERT_CLEARED:
            signals: list[Signal] = []
            if event.data.get("forced"):
                signals.append(Clear(device_id, AlarmType.DOOR_FORCED_OPEN, now_ms))
            if event.data.get("held"):
                signals.append(Clear(device_id, AlarmType.DOOR_HELD_OPEN, now_ms))
            return signals
        if event.type == DOOR_ACCESS and event.data.get("result") == "denied":
            return self.denied.denied(device_id, rules.access_denied_repeated, now_ms)
        return []

    # ------------------------------------------------------------ time
    def due(self, now_ms: int, devices: Iterable[DeviceInfo]) -> list[Signal]:
        """Conditions that have lasted long enough by ``now_ms``; also re-reads twins
        changed outside ingest batches (the domain lowers stock after vends)."""
        self.compartments.new_batch()
        signals: list[Signal] = []
        for info in devices:
            twin = self._twin_of(info.device_id)
            if twin is not None and twin.reported_version != self._twin_versions.get(
                info.device_id
            ):
                signals += self.on_twin(info, twin, now_ms)
        signals += self.cold_chain.due(now_ms, lambda d: self.rules_for(d).cold_chain)
        signals += self.offline.due(now_ms, lambda d: self.rules_for(d).device_offline)
        signals += self.compartments.due(now_ms, lambda d: self.rules_for(d).compartment_left_open)
        self.denied.prune(now_ms, self._longest_denial_window_s())
        return signals

    def _longest_denial_window_s(self) -> float:
        sets = [self._rules.base, *self._rules.communities.values()]
        return max(rules.access_denied_repeated.window_s for rules in sets)

    def on_parcels(self, waiting: Iterable[WaitingParcel], now_ms: int) -> list[Signal]:
        return self.parcels.evaluate(
            waiting, lambda d: self.rules_for(d).parcel_uncollected, now_ms
        )

    def on_dex_audits(self, findings: Iterable[AuditFinding], now_ms: int) -> list[Signal]:
        return self.dex.evaluate(findings, lambda d: self.rules_for(d).dex_audit, now_ms)

    # ------------------------------------------------------------ reconciliation
    def reconcile(
        self, open_alarms: Mapping[tuple[str, AlarmType], OpenAlarm], now_ms: int
    ) -> list[Signal]:
        """Clears for open alarms whose condition is known to be over."""
        return [
            Clear(device_id, alarm_type, now_ms)
            for (device_id, alarm_type), alarm in open_alarms.items()
            if alarm.condition_active and self._over(device_id, alarm_type, alarm, now_ms)
        ]

    def _over(self, device_id: str, alarm_type: AlarmType, alarm: OpenAlarm, now_ms: int) -> bool:
        rules = self.rules_for(device_id)
        twin = self._twin_of(device_id)
        reported: Mapping[str, Any] = twin.reported if twin is not None else {}
        match alarm_type:
            case AlarmType.DEVICE_OFFLINE:
                return self._is_online(device_id)
            case AlarmType.COLD_CHAIN:
                temperature = _number(reported.get("temperature_c"))
                return temperature is not None and temperature <= rules.cold_chain.max_temp_c
            case AlarmType.LOW_STOCK:
                slots = reported.get("slots")
                return (
                    isinstance(slots, Mapping)
                    and bool(slots)
                    and not low_slots(slots, rules.low_stock.below_fraction)
                )
            case AlarmType.COMPARTMENT_LEFT_OPEN:
                compartments = reported.get("compartments")
                return (
                    isinstance(compartments, Mapping)
                    and not self.compartments.left_open(device_id)
                    and not any(
                        isinstance(c, Mapping) and c.get("door") == "open"
                        for c in compartments.values()
                    )
                )
            case AlarmType.TAMPER:
                if alarm.kind == "door":
                    return reported.get("tamper") is False
                return now_ms - alarm.last_ms >= rules.tamper.quiet_clear_s * 1000
            case AlarmType.ACCESS_DENIED_REPEATED:
                quiet_ms = rules.access_denied_repeated.quiet_clear_s * 1000
                return now_ms - alarm.last_ms >= quiet_ms
            case AlarmType.DOOR_FORCED_OPEN | AlarmType.DOOR_HELD_OPEN:
                return reported.get("door") == "closed"
            case AlarmType.PARCEL_UNCOLLECTED:
                return self.parcels.has_overdue(device_id) is False
        return False
