"""OSDP framing: CRC-16/AUG-CCITT, the checksum variant, mark bytes, security blocks, errors."""

from __future__ import annotations

import pytest

from firmware_protocols.osdp.crc import checksum8, crc16
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import (
    Frame,
    encode_frame,
    join_frames,
    parse_frame,
    read_frame,
    split_frames,
)

POLL = bytes.fromhex("5365080004606090")  # osdp_POLL to 0x65, from the shared vectors


def test_crc16_aug_ccitt_check_value() -> None:
    # The catalogue check value of CRC-16/AUG-CCITT (also called CRC-16/SPI-FUJITSU).
    assert crc16(b"123456789") == 0xE5CC
    assert crc16(b"") == 0x1D0F


def test_crc_of_poll_is_sent_lsb_first() -> None:
    assert crc16(POLL[:-2]) == 0x9060
    assert POLL[-2:] == b"\x60\x90"


def test_crc_can_be_continued() -> None:
    assert crc16(b"6789", crc16(b"12345")) == crc16(b"123456789")


def test_checksum_variant() -> None:
    frame = Frame(address=0x65, code=0x60, sequence=0, use_crc=False)
    raw = encode_frame(frame)
    # control bit 2 clear, 7 bytes, the last one makes the byte sum zero
    assert raw == bytes.fromhex("536507000060e1")
    assert sum(raw) % 256 == 0
    assert parse_frame(raw) == frame
    assert checksum8(bytes.fromhex("536507000060")) == (-(0x53 + 0x65 + 7 + 0x60)) & 0xFF


def test_checksum_frame_rejects_a_changed_byte() -> None:
    raw = bytearray(encode_frame(Frame(address=1, code=0x61, data=b"\x00", use_crc=False)))
    raw[5] ^= 0x01
    with pytest.raises(OsdpError) as info:
        parse_frame(bytes(raw))
    assert info.value.reason == "bad_checksum"


@pytest.mark.parametrize("position", range(len(POLL)))
def test_any_flipped_bit_is_caught(position: int) -> None:
    raw = bytearray(POLL)
    raw[position] ^= 0x10
    with pytest.raises(OsdpError):
        parse_frame(bytes(raw))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "truncated"),
        (b"\xff", "truncated"),
        (bytes.fromhex("54650800046060"), "bad_som"),
        (bytes.fromhex("53650800046060"), "truncated"),
        (bytes.fromhex("5365050004"), "bad_length"),
        (POLL + b"\x00", "trailing_bytes"),
    ],
)
def test_malformed_frames(raw: bytes, reason: str) -> None:
    with pytest.raises(OsdpError) as info:
        parse_frame(raw)
    assert info.value.reason == reason


def test_reply_bit_and_sequence_are_fields() -> None:
    frame = Frame(address=0x65, code=0x40, sequence=3, reply=True)
    raw = encode_frame(frame)
    assert raw[1] == 0xE5 and raw[4] == 0x07
    assert parse_frame(raw) == frame


def test_security_block_without_and_with_mac() -> None:
    plain = Frame(address=1, code=0x60, security_block=b"\x02\x11")  # SCS_11-style header
    raw = encode_frame(plain)
    assert raw[4] & 0x08 and raw[5:7] == b"\x02\x11" and raw[7] == 0x60
    assert parse_frame(raw) == plain
    mac = Frame(address=1, code=0x60, security_block=b"\x02\x15", mac=b"\x01\x02\x03\x04")
    raw = encode_frame(mac)
    assert raw[-6:-2] == b"\x01\x02\x03\x04"
    assert parse_frame(raw) == mac


@pytest.mark.parametrize(
    "frame",
    [
        Frame(address=1, code=0x60, security_block=b"\x03\x11"),  # length byte wrong
        Frame(address=1, code=0x60, security_block=b"\x02\x15"),  # MAC missing
        Frame(address=1, code=0x60, security_block=b"\x02\x11", mac=b"1234"),  # MAC unexpected
        Frame(address=0x80, code=0x60),
        Frame(address=1, code=0x60, sequence=4),
        Frame(address=1, code=0x100),
        Frame(address=1, code=0x80, data=bytes(0xFFFF)),
    ],
)
def test_unencodable_frames(frame: Frame) -> None:
    with pytest.raises(OsdpError):
        encode_frame(frame)


def test_security_block_that_does_not_fit() -> None:
    raw = encode_frame(Frame(address=1, code=0x60, security_block=b"\x02\x11"))
    body = bytearray(raw[:-2])
    body[5] = 9  # block length beyond the frame
    crc = crc16(bytes(body))
    with pytest.raises(OsdpError) as info:
        parse_frame(bytes(body) + bytes((crc & 0xFF, crc >> 8)))
    assert info.value.reason == "bad_security_block"


def test_concatenated_frames_with_and_without_marks() -> None:
    a = Frame(address=0x65, code=0x60)
    b = Frame(address=0x65, code=0x61, data=b"\x00", sequence=1, use_crc=False)
    assert split_frames(join_frames([a, b])) == (a, b)
    assert split_frames(encode_frame(a, mark=True) + encode_frame(b, mark=True)) == (a, b)
    frame, end = read_frame(encode_frame(a) + encode_frame(b))
    assert frame == a and end == 8
    with pytest.raises(OsdpError):
        split_frames(encode_frame(a) + b"\x53\x65")
