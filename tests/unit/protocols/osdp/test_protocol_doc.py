"""PROTOCOL.md's examples are real: every hex block decodes, the main ones match the encoders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware_protocols.osdp import device
from firmware_protocols.osdp.crc import crc16
from firmware_protocols.osdp.definitions import DEFINITIONS
from firmware_protocols.osdp.downlink import command_payloads, encode_command_envelope
from firmware_protocols.osdp.envelope import (
    CommandEnvelope,
    ReplyEnvelope,
    ReplyStatus,
    ReportEnvelope,
    decode_envelope,
)
from firmware_protocols.osdp.frame import encode_frame, parse_frame, split_frames
from firmware_protocols.osdp.replies import KeypadReply, Nak, RawCardReply, reply_frame

DOC = (Path(__file__).parents[4] / "firmware_protocols" / "osdp" / "PROTOCOL.md").read_text(
    encoding="utf-8"
)
SESSION = DEFINITIONS[0].session("door-1")
TS = 1_700_000_000_000
CID = "0123456789abcdef0123456789abcdef"


def hex_blocks() -> list[bytes]:
    blocks = re.findall(r"```hex\n(.*?)```", DOC, re.S)
    return [
        bytes.fromhex(" ".join(line.split("#", 1)[0] for line in block.splitlines()))
        for block in blocks
    ]


BLOCKS = hex_blocks()


def test_the_document_has_its_examples() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("raw", BLOCKS, ids=[b[:8].hex() for b in BLOCKS])
def test_every_hex_block_decodes(raw: bytes) -> None:
    if raw[:2] != b"OM":
        assert split_frames(raw)
        return
    envelope = decode_envelope(raw)
    if isinstance(envelope, ReportEnvelope):
        assert SESSION.decode("up", raw)
    elif isinstance(envelope, ReplyEnvelope):
        (reply,) = SESSION.decode("reply", raw)
        assert reply.command_id == CID  # type: ignore[union-attr]
    else:
        assert isinstance(envelope, CommandEnvelope)
        assert device.receive_command(raw).problem is None


def test_examples_match_the_encoders() -> None:
    unlock = encode_command_envelope(CID, TS + 5000, command_payloads("unlock", {"pulse_ms": 3000}))
    card = device.encode_report(7, TS, [RawCardReply(0, "00101101000000001010001000")])
    keypad = device.encode_report(10, TS + 3000, [KeypadReply(0, "1234#")])
    received = device.receive_command(unlock)
    confirmed = device.encode_command_reply(received, ReplyStatus.CONFIRMED, 11, TS + 120)
    expired = device.encode_command_reply(received, ReplyStatus.EXPIRED, 12, TS + 9000)
    rejected = device.encode_command_reply(
        received, ReplyStatus.REJECTED, 14, TS + 9000, [Nak(0x03)]
    )
    entries = [
        {"format": "H10301", "facility": 90, "card": 324},
        {"format": "H10306", "facility": 1000, "card": 5},
    ]
    allowlist = encode_command_envelope(
        CID, TS + 60_000, command_payloads("push_allowlist", {"version": 7, "entries": entries})
    )
    for example in (unlock, card, keypad, confirmed, expired, rejected, allowlist):
        assert example in BLOCKS


def test_crc_worked_example_and_inline_frames() -> None:
    row = re.search(r"\| CRC after it \|(.*)\|", DOC)
    assert row is not None
    stated = [int(v, 16) for v in row.group(1).split("|")]
    running, computed = 0x1D0F, []
    for byte in bytes.fromhex("53 65 08 00 04 60"):
        running = crc16(bytes((byte,)), running)
        computed.append(running)
    assert stated == computed
    assert "`0xE5CC`" in DOC and crc16(b"123456789") == 0xE5CC
    inline = re.findall(r"`(53(?: [0-9a-f]{2}){6,})`", DOC.replace("\n", " "))
    assert len(inline) >= 5
    for text in inline:
        parse_frame(bytes.fromhex(text))
    libosdp_raw = bytes.fromhex("53 e5 10 00 07 50 00 01 1a 00 2d 00 a2 00 89 fe")
    ours = reply_frame(RawCardReply(0, "00101101000000001010001000"), address=0x65, sequence=3)
    assert encode_frame(ours) == libosdp_raw
    assert "`53 e5 10 00 07 50 00 01 1a 00 2d 00 a2 00 89 fe`" in DOC
