"""Every frame of the shared vectors file decodes to its documented meaning, and our
encoders rebuild it byte for byte from that meaning."""

from __future__ import annotations

import dataclasses

from firmware_protocols.osdp.commands import (
    CommandPayload,
    IdRequest,
    Poll,
    command_frame,
    decode_command,
)
from firmware_protocols.osdp.frame import Frame, encode_frame, parse_frame
from firmware_protocols.osdp.replies import Ack, Nak, ReplyPayload, decode_reply, reply_frame
from tests.unit.protocols.osdp.conftest import GoldenFrame, parse_golden_frames


def expected_payload(row: GoldenFrame) -> CommandPayload | ReplyPayload:
    match row.name:
        case "POLL":
            return Poll()
        case "ID":
            assert row.data is not None
            return IdRequest(row.data[0])
        case "ACK":
            return Ack()
        case "NAK":
            assert row.error_code is not None
            return Nak(row.error_code)
    raise AssertionError(f"no expectation for osdp_{row.name} ({row.meaning})")


def test_every_golden_frame_decodes_to_its_meaning(golden_frames: list[GoldenFrame]) -> None:
    names = set()
    for row in golden_frames:
        frame = parse_frame(row.frame)
        expected = expected_payload(row)
        is_reply = isinstance(expected, Ack | Nak)
        payload = decode_reply(frame) if is_reply else decode_command(frame)
        assert payload == expected, row.meaning
        assert frame.use_crc is row.crc, row.meaning
        assert frame.reply is row.reply_bit, row.meaning
        if row.address is not None:
            assert frame.address == row.address, row.meaning
        if row.sequence is not None:
            assert frame.sequence == row.sequence, row.meaning
        names.add(row.name)
    assert names >= {"POLL", "ID", "ACK", "NAK"}


def test_our_encoders_reproduce_every_golden_frame(golden_frames: list[GoldenFrame]) -> None:
    for row in golden_frames:
        payload = expected_payload(row)
        address = row.address if row.address is not None else 0
        sequence = row.sequence if row.sequence is not None else 0
        built: Frame
        if isinstance(payload, Ack | Nak):
            built = reply_frame(payload, address=address, sequence=sequence, use_crc=row.crc)
            # one published ACK/NAK leaves the reply bit clear; the row says which
            built = dataclasses.replace(built, reply=row.reply_bit)
        else:
            built = command_frame(payload, address=address, sequence=sequence, use_crc=row.crc)
        assert encode_frame(built) == row.frame, row.meaning
        assert encode_frame(built, mark=True) == b"\xff" + row.frame


def test_golden_frames_with_mark_byte(golden_frames: list[GoldenFrame]) -> None:
    for row in golden_frames:
        assert parse_frame(b"\xff" + row.frame) == parse_frame(row.frame)


def test_table_parser_reads_the_documented_fields() -> None:
    text = (
        "| frame (hex) | meaning | published in |\n|---|---|---|\n"
        "| 53 65 09 00 05 61 00 e9 4d | osdp_ID (data 0x00) to 0x65, sequence 1, CRC | x |\n"
        "| 53 00 09 00 04 41 01 07 70 | osdp_NAK, error code 0x01 (bad CRC), CRC | y |\n"
    )
    first, second = parse_golden_frames(text)
    assert (first.name, first.address, first.sequence, first.data) == ("ID", 0x65, 1, b"\x00")
    assert (second.name, second.address, second.error_code) == ("NAK", None, 1)
    assert first.crc and second.crc and not first.reply_bit
