"""Firmware side (for the simulators and as a reference): judge, decode and answer commands,
encode reports.

A door unit handles a ``cmd`` message like this::

    received = receive_command(payload)            # OsdpError: drop it, nothing to answer
    status = guard.judge(received.command_id, received.expires_at_ms, now_ms)
    if status is ReplyStatus.CONFIRMED:
        ...execute received.commands in order...
    publish(reply_topic, encode_command_reply(received, status, next_seq(), now_ms))
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from firmware_protocols.osdp.codes import NakError
from firmware_protocols.osdp.commands import CommandPayload, decode_command
from firmware_protocols.osdp.envelope import (
    ReplyEnvelope,
    ReplyStatus,
    ReportEnvelope,
    decode_command_envelope,
    encode_envelope,
)
from firmware_protocols.osdp.frame import Frame
from firmware_protocols.osdp.replies import Ack, Nak, ReplyPayload, reply_frame

DAY_MS = 24 * 3600 * 1000


class CommandGuard:
    """Refuses expired and replayed commands with bounded memory.

    Ids are remembered until ``grace_ms`` after their expiry (the grace covers the device
    clock stepping back); a copy arriving later is past its expiry and refused as expired.
    When ``capacity`` unexpired ids are held, the one expiring first is forgotten and its
    expiry becomes a floor: commands expiring at or before the floor are ``REJECTED``
    (they might be replays of a forgotten id). Expiries more than ``max_ttl_ms`` ahead
    are ``REJECTED`` too, so no id is held for long.
    """

    def __init__(
        self, *, capacity: int = 1024, max_ttl_ms: int = DAY_MS, grace_ms: int = 300_000
    ) -> None:
        if capacity < 1 or max_ttl_ms < 1 or grace_ms < 0:
            raise ValueError("capacity and max_ttl_ms must be positive, grace_ms not negative")
        self._capacity = capacity
        self._max_ttl_ms = max_ttl_ms
        self._grace_ms = grace_ms
        self._seen: set[bytes] = set()
        self._by_expiry: list[tuple[int, bytes]] = []
        self._floor = -1

    def __len__(self) -> int:
        return len(self._seen)

    def judge(self, command_id: bytes, expires_at_ms: int, now_ms: int) -> ReplyStatus:
        """CONFIRMED (execute it and remember its id), or why not to execute it."""
        while self._by_expiry and self._by_expiry[0][0] + self._grace_ms < now_ms:
            self._seen.discard(heapq.heappop(self._by_expiry)[1])
        if command_id in self._seen:
            return ReplyStatus.REPLAYED
        if now_ms > expires_at_ms:
            return ReplyStatus.EXPIRED
        if expires_at_ms - now_ms > self._max_ttl_ms or expires_at_ms <= self._floor:
            return ReplyStatus.REJECTED
        if len(self._seen) >= self._capacity:
            expiry, forgotten = heapq.heappop(self._by_expiry)
            self._seen.discard(forgotten)
            self._floor = max(self._floor, expiry)
        self._seen.add(command_id)
        heapq.heappush(self._by_expiry, (expires_at_ms, command_id))
        return ReplyStatus.CONFIRMED


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """A decoded command envelope: its id, expiry, frames and their typed payloads."""

    command_id: bytes
    expires_at_ms: int
    frames: tuple[Frame, ...]
    commands: tuple[CommandPayload, ...]


def receive_command(payload: bytes) -> ReceivedCommand:
    """Decode a ``cmd`` payload; OsdpError if anything in it is malformed."""
    envelope = decode_command_envelope(payload)
    commands = tuple(decode_command(frame) for frame in envelope.frames)
    return ReceivedCommand(envelope.command_id, envelope.expires_at_ms, envelope.frames, commands)


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

    Default replies: one ACK per command frame when CONFIRMED; otherwise a single NAK
    0x09 (unable to process). Pass ``replies`` to send e.g. NAK 0x03 with REJECTED.
    Each reply echoes the sequence number of the command frame in the same position.
    """
    if replies is None:
        if status is ReplyStatus.CONFIRMED:
            replies = [Ack()] * len(received.frames)
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
