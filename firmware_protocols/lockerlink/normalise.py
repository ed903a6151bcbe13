"""Typed lockerlink messages as the hub's generation-independent records.

Both generations give the same compartments map for the twin::

    {"compartments": {"<n>": {"state": "empty|occupied|open|fault",
                              "door": "open|closed", "occupied": bool, "size": "S|M|L"}}}

v1 has no ``size`` and no ``fault`` state: a compartment is ``open`` when its latch bit
is set, else ``occupied`` or ``empty`` from its item bit. In v2 ``state`` is the one
truth: the door is open only in state ``open``, occupied only in state ``occupied``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from firmware_protocols.base import (
    CommandReply,
    Event,
    Presence,
    StateReport,
    Telemetry,
    Uplink,
)
from firmware_protocols.firmware import EVENT_TYPE, progress_data
from firmware_protocols.lockerlink.events import event_body
from firmware_protocols.lockerlink.messages import (
    COMPARTMENT_STATES,
    MAX_COMPARTMENTS,
    SIZES,
    CompartmentState,
    FirmwareProgress,
    LastWill,
    LockerEvent,
    LockerTelemetry,
    Reply,
    Status,
    StatusOffline,
    StatusOnline,
    TelemetryV1,
)


def _entry(state: CompartmentState, size: str | None) -> Mapping[str, Any]:
    entry: dict[str, Any] = {
        "state": state,
        "door": "open" if state == "open" else "closed",
        "occupied": state == "occupied",
    }
    if size is not None:
        entry["size"] = size
    return MappingProxyType(entry)


# Every compartment entry there can be, made once and shared read-only: a report of 60
# compartments then costs 60 lookups, not 60 new dictionaries. (The twin copies what it
# keeps.)
_ENTRIES: dict[tuple[str, str | None], Mapping[str, Any]] = {
    (state, size): _entry(state, size) for state in COMPARTMENT_STATES for size in (*SIZES, None)
}


_NUMBER_TEXT = tuple(str(n) for n in range(MAX_COMPARTMENTS + 1))
_OPEN_OCCUPIED: Mapping[str, Any] = MappingProxyType(
    {"state": "open", "door": "open", "occupied": True}
)


def compartments_map(message: LockerTelemetry) -> dict[str, Mapping[str, Any]]:
    """The normalised per-compartment state, keyed by the compartment number as text."""
    entries = _ENTRIES
    if isinstance(message, TelemetryV1):
        result: dict[str, Mapping[str, Any]] = {}
        open_doors, occupied = message.open_doors, message.occupied
        for number in range(1, message.count + 1):
            state: CompartmentState = (
                "open" if number in open_doors else "occupied" if number in occupied else "empty"
            )
            # v1 reports an open compartment's item sensor too: keep it in "occupied".
            if state == "open" and number in occupied:
                result[str(number)] = _OPEN_OCCUPIED
            else:
                result[str(number)] = entries[state, None]
        return result
    text = _NUMBER_TEXT
    return {text[c.number]: entries[c.state, c.size] for c in message.compartments}


def telemetry_records(message: LockerTelemetry) -> list[Uplink]:
    """Telemetry (counts, temperature, power) and the twin's compartments and power."""
    compartments = compartments_map(message)
    if isinstance(message, TelemetryV1):
        occupied, open_doors, faults = len(message.occupied), len(message.open_doors), 0
    else:
        states = [c.state for c in message.compartments]
        occupied, open_doors = states.count("occupied"), states.count("open")
        faults = states.count("fault")
    metrics = {
        "compartment_count": float(len(compartments)),
        "occupied_count": float(occupied),
        "open_count": float(open_doors),
        "fault_count": float(faults),
        "board_temp_c": message.board_temp_c,
        "battery_pct": float(message.battery_pct),
        "on_mains": 1.0 if message.power == "mains" else 0.0,
    }
    state = {"compartments": compartments, "power": message.power}
    return [Telemetry(message.seq, message.ts_ms, metrics), StateReport(state)]


def status_records(message: Status) -> list[Uplink]:
    """Presence, plus firmware, model and compartment count for the twin when online."""
    match message:
        case StatusOnline():
            attrs = {"v": message.v, "seq": message.seq, "fw": message.fw}
            state = {
                "firmware": message.fw,
                "model": message.model,
                "compartment_count": message.compartments,
                "protocol_version": message.v,
            }
            return [Presence(True, "online", message.ts_ms, attrs), StateReport(state)]
        case StatusOffline():
            attrs = {"v": message.v, "seq": message.seq}
            return [Presence(False, message.reason, message.ts_ms, attrs)]
        case LastWill():
            return [Presence(False, message.reason, None, {"v": message.v, "will": True})]


def event_records(message: LockerEvent) -> list[Uplink]:
    if isinstance(message, FirmwareProgress):
        data = progress_data(
            message.state,
            message.version,
            progress_pct=message.progress_pct,
            reason=message.reason,
            command_id=message.command_id,
        )
        return [Event(message.seq, message.ts_ms, EVENT_TYPE, data)]
    return [Event(message.seq, message.ts_ms, message.type, event_body(message))]


def reply_records(message: Reply) -> list[Uplink]:
    return [CommandReply(message.command_id, message.status, message.reason, message.ts_ms)]
