"""Firmware side: the guard's answers, command decoding and replies, reports, the allow-list."""

from __future__ import annotations

import pytest

from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.osdp.allowlist_chunks import (
    MAX_ENTRIES_PER_CHUNK,
    VENDOR_CODE,
    AllowEntry,
    AllowList,
    allowlist_commands,
    allowlist_from_commands,
    is_allowlist,
)
from firmware_protocols.osdp.codes import NakError
from firmware_protocols.osdp.commands import MfgCommand, Poll, UnknownCommand, command_frame
from firmware_protocols.osdp.device import (
    admit,
    encode_command_reply,
    encode_report,
    receive_command,
)
from firmware_protocols.osdp.downlink import encode_command_envelope
from firmware_protocols.osdp.envelope import ReplyStatus, decode_reply_envelope, decode_report
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, encode_frame
from firmware_protocols.osdp.replies import Ack, KeypadReply, Nak, decode_reply
from firmware_protocols.wiegand import WiegandCard

NOW = 1_700_000_000_000
CID = "0123456789abcdef0123456789abcdef"


def test_the_guard_answers_in_reply_statuses() -> None:
    """The shared guard's verdicts as OSDP reply statuses; CONFIRMED goes on to the
    packets."""
    guard = CommandGuard(max_ttl_ms=60_000)
    received = receive_command(encode_command_envelope(CID, NOW + 5000, [Poll()]))
    assert admit(received, guard, NOW + 5000) is ReplyStatus.EXPIRED
    assert admit(received, guard, NOW) is ReplyStatus.CONFIRMED
    assert admit(received, guard, NOW + 1) is ReplyStatus.REPLAYED
    too_far = receive_command(encode_command_envelope("f" * 32, NOW + 60_001, [Poll()]))
    assert admit(too_far, guard, NOW) is ReplyStatus.REJECTED


def test_receive_and_answer_a_command() -> None:
    payload = encode_command_envelope(CID, NOW + 5000, [Poll()])
    received = receive_command(payload)
    assert received.command_id == bytes.fromhex(CID)
    assert received.expires_at_ms == NOW + 5000
    assert received.commands == (Poll(),)
    reply = decode_reply_envelope(encode_command_reply(received, ReplyStatus.CONFIRMED, 3, NOW))
    assert (reply.seq, reply.ts_ms, reply.status) == (3, NOW, ReplyStatus.CONFIRMED)
    assert [decode_reply(f) for f in reply.frames] == [Ack()]
    assert reply.frames[0].reply and reply.frames[0].sequence == received.frames[0].sequence


def test_default_replies_for_refusals_and_explicit_naks() -> None:
    received = receive_command(encode_command_envelope(CID, NOW, [Poll(), Poll()]))
    assert [f.sequence for f in received.frames] == [1, 2]
    acks = decode_reply_envelope(encode_command_reply(received, ReplyStatus.CONFIRMED, 1, NOW))
    assert [(decode_reply(f), f.sequence) for f in acks.frames] == [(Ack(), 1), (Ack(), 2)]
    expired = decode_reply_envelope(encode_command_reply(received, ReplyStatus.EXPIRED, 2, NOW))
    assert [decode_reply(f) for f in expired.frames] == [Nak(NakError.UNABLE_TO_PROCESS)]
    rejected = encode_command_reply(
        received, ReplyStatus.REJECTED, 3, NOW, [Nak(NakError.UNKNOWN_COMMAND)]
    )
    frames = decode_reply_envelope(rejected).frames
    assert [decode_reply(f) for f in frames] == [Nak(3)]


def test_report_encoding() -> None:
    report = decode_report(encode_report(5, NOW, [KeypadReply(0, "42")], address=3))
    assert report.seq == 5 and report.ts_ms == NOW
    assert report.frames[0].address == 3 and report.frames[0].reply
    assert decode_reply(report.frames[0]) == KeypadReply(0, "42")


