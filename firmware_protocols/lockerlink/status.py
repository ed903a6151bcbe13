"""The ``status`` channel: online (after connect), offline (planned) and the last will."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from firmware_protocols.lockerlink.fields import Fields, emit, load_object
from firmware_protocols.lockerlink.messages import (
    MAX_COMPARTMENTS,
    WILL_REASON,
    Generation,
    LastWill,
    Status,
    StatusOffline,
    StatusOnline,
)

_STATES: tuple[Literal["online", "offline"], ...] = ("online", "offline")


def status_from_obj(obj: Mapping[str, Any]) -> Status:
    f = Fields(obj, "status")
    v = f.version()
    if f.choice("state", _STATES) == "online":
        return StatusOnline(
            v=v,
            seq=f.integer("seq"),
            ts_ms=f.integer("ts"),
            fw=f.text("fw", 32),
            model=f.text("model", 64),
            compartments=f.integer("compartments", 1, MAX_COMPARTMENTS),
        )
    reason = f.text("reason", 64)
    if not f.has("seq") and not f.has("ts"):
        return LastWill(v=v, reason=reason)
    return StatusOffline(v=v, seq=f.integer("seq"), ts_ms=f.integer("ts"), reason=reason)


def status_to_obj(message: Status) -> dict[str, Any]:
    match message:
        case StatusOnline():
            return {
                "v": message.v,
                "seq": message.seq,
                "ts": message.ts_ms,
                "state": "online",
                "fw": message.fw,
                "model": message.model,
                "compartments": message.compartments,
            }
        case StatusOffline():
            return {
                "v": message.v,
                "seq": message.seq,
                "ts": message.ts_ms,
                "state": "offline",
                "reason": message.reason,
            }
        case LastWill():
            return {"v": message.v, "state": "offline", "reason": message.reason}


def decode_status(payload: bytes) -> Status:
    """Hub side: a ``status`` payload; raises CodecError."""
    return status_from_obj(load_object(payload))


def encode_status(message: Status) -> bytes:
    """Device side: a ``status`` payload (publish retained, QoS 1); raises CodecError."""
    return emit(status_to_obj(message), status_from_obj, message)


def encode_will(v: Generation, reason: str = WILL_REASON) -> bytes:
    """Device side: the last-will payload to register at CONNECT (retained, QoS 1)."""
    return encode_status(LastWill(v=v, reason=reason))
