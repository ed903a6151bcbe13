"""The ``cmd`` channel: ``open_compartment``, ``reboot`` and ``firmware_update``, hub to
device."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from firmware_protocols.base import CodecError, Command
from firmware_protocols.firmware import MAX_IMAGE_BYTES, MAX_URL_LENGTH, FirmwareOrder
from firmware_protocols.lockerlink.fields import (
    BAD_FIELD,
    UNKNOWN_COMMAND,
    Fields,
    emit,
    load_object,
)
from firmware_protocols.lockerlink.messages import (
    MAX_COMPARTMENTS,
    OPEN_REASONS,
    DeviceCommand,
    FirmwareUpdate,
    Generation,
    OpenCompartment,
    Reboot,
)


def command_from_obj(obj: Mapping[str, Any]) -> DeviceCommand:
    f = Fields(obj, "cmd")
    v = f.version()
    command_id = f.command_id()
    name = f.text("cmd", 32)
    expires_at_ms = f.integer("expires_at")
    if name == "open_compartment":
        return OpenCompartment(
            v=v,
            command_id=command_id,
            expires_at_ms=expires_at_ms,
            compartment=f.integer("compartment", 1, MAX_COMPARTMENTS),
            reason=f.choice("reason", OPEN_REASONS),
        )
    if name == "reboot":
        return Reboot(v=v, command_id=command_id, expires_at_ms=expires_at_ms)
    if name == "firmware_update":
        order = FirmwareOrder(
            version=f.text("version", 32),
            size=f.integer("size", 1, MAX_IMAGE_BYTES),
            sha256=f.text("sha256", 64),
            url=f.text("url", MAX_URL_LENGTH),
        )
        assert order.url is not None
        return FirmwareUpdate(
            v=v,
            command_id=command_id,
            expires_at_ms=expires_at_ms,
            version=order.version,
            size=order.size,
            sha256=order.sha256,
            url=order.url,
        )
    raise CodecError(UNKNOWN_COMMAND, f"cmd.cmd = {name!r}")


def command_to_obj(message: DeviceCommand) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "v": message.v,
        "id": message.command_id,
        "cmd": message.name,
        "expires_at": message.expires_at_ms,
    }
    if isinstance(message, OpenCompartment):
        obj["compartment"] = message.compartment
        obj["reason"] = message.reason
    if isinstance(message, FirmwareUpdate):
        obj |= {
            "version": message.version,
            "size": message.size,
            "sha256": message.sha256,
            "url": message.url,
        }
    return obj


def encode_command(message: DeviceCommand) -> bytes:
    """Hub side: a ``cmd`` payload (QoS 1, never retained); raises CodecError."""
    return emit(command_to_obj(message), command_from_obj, message)


def decode_command(payload: bytes) -> DeviceCommand:
    """Device side: a ``cmd`` payload; raises CodecError (see :func:`command_id_of`)."""
    return command_from_obj(load_object(payload))


def command_id_of(payload: bytes) -> str | None:
    """Device side: the id of a command that failed to decode, so that the device can
    answer ``rejected`` with the error's reason; None if not even the id is readable."""
    try:
        return Fields(load_object(payload), "cmd").command_id()
    except CodecError:
        return None


_PARAMS: Mapping[str, frozenset[str]] = {
    "open_compartment": frozenset({"compartment", "reason"}),
    "reboot": frozenset(),
    "firmware_update": frozenset({"version", "size", "sha256", "url"}),
}


def from_hub_command(command: Command, v: Generation) -> DeviceCommand:
    """The hub's generic :class:`Command` as a typed one; unknown names or parameters
    raise CodecError (``unknown_command``, ``bad_field``)."""
    allowed = _PARAMS.get(command.name)
    if allowed is None:
        raise CodecError(UNKNOWN_COMMAND, f"lockerlink has no command {command.name!r}")
    extra = set(command.params) - allowed
    if extra:
        raise CodecError(BAD_FIELD, f"{command.name} takes no {', '.join(sorted(extra))}")
    obj = {
        **command.params,
        "v": v,
        "id": command.command_id,
        "cmd": command.name,
        "expires_at": command.expires_at_ms,
    }
    return command_from_obj(obj)
