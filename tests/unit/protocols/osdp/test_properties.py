"""Properties: arbitrary bytes raise only CodecError; encode-then-decode is the identity."""

from __future__ import annotations

import contextlib
import json
import struct
import uuid
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocols.base import CodecError, Command
from firmware_protocols.osdp.allowlist_chunks import (
    VENDOR_CODE,
    AllowEntry,
    AllowList,
    allowlist_commands,
    allowlist_from_commands,
)
from firmware_protocols.osdp.commands import (
    BuzzerCommand,
    CapRequest,
    CommandPayload,
    IdRequest,
    InputStatusRequest,
    LedCommand,
    LedPermanent,
    LedRecord,
    LedTemporary,
    LocalStatusRequest,
    MfgCommand,
    OutCommand,
    OutputRecord,
    Poll,
    command_frame,
    decode_command,
)
from firmware_protocols.osdp.definitions import DEFINITIONS
from firmware_protocols.osdp.device import receive_command
from firmware_protocols.osdp.envelope import (
    CommandEnvelope,
    ReplyEnvelope,
    ReplyStatus,
    ReportEnvelope,
    decode_envelope,
    encode_envelope,
)
from firmware_protocols.osdp.frame import Frame, encode_frame, parse_frame, split_frames
from firmware_protocols.osdp.replies import (
    Ack,
    Capability,
    InputStatusReply,
    KeypadReply,
    LocalStatusReply,
    Nak,
    PdCapReply,
    PdIdReply,
    RawCardReply,
    ReplyPayload,
    decode_reply,
    reply_frame,
)
from firmware_protocols.osdp.status import DeviceStatus, decode_status, encode_status

PROPERTY = settings(max_examples=2000, deadline=None, database=None)
SESSION = DEFINITIONS[0].session("door-1")

u8 = st.integers(0, 0xFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 2**64 - 1)

# Values are built from one random byte string each (few Hypothesis choices per example
# keeps 2000 examples per property fast); the builders use struct, not our decoders.


def _pad(blob: bytes, size: int) -> bytes:
    return (blob + bytes(size))[:size]


