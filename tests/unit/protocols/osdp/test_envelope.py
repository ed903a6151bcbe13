"""The binary MQTT envelopes: byte offsets, round trips and refusals."""

from __future__ import annotations

import pytest

from firmware_protocols.osdp.envelope import (
    CommandEnvelope,
    ReplyEnvelope,
    ReplyStatus,
    ReportEnvelope,
    decode_command_envelope,
    decode_envelope,
    decode_reply_envelope,
    decode_report,
    encode_envelope,
)
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, parse_frame

ACK = bytes.fromhex("53e508000440d296")  # osdp_ACK from 0x65, shared vectors (libosdp)
POLL = bytes.fromhex("5365080004606090")  # osdp_POLL to 0x65, shared vectors (libosdp)
CID = bytes(range(16))


def test_report_layout() -> None:
    envelope = ReportEnvelope(seq=7, ts_ms=1_700_000_000_000, frames=(parse_frame(ACK),))
    raw = encode_envelope(envelope)
    assert raw[:4] == b"OM\x01\x00"
    assert raw[4:8] == (7).to_bytes(4, "big")
    assert raw[8:16] == (1_700_000_000_000).to_bytes(8, "big")
    assert raw[16:] == ACK
    assert decode_report(raw) == envelope


def test_reply_layout() -> None:
    envelope = ReplyEnvelope(9, 1, CID, ReplyStatus.EXPIRED, (parse_frame(ACK),))
    raw = encode_envelope(envelope)
    assert raw[:4] == b"OM\x01\x01"
    assert raw[4:8] == b"\x00\x00\x00\x09" and raw[8:16] == (1).to_bytes(8, "big")
    assert raw[16:32] == CID and raw[32] == 1 and raw[33:] == ACK
    assert decode_reply_envelope(raw) == envelope
    empty = ReplyEnvelope(9, 1, CID, ReplyStatus.REPLAYED, ())
    assert decode_reply_envelope(encode_envelope(empty)) == empty


def test_command_layout_with_two_frames() -> None:
    frames = (parse_frame(POLL), parse_frame(bytes.fromhex("53650900046100d97a")))
    envelope = CommandEnvelope(CID, 1_700_000_005_000, frames)
    raw = encode_envelope(envelope)
    assert raw[:4] == b"OM\x01\x02" and raw[4:20] == CID
    assert raw[20:28] == (1_700_000_005_000).to_bytes(8, "big")
    assert raw[28:] == POLL + bytes.fromhex("53650900046100d97a")
    assert decode_command_envelope(raw) == envelope
    # mark bytes before frames are tolerated
    assert decode_envelope(raw[:28] + b"\xff" + POLL) == CommandEnvelope(
        CID, 1_700_000_005_000, frames[:1]
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"OM\x01", "truncated"),
        (b"XX\x01\x00" + bytes(12) + ACK, "bad_magic"),
        (b"OM\x02\x00" + bytes(12) + ACK, "unsupported_version"),
        (b"OM\x01\x07" + bytes(12) + ACK, "bad_kind"),
        (b"OM\x01\x00" + bytes(11), "truncated"),
        (b"OM\x01\x00" + bytes(12), "no_frames"),
        (b"OM\x01\x02" + bytes(24), "no_frames"),
        (b"OM\x01\x01" + bytes(28) + b"\x04" + ACK, "bad_status"),
        (b"OM\x01\x01" + bytes(20), "truncated"),
        (b"OM\x01\x00" + bytes(12) + ACK[:-1], "truncated"),
        (b"OM\x01\x00" + bytes(12) + ACK + b"\x00", "truncated"),
    ],
)
def test_bad_envelopes(raw: bytes, reason: str) -> None:
    with pytest.raises(OsdpError) as info:
        decode_envelope(raw)
    assert info.value.reason == reason


def test_kind_specific_decoders_refuse_other_kinds() -> None:
    report = encode_envelope(ReportEnvelope(1, 1, (parse_frame(ACK),)))
    for decode in (decode_reply_envelope, decode_command_envelope):
        with pytest.raises(OsdpError) as info:
            decode(report)
        assert info.value.reason == "wrong_kind"
    command = encode_envelope(CommandEnvelope(CID, 1, (parse_frame(POLL),)))
    with pytest.raises(OsdpError):
        decode_report(command)


@pytest.mark.parametrize(
    "envelope",
    [
        ReportEnvelope(1 << 32, 0, (Frame(0, 0x40),)),
        ReportEnvelope(-1, 0, (Frame(0, 0x40),)),
        ReportEnvelope(0, 1 << 64, (Frame(0, 0x40),)),
        ReportEnvelope(0, 0, ()),
        CommandEnvelope(b"short", 0, (Frame(0, 0x60),)),
        ReplyEnvelope(0, 0, bytes(17), ReplyStatus.CONFIRMED, ()),
    ],
)
def test_unencodable_envelopes(envelope: ReportEnvelope | CommandEnvelope | ReplyEnvelope) -> None:
    with pytest.raises(OsdpError):
        encode_envelope(envelope)
