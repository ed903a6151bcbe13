"""The binary MQTT envelopes around OSDP frames (all numbers big endian).

Common header: ``b"OM"``, version (1), kind. Then, by kind::

    report  (0, PD -> hub on .../up):     seq u32, ts u64, reply frame(s)
    reply   (1, PD -> hub on .../reply):  seq u32, ts u64, command id (16), status u8,
                                          reply frame(s)
    command (2, hub -> PD on .../cmd):    command id (16), expires_at u64, command frame(s)

``seq`` is per device, monotonic and never reused; ``ts`` and ``expires_at`` are Unix ms.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, join_frames, split_frames

MAGIC = b"OM"
VERSION = 1
COMMAND_ID_LEN = 16


class EnvelopeKind(IntEnum):
    REPORT = 0
    REPLY = 1
    COMMAND = 2


class ReplyStatus(IntEnum):
    """What the PD did with a command (byte 32 of a reply envelope)."""

    CONFIRMED = 0  # executed
    EXPIRED = 1  # past expires_at on arrival; not executed
    REPLAYED = 2  # command id seen before; not executed again
    REJECTED = 3  # refused (see the NAK that follows); not executed


_HEAD = struct.Struct(">2sBB")
_REPORT = struct.Struct(">2sBBIQ")  # 16 bytes
_REPLY = struct.Struct(">2sBBIQ16sB")  # 33 bytes
_COMMAND = struct.Struct(">2sBB16sQ")  # 28 bytes


@dataclass(frozen=True, slots=True)
class ReportEnvelope:
    """Unsolicited reports: card reads, keypad, input and local status changes."""

    seq: int
    ts_ms: int
    frames: tuple[Frame, ...]


@dataclass(frozen=True, slots=True)
class ReplyEnvelope:
    """The PD's answer to one command envelope."""

    seq: int
    ts_ms: int
    command_id: bytes
    status: ReplyStatus
    frames: tuple[Frame, ...]


@dataclass(frozen=True, slots=True)
class CommandEnvelope:
    """A command from the hub: one or more OSDP command frames executed together."""

    command_id: bytes
    expires_at_ms: int
    frames: tuple[Frame, ...]


Envelope = ReportEnvelope | ReplyEnvelope | CommandEnvelope


def _pack(layout: struct.Struct, *values: object) -> bytes:
    try:
        return layout.pack(*values)
    except struct.error as exc:
        raise OsdpError("bad_value", f"envelope field out of range: {exc}") from exc


def _check_id(command_id: bytes) -> None:
    if len(command_id) != COMMAND_ID_LEN:
        raise OsdpError("bad_value", f"command id must be 16 bytes, got {len(command_id)}")


def encode_envelope(envelope: Envelope) -> bytes:
    """The MQTT payload for ``envelope``; OsdpError if a field is out of range."""
    if not envelope.frames and not isinstance(envelope, ReplyEnvelope):
        raise OsdpError("bad_value", "reports and commands carry at least one frame")
    frames = join_frames(envelope.frames)
    match envelope:
        case ReportEnvelope():
            head = _pack(_REPORT, MAGIC, VERSION, EnvelopeKind.REPORT, envelope.seq, envelope.ts_ms)
        case ReplyEnvelope():
            _check_id(envelope.command_id)
            head = _pack(
                _REPLY,
                MAGIC,
                VERSION,
                EnvelopeKind.REPLY,
                envelope.seq,
                envelope.ts_ms,
                envelope.command_id,
                envelope.status,
            )
        case CommandEnvelope():
            _check_id(envelope.command_id)
            head = _pack(
                _COMMAND,
                MAGIC,
                VERSION,
                EnvelopeKind.COMMAND,
                envelope.command_id,
                envelope.expires_at_ms,
            )
    return head + frames


def _frames(payload: bytes, offset: int, required: bool) -> tuple[Frame, ...]:
    if offset == len(payload):
        if required:
            raise OsdpError("no_frames", "the envelope carries no OSDP frame")
        return ()
    return split_frames(payload[offset:])


def _kind(payload: bytes) -> int:
    if len(payload) < _HEAD.size:
        raise OsdpError("truncated", f"{len(payload)} bytes cannot hold an envelope header")
    magic, version, kind = _HEAD.unpack_from(payload)
    if magic != MAGIC:
        raise OsdpError("bad_magic", f"expected b'OM', got {magic!r}")
    if version != VERSION:
        raise OsdpError("unsupported_version", f"envelope version {version}")
    return int(kind)


def decode_envelope(payload: bytes) -> Envelope:
    """Any envelope; OsdpError on a bad header, unknown version or kind, or bad frames."""
    kind = _kind(payload)
    if kind == EnvelopeKind.REPORT:
        if len(payload) < _REPORT.size:
            raise OsdpError("truncated", "report header is 16 bytes")
        _, _, _, seq, ts = _REPORT.unpack_from(payload)
        return ReportEnvelope(seq, ts, _frames(payload, _REPORT.size, True))
    if kind == EnvelopeKind.REPLY:
        if len(payload) < _REPLY.size:
            raise OsdpError("truncated", "reply header is 33 bytes")
        _, _, _, seq, ts, command_id, status = _REPLY.unpack_from(payload)
        try:
            known = ReplyStatus(status)
        except ValueError as exc:
            raise OsdpError("bad_status", f"unknown reply status {status}") from exc
        return ReplyEnvelope(seq, ts, command_id, known, _frames(payload, _REPLY.size, False))
    if kind == EnvelopeKind.COMMAND:
        command_id, expires, _ = command_header(payload)
        return CommandEnvelope(command_id, expires, _frames(payload, _COMMAND.size, True))
    raise OsdpError("bad_kind", f"unknown envelope kind {kind}")


def command_header(payload: bytes) -> tuple[bytes, int, bytes]:
    """(command id, expires_at_ms, frame bytes) of a command envelope, frames unparsed, so
    a unit can still answer a command whose frames are broken."""
    if _kind(payload) != EnvelopeKind.COMMAND:
        raise OsdpError("wrong_kind", "expected a command envelope (kind 2)")
    if len(payload) < _COMMAND.size:
        raise OsdpError("truncated", "command header is 28 bytes")
    _, _, _, command_id, expires = _COMMAND.unpack_from(payload)
    return command_id, expires, payload[_COMMAND.size :]


def decode_report(payload: bytes) -> ReportEnvelope:
    envelope = decode_envelope(payload)
    if not isinstance(envelope, ReportEnvelope):
        raise OsdpError("wrong_kind", "expected a report envelope (kind 0)")
    return envelope


def decode_reply_envelope(payload: bytes) -> ReplyEnvelope:
    envelope = decode_envelope(payload)
    if not isinstance(envelope, ReplyEnvelope):
        raise OsdpError("wrong_kind", "expected a reply envelope (kind 1)")
    return envelope


def decode_command_envelope(payload: bytes) -> CommandEnvelope:
    envelope = decode_envelope(payload)
    if not isinstance(envelope, CommandEnvelope):
        raise OsdpError("wrong_kind", "expected a command envelope (kind 2)")
    return envelope
