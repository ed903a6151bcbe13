"""The ``event`` channel: deposit, pickup, door opened/closed/left open, tamper, fault,
firmware update progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from firmware_protocols.base import CodecError
from firmware_protocols.firmware import FIRMWARE_STATES
from firmware_protocols.lockerlink.fields import UNKNOWN_EVENT, Fields, emit, load_object
from firmware_protocols.lockerlink.messages import (
    MAX_COMPARTMENTS,
    PICKUP_METHODS,
    Deposit,
    DoorClosed,
    DoorLeftOpen,
    DoorOpened,
    Fault,
    FirmwareProgress,
    Generation,
    LockerEvent,
    Pickup,
    Tamper,
)

_Header = tuple[Generation, int, int]


def _deposit(h: _Header, f: Fields) -> LockerEvent:
    return Deposit(
        *h,
        compartment=f.integer("compartment", 1, MAX_COMPARTMENTS),
        tracking=f.text("tracking", 64),
        building=f.text("building", 32),
        unit=f.text("unit", 32),
    )


def _pickup(h: _Header, f: Fields) -> LockerEvent:
    return Pickup(
        *h,
        compartment=f.integer("compartment", 1, MAX_COMPARTMENTS),
        method=f.choice("method", PICKUP_METHODS),
    )


def _door_opened(h: _Header, f: Fields) -> LockerEvent:
    return DoorOpened(*h, compartment=f.integer("compartment", 1, MAX_COMPARTMENTS))


def _door_closed(h: _Header, f: Fields) -> LockerEvent:
    return DoorClosed(*h, compartment=f.integer("compartment", 1, MAX_COMPARTMENTS))


def _door_left_open(h: _Header, f: Fields) -> LockerEvent:
    return DoorLeftOpen(
        *h,
        compartment=f.integer("compartment", 1, MAX_COMPARTMENTS),
        open_s=f.integer("open_s"),
    )


def _tamper(h: _Header, f: Fields) -> LockerEvent:
    return Tamper(*h, compartment=f.optional_integer("compartment", 1, MAX_COMPARTMENTS))


def _fault(h: _Header, f: Fields) -> LockerEvent:
    return Fault(
        *h,
        code=f.text("code", 64),
        compartment=f.optional_integer("compartment", 1, MAX_COMPARTMENTS),
    )


def _firmware(h: _Header, f: Fields) -> LockerEvent:
    state = f.choice("state", FIRMWARE_STATES)
    return FirmwareProgress(
        *h,
        state=state,
        version=f.text("version", 32),
        command_id=f.command_id("command"),
        progress_pct=f.optional_integer("progress_pct", 0, 100),
        reason=f.text("reason", 64) if state == "failed" else None,
    )


_PARSERS: Mapping[str, Callable[[_Header, Fields], LockerEvent]] = {
    "deposit": _deposit,
    "pickup": _pickup,
    "door_opened": _door_opened,
    "door_closed": _door_closed,
    "door_left_open": _door_left_open,
    "tamper": _tamper,
    "fault": _fault,
    "firmware": _firmware,
}


def event_from_obj(obj: Mapping[str, Any]) -> LockerEvent:
    f = Fields(obj, "event")
    header = (f.version(), f.integer("seq"), f.integer("ts"))
    kind = f.text("type", 32)
    parser = _PARSERS.get(kind)
    if parser is None:
        raise CodecError(UNKNOWN_EVENT, f"event.type = {kind[:32]!r}")
    return parser(header, Fields(obj, kind))


def event_body(message: LockerEvent) -> dict[str, Any]:
    """The event's own fields (no header), without absent optional ones."""
    match message:
        case Deposit():
            return {
                "compartment": message.compartment,
                "tracking": message.tracking,
                "building": message.building,
                "unit": message.unit,
            }
        case Pickup():
            return {"compartment": message.compartment, "method": message.method}
        case DoorOpened() | DoorClosed():
            return {"compartment": message.compartment}
        case DoorLeftOpen():
            return {"compartment": message.compartment, "open_s": message.open_s}
        case Tamper():
            return {} if message.compartment is None else {"compartment": message.compartment}
        case Fault():
            body: dict[str, Any] = {"code": message.code}
            if message.compartment is not None:
                body["compartment"] = message.compartment
            return body
        case FirmwareProgress():
            progress: dict[str, Any] = {
                "state": message.state,
                "version": message.version,
                "command": message.command_id,
            }
            if message.progress_pct is not None:
                progress["progress_pct"] = message.progress_pct
            if message.reason is not None:
                progress["reason"] = message.reason
            return progress


def event_to_obj(message: LockerEvent) -> dict[str, Any]:
    header = {"v": message.v, "seq": message.seq, "ts": message.ts_ms, "type": message.type}
    return header | event_body(message)


def decode_event(payload: bytes) -> LockerEvent:
    """Hub side: an ``event`` payload; raises CodecError."""
    return event_from_obj(load_object(payload))


def encode_event(message: LockerEvent) -> bytes:
    """Device side: an ``event`` payload (QoS 1, not retained); raises CodecError."""
    return emit(event_to_obj(message), event_from_obj, message)
