"""Typed command and reply payloads against their byte layouts."""

from __future__ import annotations

import pytest

from firmware_protocols.osdp.codes import NakError, nak_reason
from firmware_protocols.osdp.commands import (
    BuzzerCommand,
    CapRequest,
    CommandPayload,
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
    UnknownCommand,
    command_frame,
    decode_command,
    decode_command_data,
)
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, encode_frame, parse_frame
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
    UnknownReply,
    decode_reply,
    decode_reply_data,
    reply_frame,
)

LED_RECORD = LedRecord(
    reader=0,
    led=1,
    temporary=LedTemporary(
        control_code=2, on_time=3, off_time=4, on_color=1, off_color=0, timer=0x0102
    ),
    permanent=LedPermanent(control_code=1, on_time=5, off_time=6, on_color=2, off_color=7),
)

COMMANDS: list[tuple[CommandPayload, int, str]] = [
    (Poll(), 0x60, ""),
    (CapRequest(), 0x62, "00"),
    (LocalStatusRequest(), 0x64, ""),
    (InputStatusRequest(), 0x65, ""),
    # output 0, control code 5 (temporary on), 30 x 100 ms little endian; then output 1
    (OutCommand((OutputRecord(0, 5, 30), OutputRecord(1, 1, 0))), 0x68, "0005 1e00 0101 0000"),
    # reader, led, temp cc/on/off/on colour/off colour/timer LE, perm cc/on/off/on/off colour
    (LedCommand((LED_RECORD,)), 0x69, "00 01 02 03 04 01 00 0201 01 05 06 02 07"),
    (BuzzerCommand(reader=0, tone=2, on_time=1, off_time=1, count=2), 0x6A, "00 02 01 01 02"),
    (MfgCommand(0x554802, b"\x01\x02"), 0x80, "024855 0102"),
    (UnknownCommand(0x6B, b"\x09"), 0x6B, "09"),
]

REPLIES: list[tuple[ReplyPayload, int, str]] = [
    (Ack(), 0x40, ""),
    (Nak(NakError.UNKNOWN_COMMAND), 0x41, "03"),
    (Nak(NakError.BAD_CHECK, b"\x10"), 0x41, "01 10"),
    # the PDID that libosdp answers with by default (vendor 0xfebabe, serial 0xdeadbeaf)
    (PdIdReply(0xFEBABE, 1, 1, 0xDEADBEAF, 0xAD, 0xDE, 0xAD), 0x45, "bebafe 01 01 afbeadde addead"),
    (PdCapReply((Capability(1, 1, 2), Capability(4, 1, 1))), 0x46, "010102 040101"),
    (LocalStatusReply(tamper=1, power=0), 0x48, "01 00"),
    (InputStatusReply((1, 0)), 0x49, "01 00"),
    # reader 0, Wiegand, 26 bits LE, facility 90 card 324 packed MSB first, zero padded
    (RawCardReply(0, "00101101000000001010001000"), 0x50, "00 01 1a00 2d00a200"),
    # '*' travels as 0x7F and '#' as 0x0D
    (KeypadReply(0, "12*#"), 0x53, "00 04 3132 7f 0d"),
    (UnknownReply(0x4A, b"\x00"), 0x4A, "00"),
]


@pytest.mark.parametrize(("payload", "code", "data"), COMMANDS)
def test_command_layouts(payload: CommandPayload, code: int, data: str) -> None:
    raw = bytes.fromhex(data)
    assert code == payload.CODE
    assert payload.to_data() == raw
    assert decode_command_data(code, raw) == payload
    frame = command_frame(payload)
    assert frame.address == 0x7F and not frame.reply
    assert decode_command(parse_frame(encode_frame(frame))) == payload


@pytest.mark.parametrize(("payload", "code", "data"), REPLIES)
def test_reply_layouts(payload: ReplyPayload, code: int, data: str) -> None:
    raw = bytes.fromhex(data)
    assert code == payload.CODE
    assert payload.to_data() == raw
    assert decode_reply_data(code, raw) == payload
    frame = reply_frame(payload, address=0x65, sequence=2)
    assert encode_frame(frame)[1] == 0xE5
    assert decode_reply(parse_frame(encode_frame(frame))) == payload


def test_led_record_is_fourteen_bytes() -> None:
    assert len(LedCommand((LED_RECORD, LED_RECORD)).to_data()) == 28


def test_keypad_reads_star_as_itself_from_lenient_pds() -> None:
    assert decode_reply_data(0x53, bytes.fromhex("0002 2a 23")) == KeypadReply(0, "*#")


def test_raw_ignores_padding_bits_and_unknown_lengths_stay_raw() -> None:
    padded = decode_reply_data(0x50, bytes.fromhex("00011a002d00a23f"))
    assert padded == RawCardReply(0, "00101101000000001010001000")
    odd = decode_reply_data(0x50, bytes.fromhex("000003 00 e0"))
    assert odd == RawCardReply(0, "111", 0) and odd.bit_count == 3


@pytest.mark.parametrize(
    ("code", "data"),
    [
        (0x60, "00"),  # POLL has no data
        (0x61, ""),  # ID needs its reply type
        (0x68, "000500"),  # OUT records are 4 bytes
        (0x68, ""),
        (0x69, "00" * 13),
        (0x6A, "00020101"),
        (0x80, "0248"),
        (0x40, "00"),
        (0x41, ""),
        (0x45, "00" * 11),
        (0x46, "0101"),
        (0x48, "00"),
        (0x50, "00011a00 2d00a2"),  # 26 bits need 4 bytes
        (0x50, "0001"),
        (0x53, "00 03 3132"),  # count says 3, two digits present
        (0x53, "00 01 01"),  # not a key
    ],
)
def test_bad_payload_lengths_and_values(code: int, data: str) -> None:
    raw = bytes.fromhex(data)
    with pytest.raises(OsdpError):
        if code >= 0x60:
            decode_command_data(code, raw)
        else:
            decode_reply_data(code, raw)


@pytest.mark.parametrize(
    "payload",
    [
        OutCommand(()),
        OutCommand((OutputRecord(0, 5, 0x10000),)),
        LedCommand(()),
        BuzzerCommand(0, 2, 256, 0, 1),
        MfgCommand(1 << 24),
        PdIdReply(1 << 24, 0, 0, 0, 0, 0, 0),
        PdCapReply(()),
        RawCardReply(0, "012"),
        KeypadReply(0, "1\x01"),
        KeypadReply(0, "1" * 256),
        Nak(256),
    ],
)
def test_unencodable_payloads(payload: CommandPayload | ReplyPayload) -> None:
    with pytest.raises(OsdpError):
        payload.to_data()


def test_secured_frames_are_refused_for_payloads() -> None:
    frame = Frame(address=1, code=0x60, security_block=b"\x02\x11")
    with pytest.raises(OsdpError) as info:
        decode_command(frame)
    assert info.value.reason == "secure_channel"
    with pytest.raises(OsdpError):
        decode_reply(frame)


def test_nak_reasons() -> None:
    assert nak_reason(0x03) == "nak_unknown_command"
    assert nak_reason(0x09) == "nak_unable_to_process"
    assert nak_reason(0x42) == "nak_0x42"