def _chunks(blob: bytes, size: int, limit: int) -> list[bytes]:
    count = min(limit, max(1, len(blob) // size))
    blob = _pad(blob, count * size)
    return [blob[i : i + size] for i in range(0, count * size, size)]


def frame_from(blob: bytes) -> Frame:
    """Bytes 0-3: address and reply bit, code, flags (sequence, CRC, security block, its
    data length, MAC type), block type; then block data, MAC and frame data."""
    head, rest = _pad(blob, 4), blob[4:]
    flags = head[2]
    block = mac = None
    if flags & 0x08:
        block_type = 0x15 + (head[3] & 3) if flags & 0x80 else head[3]
        block_data, rest = rest[: flags >> 4 & 7], rest[flags >> 4 & 7 :]
        block = bytes((len(block_data) + 2, block_type)) + block_data
        if 0x15 <= block_type <= 0x18:
            mac, rest = _pad(rest, 4), rest[4:]
    return Frame(
        address=head[0] & 0x7F,
        code=head[1],
        data=rest,
        sequence=flags & 3,
        reply=bool(head[0] & 0x80),
        use_crc=bool(flags & 4),
        security_block=block,
        mac=mac,
    )


def _led(chunk: bytes) -> LedRecord:
    v = struct.unpack("<BBBBBBBHBBBBB", chunk)
    return LedRecord(v[0], v[1], LedTemporary(*v[2:8]), LedPermanent(*v[8:13]))


def _raw(blob: bytes) -> RawCardReply:
    reader, fmt = _pad(blob, 2)
    bits = "".join(f"{x:08b}" for x in blob[2:])
    drop = blob[-1] % 8 if blob else 0  # bit counts that are not whole bytes too
    return RawCardReply(reader, bits[: max(0, len(bits) - drop)], fmt)


KEYS = "0123456789*#ABCDEFGH"
COMMAND_BUILDERS: list[Callable[[bytes], CommandPayload]] = [
    lambda b: Poll(),
    lambda b: IdRequest(_pad(b, 1)[0]),
    lambda b: CapRequest(_pad(b, 1)[0]),
    lambda b: LocalStatusRequest(),
    lambda b: InputStatusRequest(),
    lambda b: OutCommand(tuple(OutputRecord(*struct.unpack("<BBH", c)) for c in _chunks(b, 4, 8))),
    lambda b: LedCommand(tuple(_led(c) for c in _chunks(b, 14, 3))),
    lambda b: BuzzerCommand(*_pad(b, 5)),
    lambda b: MfgCommand(int.from_bytes(_pad(b, 3), "little"), b[3:]),
]
REPLY_BUILDERS: list[Callable[[bytes], ReplyPayload]] = [
    lambda b: Ack(),
    lambda b: Nak(_pad(b, 1)[0], b[1:4]),
    lambda b: PdIdReply(
        int.from_bytes(_pad(b, 3), "little"), *struct.unpack("<BBIBBB", _pad(b[3:], 9))
    ),
    lambda b: PdCapReply(tuple(Capability(*c) for c in _chunks(b, 3, 8))),
    lambda b: LocalStatusReply(*_pad(b, 2)),
    lambda b: InputStatusReply(tuple(b[:8])),
    lambda b: _raw(b),
    lambda b: KeypadReply(_pad(b, 1)[0], "".join(KEYS[x % len(KEYS)] for x in b[1:])),
]
blobs = st.binary(max_size=48)
frames = st.binary(max_size=40).map(frame_from)
command_payloads = st.tuples(st.sampled_from(COMMAND_BUILDERS), blobs).map(lambda t: t[0](t[1]))
reply_payloads = st.tuples(st.sampled_from(REPLY_BUILDERS), blobs).map(lambda t: t[0](t[1]))
statuses = st.sampled_from(list(ReplyStatus))
command_ids = st.binary(min_size=16, max_size=16)
frame_tuples = st.lists(frames, min_size=1, max_size=2).map(tuple)
envelopes = st.one_of(
    st.builds(ReportEnvelope, u32, u64, frame_tuples),
    st.builds(
        ReplyEnvelope, u32, u64, command_ids, statuses, st.lists(frames, max_size=2).map(tuple)
    ),
    st.builds(CommandEnvelope, command_ids, u64, frame_tuples),
)


def entries_from(blob: bytes) -> list[AllowEntry]:
    """5 bytes per entry: format bit, facility u16, card u16 (H10301 facility masked)."""
    out = []
    for i in range(0, len(blob) - 4, 5):
        fmt, facility, card = struct.unpack_from("<BHH", blob, i)
        if fmt & 1:
            out.append(AllowEntry("H10306", facility, card))
        else:
            out.append(AllowEntry("H10301", facility & 0xFF, card))
    return out


text = st.text(alphabet='aZ09._- é€"\\', min_size=1, max_size=64)
device_statuses = st.builds(
    DeviceStatus,
    st.booleans(),
    st.none() | text,
    st.none() | text,
    st.none() | text,
    st.none() | st.integers(0, 2**63 - 1),
    st.none() | u32,
)


def only_codec_errors(*calls: Any) -> None:
    for call in calls:
        with contextlib.suppress(CodecError):
            call()


# Related properties share one test (and one Hypothesis run) to keep the suite fast; each
# still sees 2000 generated examples.

MISSING = object()
json_values = st.sampled_from(
    [MISSING, None, True, False, 0, -1, 1, 2**64, 1.5, "", "x", "lwt", "a" * 70, [], {}, [1]]
)


# ------------------------------------------------------------------ identity
@PROPERTY
@given(envelopes, st.booleans())
def test_frame_and_envelope_identity(
    envelope: ReportEnvelope | ReplyEnvelope | CommandEnvelope, mark: bool
) -> None:
    for frame in envelope.frames:
        assert parse_frame(encode_frame(frame, mark=mark)) == frame
    assert decode_envelope(encode_envelope(envelope)) == envelope


@PROPERTY
@given(command_payloads, reply_payloads, st.integers(0, 0x7F), st.integers(0, 3), st.booleans())
def test_payload_identity(
    command: CommandPayload, reply: ReplyPayload, address: int, sequence: int, use_crc: bool
) -> None:
    frame = command_frame(command, address=address, sequence=sequence, use_crc=use_crc)
    assert decode_command(parse_frame(encode_frame(frame))) == command
    frame = reply_frame(reply, address=address, sequence=sequence, use_crc=use_crc)
    assert decode_reply(parse_frame(encode_frame(frame))) == reply


@PROPERTY
@given(u32, st.binary(max_size=5 * 140), st.integers(1, 6_553_500), u64)
def test_hub_command_identity(version: int, blob: bytes, pulse_ms: int, expires: int) -> None:
    """push_allowlist entries and unlock pulses survive hub encode -> firmware decode."""
    items = entries_from(blob)
    allowlist = AllowList(version, tuple(items))
    assert allowlist_from_commands(allowlist_commands(allowlist)) == allowlist
    params = {
        "version": version,
        "entries": [{"format": e.format, "facility": e.facility, "card": e.card} for e in items],
    }
    out = SESSION.encode_command(Command(uuid.uuid4().hex, "push_allowlist", params, expires))
    received = receive_command(out[0].payload)
    mfg = [c for c in received.commands if isinstance(c, MfgCommand)]
    assert len(mfg) == len(received.commands)
    assert allowlist_from_commands(mfg) == allowlist
    assert received.problem is None and received.allowlist == allowlist

    cmd = Command(uuid.uuid4().hex, "unlock", {"pulse_ms": pulse_ms}, expires)
    received = receive_command(SESSION.encode_command(cmd)[0].payload)
    assert received.command_id.hex() == cmd.command_id
    assert received.expires_at_ms == expires
    assert received.commands[0] == OutCommand((OutputRecord(0, 5, -(-pulse_ms // 100)),))


@PROPERTY
@given(device_statuses)
def test_status_identity(status: DeviceStatus) -> None:
    assert decode_status(encode_status(status)) == status


# ------------------------------------------------------------------ robustness
@PROPERTY
@given(st.binary(max_size=80))
def test_arbitrary_bytes_raise_only_codec_error(raw: bytes) -> None:
    only_codec_errors(
        lambda: parse_frame(raw),
        lambda: split_frames(raw),
        lambda: decode_envelope(raw),
        lambda: decode_envelope(b"OM\x01" + raw),
        lambda: receive_command(b"OM\x01\x02" + raw),
        lambda: decode_status(raw),
        *(lambda c=c: SESSION.decode(c, raw) for c in ("status", "up", "reply", "cmd")),
        *(lambda k=k: SESSION.decode("up", b"OM\x01" + bytes((k,)) + raw) for k in (0, 1)),
        lambda: SESSION.decode("reply", b"OM\x01\x01" + raw),
    )


@PROPERTY
@given(
    u8,
    st.binary(max_size=40),
    u64,
    st.tuples(json_values, json_values, json_values, json_values, json_values),
)
def test_well_framed_nonsense_raises_only_codec_error(
    code: int, data: bytes, number: int, values: tuple[object, ...]
) -> None:
    """Valid frames and envelopes around arbitrary payloads, and odd status JSON."""
    frame = Frame(address=1, code=code, data=data, reply=bool(number & 1))
    command_id = number.to_bytes(16, "big")
    raw = encode_frame(frame)
    report = encode_envelope(ReportEnvelope(number >> 32, number, (frame,)))
    answer = encode_envelope(ReplyEnvelope(1, number, command_id, ReplyStatus(code % 4), (frame,)))
    command = encode_envelope(CommandEnvelope(command_id, number, (frame,)))
    keys = ("online", "reason", "firmware", "ts", "allowlist_version")
    status = {k: v for k, v in zip(keys, values, strict=True) if v is not MISSING}
    only_codec_errors(
        lambda: decode_command(parse_frame(raw)),
        lambda: decode_reply(parse_frame(raw)),
        lambda: SESSION.decode("up", report),
        lambda: SESSION.decode("reply", answer),
        lambda: receive_command(command),
        lambda: allowlist_from_commands([MfgCommand(VENDOR_CODE, data)]),
        lambda: allowlist_from_commands([MfgCommand(VENDOR_CODE, b"\x01" + data)]),
        lambda: SESSION.decode("status", json.dumps(status).encode()),
    )