def test_allowlist_chunks_and_reassembly() -> None:
    entries = (*(AllowEntry("H10301", 90, n) for n in range(300)), AllowEntry("H10306", 0xFFFF, 1))
    allowlist = AllowList(42, entries)
    commands = allowlist_commands(allowlist)
    assert len(commands) == 43  # 42 x 7 + 7
    first = commands[0]
    assert first.vendor_code == VENDOR_CODE and first.to_data()[:3] == bytes.fromhex("024855")
    assert first.data[:11] == bytes.fromhex("01 2a000000 0000 2b00 0700")
    assert first.data[11:18] == bytes.fromhex("01 5a00 00000000")
    assert commands[-1].data[5:11] == bytes.fromhex("2a00 2b00 0700")
    assert all(is_allowlist(c) for c in commands)
    assert allowlist_from_commands(commands) == allowlist
    assert allowlist.allows(WiegandCard("H10301", 90, 299))
    assert not allowlist.allows(WiegandCard("H10301", 91, 299))
    assert len(commands[0].data) == 11 + 7 * MAX_ENTRIES_PER_CHUNK <= 64


def test_empty_allowlist_is_one_chunk() -> None:
    (command,) = allowlist_commands(AllowList(1, ()))
    assert command.data == bytes.fromhex("01 01000000 0000 0100 0000")
    assert allowlist_from_commands([command]) == AllowList(1, ())


@pytest.mark.parametrize(
    "commands",
    [
        [],
        [MfgCommand(0x123456, b"\x01")],
        [MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0000 0100 0100"))],  # no entry
        [MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0000 0100 0100 09 0000 00000000"))],
        [MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0000 0100 0100 01 0001 00000000"))],
        [MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0000 0200 0000"))],  # 1 of 2
        [MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0100 0100 0000"))],  # index 1
        [
            MfgCommand(
                VENDOR_CODE, bytes.fromhex("01 01000000 0000 0100 0800" + "01 0000 00000000" * 8)
            )
        ],
    ],
)
def test_bad_allowlists(commands: list[MfgCommand]) -> None:
    with pytest.raises(OsdpError):
        allowlist_from_commands(commands)


def test_unencodable_allowlists() -> None:
    with pytest.raises(OsdpError):
        allowlist_commands(AllowList(1, (AllowEntry("H10301", 256, 1),)))
    with pytest.raises(OsdpError):
        allowlist_commands(AllowList(1 << 32, ()))
    with pytest.raises(OsdpError):
        allowlist_commands(AllowList(1, (AllowEntry("H10301", 1, 1),) * (7 * 0xFFFF + 1)))


def _command_with_frames(body: bytes) -> bytes:
    header = encode_command_envelope(CID, NOW, [Poll()])[:28]
    return header + body


@pytest.mark.parametrize(
    ("body", "nak"),
    [
        (bytes.fromhex("5365080004606091"), NakError.BAD_CHECK),  # CRC off by one
        (bytes.fromhex("53650800046060"), NakError.BAD_LENGTH),  # truncated
        (b"", NakError.BAD_LENGTH),
        (encode_frame(command_frame(UnknownCommand(0x6B, b"\x00"))), NakError.UNKNOWN_COMMAND),
        (encode_frame(command_frame(MfgCommand(0x123456, b"\x01"))), NakError.UNKNOWN_COMMAND),
        (encode_frame(Frame(0x7F, 0x68, b"\x00\x05\x1e")), NakError.BAD_LENGTH),  # short OUT
        (encode_frame(Frame(0x7F, 0x60, security_block=b"\x02\x11")), 0x05),
        # chunk 0 of 2 without chunk 1
        (
            encode_frame(
                command_frame(MfgCommand(VENDOR_CODE, bytes.fromhex("01 01000000 0000 0200 0000")))
            ),
            NakError.UNABLE_TO_PROCESS,
        ),
    ],
)
def test_broken_or_unsupported_frames_are_rejected_with_a_nak(body: bytes, nak: int) -> None:
    received = receive_command(_command_with_frames(body))
    assert received.command_id == bytes.fromhex(CID)
    assert received.problem == Nak(nak)
    assert received.allowlist is None
    reply = decode_reply_envelope(encode_command_reply(received, ReplyStatus.REJECTED, 1, NOW))
    assert reply.status is ReplyStatus.REJECTED
    assert [decode_reply(f) for f in reply.frames] == [Nak(nak)]


def test_a_pushed_allowlist_is_reassembled_for_the_unit() -> None:
    allowlist = AllowList(3, tuple(AllowEntry("H10306", 7, n) for n in range(20)))
    received = receive_command(encode_command_envelope(CID, NOW, allowlist_commands(allowlist)))
    assert received.problem is None and received.allowlist == allowlist


def test_unreadable_command_headers_raise() -> None:
    for payload in (b"", b"OM\x01\x02" + bytes(10), b"OM\x01\x00" + bytes(40)):
        with pytest.raises(OsdpError):
            receive_command(payload)
