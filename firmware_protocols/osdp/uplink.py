"""Hub side: door-unit uplink payloads (status, up, reply) into base records.

Mapping of report frames (``seq`` and ``ts_ms`` come from the envelope):

- osdp_RAW -> Event ``card_read`` {reader, format, bit_count, bits, facility, card,
  wiegand_format, parity_ok}; facility and card are None unless the bits decode as
  H10301/H10306 with good parity (``parity_ok`` False on a parity error, None when the
  bit count matches no known format).
- osdp_KEYPAD -> Event ``keypad`` {reader, digits}.
- osdp_ISTATR -> Event ``inputs`` {door, exit_request}, StateReport {door, exit_request},
  Telemetry {door_open}.
- osdp_LSTATR -> Event ``local_status`` {tamper, power_ok}, StateReport {tamper, power_ok}.
- osdp_MFGREP firmware progress (our vendor code) -> Event ``firmware`` {state, version,
  progress_pct, reason, command_id}.

A reply envelope whose packet is an osdp_FTSTAT (the answer to a file transfer fragment)
is ``confirmed`` with the status as reason (``ft_proceed``, ``ft_processed``...) when the
status is 0 or more, ``failed`` (``ft_abort``, ``ft_invalid``...) when it is negative.

Other reply codes in a report are ignored; a report with none of the above is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from firmware_protocols.base import (
    CommandReply,
    CommandStatus,
    Event,
    StateReport,
    Telemetry,
    Uplink,
)
from firmware_protocols.firmware import EVENT_TYPE, progress_data
from firmware_protocols.osdp import topics
from firmware_protocols.osdp.codes import nak_reason
from firmware_protocols.osdp.door import door_inputs
from firmware_protocols.osdp.envelope import ReplyStatus, decode_reply_envelope, decode_report
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.file_transfer import ft_reason
from firmware_protocols.osdp.firmware import is_progress, progress_from_reply
from firmware_protocols.osdp.replies import (
    FileTransferStatus,
    InputStatusReply,
    KeypadReply,
    LocalStatusReply,
    MfgReply,
    Nak,
    RawCardReply,
    decode_reply,
)
from firmware_protocols.osdp.status import decode_status, status_records
from firmware_protocols.wiegand import WiegandError, decode_bits, format_for_bit_count


def card_read_data(raw: RawCardReply) -> dict[str, Any]:
    """The ``card_read`` event body for an osdp_RAW reply."""
    wiegand_format = format_for_bit_count(raw.bit_count)
    facility: int | None = None
    card: int | None = None
    parity_ok: bool | None = None
    if wiegand_format is not None:
        try:
            decoded = decode_bits(raw.bits, wiegand_format)
        except WiegandError:
            parity_ok = False
        else:
            facility, card, parity_ok = decoded.facility, decoded.card, True
    return {
        "reader": raw.reader,
        "format": raw.format,
        "bit_count": raw.bit_count,
        "bits": raw.bits,
        "facility": facility,
        "card": card,
        "wiegand_format": wiegand_format,
        "parity_ok": parity_ok,
    }


def report_records(payload: bytes) -> list[Uplink]:
    """Records for a ``up`` payload (a report envelope)."""
    envelope = decode_report(payload)
    seq, ts = envelope.seq, envelope.ts_ms
    records: list[Uplink] = []
    for frame in envelope.frames:
        reply = decode_reply(frame)
        if isinstance(reply, RawCardReply):
            records.append(Event(seq, ts, "card_read", card_read_data(reply)))
        elif isinstance(reply, KeypadReply):
            records.append(
                Event(seq, ts, "keypad", {"reader": reply.reader, "digits": reply.digits})
            )
        elif isinstance(reply, InputStatusReply):
            door_open, exit_request = door_inputs(reply)
            # One dict for the event and the twin: records are never changed after decoding
            # (the store serialises the event, the twin copies what it keeps).
            state = {"door": "open" if door_open else "closed", "exit_request": exit_request}
            records.append(Event(seq, ts, "inputs", state))
            records.append(StateReport(state))
            records.append(Telemetry(seq, ts, {"door_open": 1.0 if door_open else 0.0}))
        elif isinstance(reply, LocalStatusReply):
            state = {"tamper": reply.tamper != 0, "power_ok": reply.power == 0}
            records.append(Event(seq, ts, "local_status", state))
            records.append(StateReport(state))
        elif isinstance(reply, MfgReply) and is_progress(reply):
            progress = progress_from_reply(reply)
            data = progress_data(
                progress.state,
                progress.version,
                progress_pct=progress.progress_pct,
                reason=progress.reason,
                command_id=progress.command_id.hex(),
            )
            records.append(Event(seq, ts, EVENT_TYPE, data))
    if not records:
        raise OsdpError("unsupported_report", "no card, keypad, input, status or progress report")
    return records


_STATUS: Mapping[ReplyStatus, CommandStatus] = MappingProxyType(
    {
        ReplyStatus.CONFIRMED: "confirmed",
        ReplyStatus.EXPIRED: "expired",
        ReplyStatus.REPLAYED: "replayed",
        ReplyStatus.REJECTED: "rejected",
    }
)


def reply_records(payload: bytes) -> list[Uplink]:
    """The CommandReply for a ``reply`` payload; a NAK makes any command ``rejected``."""
    envelope = decode_reply_envelope(payload)
    replies = [decode_reply(frame) for frame in envelope.frames]
    naks = [r for r in replies if isinstance(r, Nak)]
    ftstat = [r for r in replies if isinstance(r, FileTransferStatus)]
    status = _STATUS[envelope.status]
    reason: str | None = None
    if envelope.status == ReplyStatus.CONFIRMED and ftstat and not naks:
        detail = ftstat[0].status
        status = "confirmed" if detail >= 0 else "failed"
        return [CommandReply(envelope.command_id.hex(), status, ft_reason(detail), envelope.ts_ms)]
    if envelope.status in (ReplyStatus.CONFIRMED, ReplyStatus.REJECTED):
        if naks:
            status, reason = "rejected", nak_reason(naks[0].error)
        elif envelope.status == ReplyStatus.REJECTED:
            reason = "rejected"
    return [CommandReply(envelope.command_id.hex(), status, reason, envelope.ts_ms)]


_DECODERS: Mapping[str, Callable[[bytes], list[Uplink]]] = MappingProxyType(
    {
        topics.STATUS: lambda payload: status_records(decode_status(payload)),
        topics.UP: report_records,
        topics.REPLY: reply_records,
    }
)


def decode_uplink(channel: str, payload: bytes) -> list[Uplink]:
    """Base records for one payload on ``channel``; raises only OsdpError (a CodecError)."""
    decoder = _DECODERS.get(channel)
    if decoder is None:
        raise OsdpError("unknown_channel", f"osdp has no uplink channel {channel!r}")
    return decoder(payload)
