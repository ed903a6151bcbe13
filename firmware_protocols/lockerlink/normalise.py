"""Typed lockerlink messages as the hub's generation-independent records.

Both generations give the same compartments map for the twin::

    {"compartments": {"<n>": {"state": "empty|occupied|open|fault",
                              "door": "open|closed", "occupied": bool, "size": "S|M|L"}}}

v1 has no ``size`` and no ``fault`` state: a compartment is ``open`` when its latch bit
is set, else ``occupied`` or ``empty`` from its item bit. In v2 ``state`` is the one
truth: the door is open only in state ``open``, occupied only in state ``occupied``.
"""

from __future__ import annotations

from typing import Any

from firmware_protocols.base import (
    CommandReply,
    Event,
    Presence,
    StateReport,
    Telemetry,
    Uplink,
)
from firmware_protocols.lockerlink.events import event_body
from firmware_protocols.lockerlink.messages import (
    CompartmentState,
    LastWill,
    LockerEvent,
    LockerTelemetry,
    Reply,
    Status,
    StatusOffline,
    StatusOnline,
    TelemetryV1,
)


def compartments_map(message: LockerTelemetry) -> dict[str, dict[str, Any]]:
    """The normalised per-compartment state, keyed by the compartment number as text."""
    result: dict[str, dict[str, Any]] = {}
    if isinstance(message, TelemetryV1):
        for number in range(1, message.count + 1):
            is_open = number in message.open_doors
            occupied = number in message.occupied
            state: CompartmentState = "open" if is_open else "occupied" if occupied else "empty"
            result[str(number)] = {
                "state": state,
                "door": "open" if is_open else "closed",
                "occupied": occupied,
            }
        return result
    for c in message.compartments:
        result[str(c.number)] = {
            "state": c.state,
            "door": "open" if c.state == "open" else "closed",
            "occupied": c.state == "occupied",
            "size": c.size,
        }
    return result


def telemetry_records(message: LockerTelemetry) -> list[Uplink]:
    """Telemetry (counts, temperature, power) and the twin's compartments and power."""
    compartments = compartments_map(message)
    occupied = open_doors = faults = 0
    for c in compartments.values():
        occupied += c["occupied"]
        open_doors += c["door"] == "open"
        faults += c["state"] == "fault"
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
    return [Event(message.seq, message.ts_ms, message.type, event_body(message))]


def reply_records(message: Reply) -> list[Uplink]:
    return [CommandReply(message.command_id, message.status, message.reason, message.ts_ms)]
