"""Cross-checks against libosdp (the PyPI package ``libosdp``, an independent C implementation).

Both directions, over in-memory channels (no serial port, no broker):
- our command frames into a libosdp PD, whose parsed commands and reply frames we check;
- libosdp's PD reports (card read, keypad) against our reply encoder, byte for byte;
- a libosdp CP's command frames, captured on the wire, against our decoder and encoder;
- our reply frames (PDID, PDCAP, ACK, RAW, KEYPAD) driving a libosdp CP to events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import osdp
import pytest

from firmware_protocols.osdp import door
from firmware_protocols.osdp.allowlist_chunks import (
    VENDOR_CODE,
    AllowEntry,
    AllowList,
    allowlist_commands,
)
from firmware_protocols.osdp.codes import CommandCode
from firmware_protocols.osdp.commands import (
    CapRequest,
    CommandPayload,
    IdRequest,
    LocalStatusRequest,
    Poll,
    command_frame,
    decode_command,
)
from firmware_protocols.osdp.definitions import DEFINITIONS
from firmware_protocols.osdp.device import encode_report
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, encode_frame, read_frame, split_frames
from firmware_protocols.osdp.replies import (
    Ack,
    Capability,
    KeypadReply,
    LocalStatusReply,
    PdCapReply,
    PdIdReply,
    RawCardReply,
    ReplyPayload,
    decode_reply,
    reply_frame,
)
from firmware_protocols.wiegand import WiegandCard, encode_bits, encode_bytes
from tests.support.waiting import wait_until

ADDRESS = 0x65
CARD = WiegandCard("H10301", 90, 324)
PD_ID = osdp.PdId(
    version=2, model=7, vendor_code=0xA1B2C3, serial_number=0x01020304, firmware_version=0x020103
)
CAPABILITIES = [
    (osdp.Capability.OutputControl, 1, 1),
    (osdp.Capability.LEDControl, 1, 1),
    (osdp.Capability.AudibleControl, 1, 1),
]


class Pipe(osdp.Channel):  # type: ignore[misc]
    """One end of an in-memory link: reads ``rx``, writes ``tx``, logs every write."""

    def __init__(self, rx: bytearray, tx: bytearray) -> None:
        super().__init__()
        self.rx, self.tx = rx, tx
        self.writes: list[bytes] = []

    def read(self, max_bytes: int) -> bytes:
        data = bytes(self.rx[:max_bytes])
        del self.rx[:max_bytes]
        return data

    def write(self, buf: bytes) -> int:
        self.tx.extend(buf)
        self.writes.append(bytes(buf))
        return len(buf)

    def flush(self) -> None:
        pass


@dataclass
class PdPeer:
    """A libosdp PD; ``to_pd``/``from_pd`` are the bytes on its wire."""

    device: Any
    to_pd: bytearray
    from_pd: bytearray
    commands: list[dict[str, Any]] = field(default_factory=list)
    sequence: int = 0

    def exchange(self, payload: CommandPayload) -> bytes:
        """Send one of our command frames, return the PD's reply bytes."""
        frame = command_frame(payload, address=ADDRESS, sequence=self.sequence)
        self.sequence = self.sequence % 3 + 1  # 0 first (reset), then 1, 2, 3, 1 ...
        self.to_pd.extend(encode_frame(frame))

        def replied() -> bool:
            self.device.ctx.refresh()
            return bool(self.from_pd)

        wait_until(replied, what="a reply from the libosdp PD")
        reply = bytes(self.from_pd)
        self.from_pd.clear()
        return reply


@pytest.fixture
def pd_peer() -> Iterator[PdPeer]:
    to_pd, from_pd = bytearray(), bytearray()
    peer = PdPeer(device=None, to_pd=to_pd, from_pd=from_pd)

    def on_command(command: dict[str, Any]) -> tuple[int, None]:
        peer.commands.append(command)
        return 0, None

    peer.device = osdp.PeripheralDevice(
        osdp.PDInfo(ADDRESS, Pipe(to_pd, from_pd), id=PD_ID),
        osdp.PDCapabilities(CAPABILITIES),
        log_level=osdp.LogLevel.Error,
        command_handler=on_command,
    )
    yield peer


def test_libosdp_pd_understands_our_status_commands(pd_peer: PdPeer) -> None:
    ack = pd_peer.exchange(Poll())
    assert ack == bytes.fromhex("53e508000440d296")  # the golden ACK of the shared vectors
    assert decode_reply(read_frame(ack)[0]) == Ack()

    raw = pd_peer.exchange(IdRequest())
    frame, _ = read_frame(raw)
    expected = PdIdReply(0xA1B2C3, 7, 2, 0x01020304, 2, 1, 3)
    assert decode_reply(frame) == expected
    assert encode_frame(reply_frame(expected, address=ADDRESS, sequence=1)) == raw

    caps = decode_reply(read_frame(pd_peer.exchange(CapRequest()))[0])
    assert isinstance(caps, PdCapReply)
    for function, compliance, count in CAPABILITIES:
        assert Capability(function, compliance, count) in caps.capabilities

    lstat = decode_reply(read_frame(pd_peer.exchange(LocalStatusRequest()))[0])
    assert lstat == LocalStatusReply(tamper=0, power=0)


