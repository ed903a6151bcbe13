"""Hub side: a :class:`Command` for a door unit into its ``cmd`` message.

Commands and their params (all optional unless marked):

- ``unlock``, ``grant_access``: ``pulse_ms`` (default 3000, 1-6553500): strike pulse,
  steady green LED for the pulse, one short beep.
- ``deny_access``: no params (unknown keys are refused); red LED flashing 2 s, two beeps.
- ``led``: ``color`` (required: off, red, green, amber, blue, magenta, cyan, white),
  ``duration_ms`` (temporary state for this long; null or absent = permanent), ``on_ms``,
  ``off_ms`` (flash times, default steady), ``off_color``.
- ``buzzer``: ``on_ms`` (100), ``off_ms`` (100), ``count`` (1; 0 = until told), ``tone``
  (2 = default tone, 1 = off).
- ``push_allowlist``: ``version`` (required, u32), ``entries`` (required: list of
  ``{"format": "H10301"|"H10306", "facility": int, "card": int}``).
- ``firmware_update``: ``version``, ``size``, ``sha256`` (all required): the manifest
  (osdp_MFG) announcing the image that file transfers will then carry.
- ``file_transfer``: ``size`` (the whole image), ``offset``, ``data`` (the fragment,
  base64; all required): one osdp_FILETRANSFER.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from firmware_protocols.base import Command, Outbound
from firmware_protocols.firmware import MAX_IMAGE_BYTES, FirmwareOrder
from firmware_protocols.osdp import door, topics
from firmware_protocols.osdp.allowlist_chunks import AllowEntry, AllowList, allowlist_commands
from firmware_protocols.osdp.codes import LedColor
from firmware_protocols.osdp.commands import CommandPayload, command_frame
from firmware_protocols.osdp.envelope import CommandEnvelope, encode_envelope
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.file_transfer import fragment
from firmware_protocols.osdp.firmware import manifest_command

Int = Annotated[int, Strict()]
ColorName = Literal["off", "red", "green", "amber", "blue", "magenta", "cyan", "white"]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PulseParams(_Params):
    pulse_ms: Int = Field(door.DEFAULT_PULSE_MS, ge=1, le=6_553_500)


class LedParams(_Params):
    color: ColorName
    duration_ms: Int | None = Field(None, ge=1, le=6_553_500)
    on_ms: Int = Field(1000, ge=100, le=25_500)
    off_ms: Int = Field(0, ge=0, le=25_500)
    off_color: ColorName | None = None


class BuzzerParams(_Params):
    on_ms: Int = Field(100, ge=0, le=25_500)
    off_ms: Int = Field(100, ge=0, le=25_500)
    count: Int = Field(1, ge=0, le=255)
    tone: Int = Field(2, ge=0, le=255)


class AllowEntryParams(_Params):
    format: Literal["H10301", "H10306"]
    facility: Int = Field(ge=0, le=0xFFFF)
    card: Int = Field(ge=0, le=0xFFFF)


class AllowListParams(_Params):
    version: Int = Field(ge=0, le=0xFFFFFFFF)
    entries: Sequence[AllowEntryParams]


class FirmwareParams(_Params):
    version: str = Field(min_length=1, max_length=32)
    size: Int = Field(ge=1, le=MAX_IMAGE_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class FileTransferParams(_Params):
    size: Int = Field(ge=1, le=0xFFFFFFFF)
    offset: Int = Field(ge=0, le=0xFFFFFFFF)
    data: str = Field(max_length=87_380)  # base64 of at most 65 535 bytes


def _firmware(p: FirmwareParams) -> tuple[CommandPayload, ...]:
    try:
        order = FirmwareOrder(p.version, p.size, p.sha256)
    except ValueError as exc:
        raise OsdpError("bad_params", str(exc)) from exc
    return (manifest_command(order),)


def _file_transfer(p: FileTransferParams) -> tuple[CommandPayload, ...]:
    try:
        data = base64.b64decode(p.data, validate=True)
    except binascii.Error as exc:
        raise OsdpError("bad_params", "data is not base64") from exc
    return (fragment(p.size, p.offset, data),)


def _color(name: ColorName | None) -> int | None:
    return None if name is None else LedColor[name.upper()]


def _led(p: LedParams) -> tuple[CommandPayload, ...]:
    color, off = LedColor[p.color.upper()], _color(p.off_color)
    return (door.led_command(color, p.duration_ms, on_ms=p.on_ms, off_ms=p.off_ms, off_color=off),)


def _allowlist(p: AllowListParams) -> tuple[CommandPayload, ...]:
    entries = tuple(AllowEntry(e.format, e.facility, e.card) for e in p.entries)
    return allowlist_commands(AllowList(p.version, entries))


_Builder = tuple[type[_Params], Callable[[Any], tuple[CommandPayload, ...]]]
_BUILDERS: Mapping[str, _Builder] = MappingProxyType(
    {
        "unlock": (PulseParams, lambda p: door.granted(p.pulse_ms)),
        "grant_access": (PulseParams, lambda p: door.granted(p.pulse_ms)),
        "deny_access": (_Params, lambda p: door.denied()),
        "led": (LedParams, _led),
        "buzzer": (BuzzerParams, lambda p: (door.beep(**p.model_dump()),)),
        "push_allowlist": (AllowListParams, _allowlist),
        "firmware_update": (FirmwareParams, _firmware),
        "file_transfer": (FileTransferParams, _file_transfer),
    }
)
COMMAND_NAMES: tuple[str, ...] = tuple(_BUILDERS)


def command_payloads(name: str, params: Mapping[str, Any]) -> tuple[CommandPayload, ...]:
    """The OSDP commands that carry out the hub command ``name``; OsdpError if unknown."""
    builder = _BUILDERS.get(name)
    if builder is None:
        raise OsdpError("unsupported_command", f"door units have no command {name!r}")
    model, build = builder
    try:
        validated = model.model_validate(dict(params))
    except ValidationError as exc:
        raise OsdpError("bad_params", str(exc.errors(include_url=False)[:3])) from exc
    return build(validated)


def command_id_bytes(command_id: str) -> bytes:
    """The 16 wire bytes of a hub command id (32 hex digits, dashes allowed)."""
    try:
        return uuid.UUID(hex=command_id).bytes
    except ValueError as exc:
        raise OsdpError("bad_command_id", f"{command_id!r} is not a UUID") from exc


def encode_command_envelope(
    command_id: str, expires_at_ms: int, payloads: Sequence[CommandPayload]
) -> bytes:
    """A command envelope; frames are addressed to 0x7F with sequence 1, 2, 3, 1, ..."""
    frames = tuple(
        command_frame(payload, sequence=index % 3 + 1) for index, payload in enumerate(payloads)
    )
    return encode_envelope(CommandEnvelope(command_id_bytes(command_id), expires_at_ms, frames))


def encode_hub_command(device_id: str, command: Command) -> Outbound:
    """The ``cmd`` message (QoS 1, not retained) for ``command``."""
    payloads = command_payloads(command.name, command.params)
    payload = encode_command_envelope(command.command_id, command.expires_at_ms, payloads)
    return Outbound(topics.topic(device_id, topics.CMD), payload, qos=1, retain=False)
