"""Firmware side (for the simulators and as a reference): judge, decode and answer commands,
encode reports.

A door unit handles a ``cmd`` message like this (PROTOCOL.md section 7.1)::

    received = receive_command(payload)     # OsdpError: unreadable header, drop it
    status = admit(received, guard, now_ms)  # expiry, then replay: the shared CommandGuard
    if status is ReplyStatus.CONFIRMED and received.problem is not None:
        status = ReplyStatus.REJECTED       # replies with received.problem (a NAK)
    if status is ReplyStatus.CONFIRMED:
        ...execute received.commands in order (received.allowlist if pushed)...
    publish(reply_topic, encode_command_reply(received, status, next_seq(), now_ms))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from firmware_protocols.command_guard import Admission, CommandGuard
from firmware_protocols.osdp.allowlist_chunks import (
    AllowList,
    allowlist_from_commands,
    is_allowlist,
)
from firmware_protocols.osdp.codes import NakError
from firmware_protocols.osdp.commands import (
    CommandPayload,
    MfgCommand,
    UnknownCommand,
    decode_command,
)
from firmware_protocols.osdp.envelope import (
    ReplyEnvelope,
    ReplyStatus,
    ReportEnvelope,
    command_header,
    encode_envelope,
)
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.firmware import is_manifest
from firmware_protocols.osdp.frame import Frame, split_frames
from firmware_protocols.osdp.replies import Ack, Nak, ReplyPayload, reply_frame


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """A command envelope as a unit sees it.

    ``problem`` is the NAK to answer (with status REJECTED) when a frame is broken or not
    supported; then ``commands`` holds what could be decoded and nothing may be executed.
    ``allowlist`` is the reassembled allow-list when the command pushes one.
    """

    command_id: bytes
    expires_at_ms: int
    frames: tuple[Frame, ...]
    commands: tuple[CommandPayload, ...]
    problem: Nak | None = None
    allowlist: AllowList | None = None


_FRAME_NAKS = {
    "bad_crc": NakError.BAD_CHECK,
    "bad_checksum": NakError.BAD_CHECK,
    "secure_channel": NakError.UNSUPPORTED_SECURITY_BLOCK,
    "bad_security_block": NakError.UNSUPPORTED_SECURITY_BLOCK,
}


def _nak_for(error: OsdpError) -> Nak:
    return Nak(_FRAME_NAKS.get(error.reason, NakError.BAD_LENGTH))


ADMISSION_STATUS: Mapping[Admission, ReplyStatus] = {
    "accepted": ReplyStatus.CONFIRMED,
    "expired": ReplyStatus.EXPIRED,
    "replayed": ReplyStatus.REPLAYED,
    "rejected": ReplyStatus.REJECTED,
}


def admit(received: ReceivedCommand, guard: CommandGuard, now_ms: int) -> ReplyStatus:
    """The guard's verdict on a received command (PROTOCOL.md section 7.1, steps 2 to 4)
    as the reply status: CONFIRMED means go on to validate and execute its packets."""
    verdict = guard.admit(received.command_id, received.expires_at_ms, now_ms)
    return ADMISSION_STATUS[verdict.status]


def receive_command(payload: bytes) -> ReceivedCommand:
    """Decode a ``cmd`` payload. OsdpError only if the envelope header is unreadable;
    broken or unsupported frames are reported in ``problem``."""
    command_id, expires_at_ms, body = command_header(payload)
    try:
        frames = split_frames(body) if body else ()
    except OsdpError as exc:
        return ReceivedCommand(command_id, expires_at_ms, (), (), _nak_for(exc))
    if not frames:
        return ReceivedCommand(command_id, expires_at_ms, (), (), Nak(NakError.BAD_LENGTH))
    commands: list[CommandPayload] = []
    problem: Nak | None = None
    for frame in frames:
        try:
            command = decode_command(frame)
        except OsdpError as exc:
            problem = problem or _nak_for(exc)
            continue
        unsupported = isinstance(command, UnknownCommand) or (
            isinstance(command, MfgCommand)
            and not is_allowlist(command)
            and not is_manifest(command)
        )
        if unsupported:
            problem = problem or Nak(NakError.UNKNOWN_COMMAND)
        commands.append(command)
    allowlist = None
    chunks = [c for c in commands if isinstance(c, MfgCommand) and is_allowlist(c)]
    if chunks and problem is None:
        try:
            allowlist = allowlist_from_commands(chunks)
        except OsdpError:
            problem = Nak(NakError.UNABLE_TO_PROCESS)
    return ReceivedCommand(command_id, expires_at_ms, frames, tuple(commands), problem, allowlist)


def encode_report(
    seq: int,
    ts_ms: int,
    replies: Sequence[ReplyPayload],
    *,
    address: int = 0,
    use_crc: bool = True,
) -> bytes:
    """An ``up`` payload: reply frames (sequence 0) in a report envelope."""
    frames = tuple(reply_frame(r, address=address, use_crc=use_crc) for r in replies)
    return encode_envelope(ReportEnvelope(seq, ts_ms, frames))


def encode_command_reply(
    received: ReceivedCommand,
    status: ReplyStatus,
    seq: int,
    ts_ms: int,
    replies: Sequence[ReplyPayload] | None = None,
    *,
    address: int = 0,
    use_crc: bool = True,
) -> bytes:
    """A ``reply`` payload answering ``received``.

    Default replies: one ACK per command frame when CONFIRMED; ``received.problem`` when
    REJECTED and there is one; otherwise a single NAK 0x09 (unable to process).
    Each reply echoes the sequence number of the command frame in the same position.
    """
    if replies is None:
        if status is ReplyStatus.CONFIRMED:
            replies = [Ack()] * len(received.frames)
        elif status is ReplyStatus.REJECTED and received.problem is not None:
            replies = [received.problem]
        else:
            replies = [Nak(NakError.UNABLE_TO_PROCESS)]
    sequences = [frame.sequence for frame in received.frames] or [0]
    frames = tuple(
        reply_frame(
            reply,
            address=address,
            sequence=sequences[min(i, len(sequences) - 1)],
            use_crc=use_crc,
        )
        for i, reply in enumerate(replies)
    )
    return encode_envelope(ReplyEnvelope(seq, ts_ms, received.command_id, status, frames))