def test_libosdp_pd_parses_our_door_commands(pd_peer: PdPeer) -> None:
    pd_peer.exchange(Poll())
    allowlist = AllowList(7, (AllowEntry("H10301", 90, 324), AllowEntry("H10306", 1000, 5)))
    payloads = [*door.granted(3000), *door.denied(), *allowlist_commands(allowlist)]
    for payload in payloads:
        assert decode_reply(read_frame(pd_peer.exchange(payload))[0]) == Ack()
    out, led_green, beep, led_red, beeps, mfg = pd_peer.commands
    assert out == {
        "command": osdp.Command.Output,
        "output_no": 0,
        "control_code": 5,
        "timer_count": 30,
    }
    assert led_green == {
        "command": osdp.Command.LED,
        "temporary": True,
        "reader": 0,
        "led_number": 0,
        "control_code": 2,
        "on_count": 10,
        "off_count": 0,
        "on_color": osdp.CommandLEDColor.Green,
        "off_color": osdp.CommandLEDColor.Green,
        "timer_count": 30,
    }
    assert beep == {
        "command": osdp.Command.Buzzer,
        "reader": 0,
        "control_code": 2,
        "on_count": 1,
        "off_count": 0,
        "rep_count": 1,
    }
    assert led_red["on_color"] == osdp.CommandLEDColor.Red and led_red["timer_count"] == 20
    assert (beeps["on_count"], beeps["off_count"], beeps["rep_count"]) == (1, 1, 2)
    (chunk,) = allowlist_commands(allowlist)
    assert mfg == {
        "command": osdp.Command.Manufacturer,
        "vendor_code": VENDOR_CODE,
        "data": chunk.data,
    }


def _poll_for_report(peer: PdPeer, event: dict[str, Any]) -> bytes:
    peer.device.ctx.submit_event(event)
    return peer.exchange(Poll())


def test_libosdp_pd_reports_match_our_encoder(pd_peer: PdPeer) -> None:
    pd_peer.exchange(Poll())
    card_raw = _poll_for_report(
        pd_peer,
        {
            "event": osdp.Event.CardRead,
            "reader_no": 0,
            "format": osdp.CardFormat.Wiegand,
            "direction": 0,
            "length": 26,
            "data": encode_bytes(CARD),
        },
    )
    frame, _ = read_frame(card_raw)
    expected_card = RawCardReply(0, encode_bits(CARD))
    assert decode_reply(frame) == expected_card
    assert encode_frame(reply_frame(expected_card, address=ADDRESS, sequence=1)) == card_raw

    raw = _poll_for_report(pd_peer, {"event": osdp.Event.KeyPress, "reader_no": 0, "data": b"1234"})
    frame, _ = read_frame(raw)
    expected_keys = KeypadReply(0, "1234")
    assert decode_reply(frame) == expected_keys
    assert encode_frame(reply_frame(expected_keys, address=ADDRESS, sequence=2)) == raw

    # and the hub reads libosdp's frames, carried in a report envelope, as events
    envelope = encode_report(1, 1_700_000_000_000, [Ack()])
    envelope = envelope[:16] + card_raw + raw  # header, then libosdp's own frames
    card, keys = DEFINITIONS[0].session("door-1").decode("up", envelope)
    assert card.data["facility"] == 90 and card.data["card"] == 324  # type: ignore[union-attr]
    assert keys.data["digits"] == "1234"  # type: ignore[union-attr]


def _until(condition: Callable[[], bool], *contexts: Any, what: str) -> None:
    def step() -> bool:
        for ctx in contexts:
            ctx.refresh()
        return condition()

    wait_until(step, what=what)


