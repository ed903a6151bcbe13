"""Firmware updates of door units: the manifest the hub sends first (osdp_MFG), the image
in osdp_FILETRANSFER fragments (:mod:`firmware_protocols.osdp.file_transfer`), and the
progress the unit reports (osdp_MFGREP), all with our vendor code 02 48 55.

Manifest, osdp_MFG data after the vendor code (little endian)::

    0       sub-command 0x02 = firmware manifest
    1-4     image size u32
    5-36    SHA-256 of the image, 32 bytes
    37      version length u8 (1-32), then the version in ASCII

Progress, osdp_MFGREP data after the vendor code::

    0       sub-report 0x02 = firmware progress
    1       state u8: 1 downloading, 2 verifying, 3 installing, 4 rebooting, 5 done, 6 failed
    2       percent downloaded u8 (0-100; 0xFF = not given)
    3-18    command id of the firmware_update command, 16 bytes
    19      version length u8 (1-32), then the version in ASCII
    .       reason length u8 (0 = none), then the reason in ASCII (failed only)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from firmware_protocols.firmware import (
    FIRMWARE_STATES,
    MAX_VERSION_LENGTH,
    FirmwareOrder,
    FirmwareState,
)
from firmware_protocols.osdp.allowlist_chunks import VENDOR_CODE
from firmware_protocols.osdp.commands import MfgCommand
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.replies import MfgReply

SUBCOMMAND_MANIFEST = 0x02
SUBREPORT_PROGRESS = 0x02
NO_PERCENT = 0xFF
STATE_CODES: dict[FirmwareState, int] = {state: i for i, state in enumerate(FIRMWARE_STATES, 1)}
_STATE_NAMES: dict[int, FirmwareState] = {code: state for state, code in STATE_CODES.items()}
_MANIFEST = struct.Struct("<BI32s")  # 37 bytes before the version
_PROGRESS = struct.Struct("<BBB16s")  # 19 bytes before the version


def _text(value: str, limit: int, what: str) -> bytes:
    raw = value.encode("ascii", errors="strict") if value.isascii() else b""
    if not 1 <= len(raw) <= limit or not value.isprintable():
        raise OsdpError("bad_value", f"{what} must be 1-{limit} printable ASCII characters")
    return bytes((len(raw),)) + raw


def _read_text(data: bytes, offset: int, what: str) -> tuple[str, int]:
    if offset >= len(data):
        raise OsdpError("bad_length", f"{what} length missing")
    length = data[offset]
    end = offset + 1 + length
    if end > len(data):
        raise OsdpError("bad_length", f"{what} runs past the packet")
    try:
        text = data[offset + 1 : end].decode("ascii")
    except UnicodeDecodeError as exc:
        raise OsdpError("bad_value", f"{what} is not ASCII") from exc
    if not text.isprintable():
        raise OsdpError("bad_value", f"{what} is not printable")
    return text, end


def manifest_command(order: FirmwareOrder) -> MfgCommand:
    """The osdp_MFG that announces an image (its size, SHA-256 and version)."""
    head = _MANIFEST.pack(SUBCOMMAND_MANIFEST, order.size, bytes.fromhex(order.sha256))
    return MfgCommand(VENDOR_CODE, head + _text(order.version, MAX_VERSION_LENGTH, "version"))


def is_manifest(command: MfgCommand) -> bool:
    return command.vendor_code == VENDOR_CODE and command.data[:1] == bytes((SUBCOMMAND_MANIFEST,))


def manifest_from_command(command: MfgCommand) -> FirmwareOrder:
    """The order a manifest announces; OsdpError if it is not a valid one."""
    if not is_manifest(command):
        raise OsdpError("not_manifest", "osdp_MFG is not a firmware manifest")
    data = command.data
    if len(data) < _MANIFEST.size:
        raise OsdpError("bad_length", "a firmware manifest has 37 bytes before the version")
    _, size, digest = _MANIFEST.unpack_from(data)
    version, end = _read_text(data, _MANIFEST.size, "version")
    if end != len(data):
        raise OsdpError("bad_length", "bytes after the manifest's version")
    try:
        return FirmwareOrder(version, size, digest.hex())
    except ValueError as exc:  # CodecError from the order's own checks
        raise OsdpError("bad_value", str(exc)) from exc


@dataclass(frozen=True, slots=True)
class DoorProgress:
    """A unit's firmware progress report."""

    state: FirmwareState
    version: str
    command_id: bytes
    progress_pct: int | None = None
    reason: str | None = None


def progress_reply(progress: DoorProgress) -> MfgReply:
    """The osdp_MFGREP a unit sends in a report envelope on ``up``."""
    if len(progress.command_id) != 16:
        raise OsdpError("bad_value", "command id must be 16 bytes")
    percent = NO_PERCENT if progress.progress_pct is None else progress.progress_pct
    if not 0 <= percent <= 100 and percent != NO_PERCENT:
        raise OsdpError("bad_value", f"percent {percent} outside 0-100")
    head = _PROGRESS.pack(
        SUBREPORT_PROGRESS, STATE_CODES[progress.state], percent, progress.command_id
    )
    reason = b"\x00" if progress.reason is None else _text(progress.reason, 64, "reason")
    body = head + _text(progress.version, MAX_VERSION_LENGTH, "version") + reason
    return MfgReply(VENDOR_CODE, body)


def is_progress(reply: MfgReply) -> bool:
    return reply.vendor_code == VENDOR_CODE and reply.data[:1] == bytes((SUBREPORT_PROGRESS,))


def progress_from_reply(reply: MfgReply) -> DoorProgress:
    """The progress an osdp_MFGREP reports; OsdpError if it is not a valid one."""
    if not is_progress(reply):
        raise OsdpError("not_progress", "osdp_MFGREP is not a firmware progress report")
    data = reply.data
    if len(data) < _PROGRESS.size:
        raise OsdpError("bad_length", "a progress report has 19 bytes before the version")
    _, code, percent, command_id = _PROGRESS.unpack_from(data)
    state = _STATE_NAMES.get(code)
    if state is None:
        raise OsdpError("bad_value", f"unknown firmware state {code}")
    if percent > 100 and percent != NO_PERCENT:
        raise OsdpError("bad_value", f"percent {percent} outside 0-100")
    version, offset = _read_text(data, _PROGRESS.size, "version")
    if offset >= len(data):
        raise OsdpError("bad_length", "reason length missing")
    reason: str | None = None
    if data[offset]:
        reason, offset = _read_text(data, offset, "reason")
    else:
        offset += 1
    if offset != len(data):
        raise OsdpError("bad_length", "bytes after the progress report's reason")
    return DoorProgress(
        state, version, command_id, None if percent == NO_PERCENT else percent, reason
    )
