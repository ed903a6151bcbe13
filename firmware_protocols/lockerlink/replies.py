"""The ``reply`` channel: the device's answers to commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firmware_protocols.lockerlink.fields import Fields, emit, load_object
from firmware_protocols.lockerlink.messages import REPLY_STATUSES, Reply


def reply_from_obj(obj: Mapping[str, Any]) -> Reply:
    f = Fields(obj, "reply")
    return Reply(
        v=f.version(),
        seq=f.integer("seq"),
        ts_ms=f.integer("ts"),
        command_id=f.command_id(),
        status=f.choice("status", REPLY_STATUSES),
        reason=f.optional_text("reason", 128),
    )


def reply_to_obj(message: Reply) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "v": message.v,
        "seq": message.seq,
        "ts": message.ts_ms,
        "id": message.command_id,
        "status": message.status,
    }
    if message.reason is not None:
        obj["reason"] = message.reason
    return obj


def decode_reply(payload: bytes) -> Reply:
    """Hub side: a ``reply`` payload; raises CodecError."""
    return reply_from_obj(load_object(payload))


def encode_reply(message: Reply) -> bytes:
    """Device side: a ``reply`` payload (QoS 1, not retained); raises CodecError."""
    return emit(reply_to_obj(message), reply_from_obj, message)