def test_libosdp_cp_frames_on_the_wire_match_ours() -> None:
    cp_to_pd, pd_to_cp = bytearray(), bytearray()
    cp_pipe, pd_pipe = Pipe(pd_to_cp, cp_to_pd), Pipe(cp_to_pd, pd_to_cp)
    received: list[dict[str, Any]] = []
    pd = osdp.PeripheralDevice(
        osdp.PDInfo(ADDRESS, pd_pipe, id=PD_ID),
        osdp.PDCapabilities(CAPABILITIES),
        log_level=osdp.LogLevel.Error,
        command_handler=lambda command: (received.append(command), (0, None))[1],
    )
    cp = osdp.ControlPanel([osdp.PDInfo(ADDRESS, cp_pipe)], log_level=osdp.LogLevel.Error)
    _until(lambda: bool(cp.ctx.status() & 1), cp.ctx, pd.ctx, what="libosdp PD online")
    chunk = allowlist_commands(AllowList(3, (AllowEntry("H10301", 90, 324),)))[0]
    for command in (
        {"command": osdp.Command.Output, "output_no": 0, "control_code": 5, "timer_count": 30},
        {
            "command": osdp.Command.LED,
            "reader": 0,
            "led_number": 0,
            "control_code": 2,
            "on_count": 10,
            "off_count": 0,
            "on_color": osdp.CommandLEDColor.Green,
            "off_color": osdp.CommandLEDColor.Green,
            "timer_count": 30,
            "temporary": True,
        },
        {
            "command": osdp.Command.Buzzer,
            "reader": 0,
            "control_code": 2,
            "on_count": 1,
            "off_count": 0,
            "rep_count": 1,
        },
        {"command": osdp.Command.Manufacturer, "vendor_code": VENDOR_CODE, "data": chunk.data},
    ):
        cp.ctx.submit_command(0, command)
    _until(lambda: len(received) == 4, cp.ctx, pd.ctx, what="four commands at the PD")

    sent = split_frames(b"".join(cp_pipe.writes))  # libosdp leads frames with 0xFF marks
    replies = split_frames(b"".join(pd_pipe.writes))
    assert all(not f.reply for f in sent) and all(f.reply for f in replies)
    assert sent[0].code == CommandCode.ID and decode_reply(replies[0]) == PdIdReply(
        0xA1B2C3, 7, 2, 0x01020304, 2, 1, 3
    )
    ours: list[CommandPayload] = [*door.granted(3000), chunk]
    theirs = [f for f in sent if f.code in (0x68, 0x69, 0x6A, 0x80)]
    assert [decode_command(f) for f in theirs] == ours
    for frame, payload in zip(theirs, ours, strict=True):
        mine = command_frame(payload, address=ADDRESS, sequence=frame.sequence)
        assert mine == frame
        assert encode_frame(mine, mark=True) in b"".join(cp_pipe.writes)


class OurPd:
    """A minimal PD made of our codec, answering a libosdp CP."""

    def __init__(self, rx: bytearray, tx: bytearray) -> None:
        self.rx, self.tx = rx, tx
        self.pending: list[ReplyPayload] = []

    def answer(self, command: Frame) -> ReplyPayload:
        payload = decode_command(command)
        if isinstance(payload, IdRequest):
            return PdIdReply(0xA1B2C3, 7, 2, 0x01020304, 2, 1, 3)
        if isinstance(payload, CapRequest):
            return PdCapReply(tuple(Capability(*c) for c in CAPABILITIES))
        if isinstance(payload, Poll) and self.pending:
            return self.pending.pop(0)
        return Ack()

    def refresh(self) -> None:
        while self.rx:
            try:
                frame, end = read_frame(bytes(self.rx))
            except OsdpError as exc:
                if exc.reason == "truncated":  # wait for the rest of the frame
                    return
                raise
            del self.rx[:end]
            reply = reply_frame(self.answer(frame), address=ADDRESS, sequence=frame.sequence)
            self.tx.extend(encode_frame(reply))


def test_our_reply_frames_drive_a_libosdp_cp() -> None:
    cp_to_pd, pd_to_cp = bytearray(), bytearray()
    events: list[dict[str, Any]] = []
    cp = osdp.ControlPanel(
        [osdp.PDInfo(ADDRESS, Pipe(pd_to_cp, cp_to_pd))],
        log_level=osdp.LogLevel.Error,
        event_handler=lambda pd, event: (events.append(event), 0)[1],
    )
    ours = OurPd(cp_to_pd, pd_to_cp)
    _until(lambda: bool(cp.ctx.status() & 1), cp.ctx, ours, what="our PD online at libosdp")
    pd_id = cp.ctx.get_pd_id(0)
    assert (pd_id["vendor_code"], pd_id["serial_number"]) == (0xA1B2C3, 0x01020304)
    ours.pending.append(RawCardReply(0, encode_bits(CARD)))
    ours.pending.append(KeypadReply(0, "42"))
    _until(lambda: len(events) >= 2, cp.ctx, ours, what="card and keypad events at libosdp")
    card, keys = events[:2]
    assert card["event"] == osdp.Event.CardRead and card["length"] == 26
    assert card["format"] == osdp.CardFormat.Wiegand and card["data"] == encode_bytes(CARD)
    assert keys["event"] == osdp.Event.KeyPress and keys["data"] == b"42"
