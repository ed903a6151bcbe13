"""OSDP packet framing: one frame to bytes and back, and runs of concatenated frames.

Layout (offsets within the frame, after an optional 0xFF mark byte)::

    0     SOM 0x53
    1     address (0x00-0x7E, 0x7F broadcast); bit 7 set on replies from the PD
    2-3   length of the whole frame, SOM to check character(s) inclusive, little endian
    4     control: bits 0-1 sequence, bit 2 CRC (set) or checksum (clear),
          bit 3 security control block present
    5     [security control block: length (counting itself), type, data] if bit 3
    .     command or reply code
    .     data
    .     [4-byte MAC for security block types 0x15-0x18]
    end   CRC-16/AUG-CCITT LSB, MSB (2 bytes) or 8-bit checksum (1 byte)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from firmware_protocols.osdp.codes import (
    BROADCAST,
    CTRL_CRC,
    CTRL_SECURITY,
    CTRL_SEQUENCE,
    MARK,
    REPLY_BIT,
    SOM,
)
from firmware_protocols.osdp.crc import checksum8, crc16
from firmware_protocols.osdp.errors import OsdpError

HEADER_LEN = 5  # SOM, address, length LSB, length MSB, control
MAX_FRAME_LEN = 0xFFFF
MAC_LEN = 4
_MAC_TYPES = range(0x15, 0x19)  # SCS_15..SCS_18 carry a MAC before the check characters


@dataclass(frozen=True, slots=True)
class Frame:
    """One OSDP packet. ``address`` excludes the reply bit, which ``reply`` carries.

    ``security_block`` is the whole security control block (its length byte, type and
    data) when control bit 3 is set; ``mac`` the 4-byte MAC of types 0x15-0x18.
    """

    address: int
    code: int
    data: bytes = b""
    sequence: int = 0
    reply: bool = False
    use_crc: bool = True
    security_block: bytes | None = None
    mac: bytes | None = None


def _check_encodable(frame: Frame) -> None:
    if not 0 <= frame.address <= BROADCAST:
        raise OsdpError("bad_value", f"address {frame.address} outside 0-127")
    if not 0 <= frame.sequence <= 3:
        raise OsdpError("bad_value", f"sequence {frame.sequence} outside 0-3")
    if not 0 <= frame.code <= 0xFF:
        raise OsdpError("bad_value", f"code {frame.code} outside 0-255")
    block = frame.security_block
    if block is not None and (len(block) < 2 or block[0] != len(block)):
        raise OsdpError("bad_security_block", "length byte must count the whole block (>= 2)")
    wants_mac = block is not None and block[1] in _MAC_TYPES
    if wants_mac != (frame.mac is not None) or (frame.mac is not None and len(frame.mac) != 4):
        raise OsdpError("bad_security_block", "a 4-byte MAC goes with block types 0x15-0x18")


def encode_frame(frame: Frame, *, mark: bool = False) -> bytes:
    """The bytes of ``frame`` with its check characters; optionally led by 0xFF."""
    _check_encodable(frame)
    control = frame.sequence | (CTRL_CRC if frame.use_crc else 0)
    block = frame.security_block or b""
    if frame.security_block is not None:
        control |= CTRL_SECURITY
    body = block + bytes((frame.code,)) + frame.data + (frame.mac or b"")
    length = HEADER_LEN + len(body) + (2 if frame.use_crc else 1)
    if length > MAX_FRAME_LEN:
        raise OsdpError("too_long", f"frame of {length} bytes exceeds {MAX_FRAME_LEN}")
    address = frame.address | (REPLY_BIT if frame.reply else 0)
    head = bytes((SOM, address, length & 0xFF, length >> 8, control)) + body
    if frame.use_crc:
        crc = crc16(head)
        tail = bytes((crc & 0xFF, crc >> 8))
    else:
        tail = bytes((checksum8(head),))
    return (b"\xff" if mark else b"") + head + tail


def read_frame(buf: bytes, pos: int = 0) -> tuple[Frame, int]:
    """Parse the frame starting at ``pos`` (a 0xFF mark byte there is skipped).

    Returns the frame and the offset just past it; raises OsdpError on anything wrong.
    """
    if pos < len(buf) and buf[pos] == MARK:
        pos += 1
    if len(buf) - pos < HEADER_LEN:
        raise OsdpError("truncated", f"{len(buf) - pos} bytes cannot hold a frame header")
    if buf[pos] != SOM:
        raise OsdpError("bad_som", f"expected 0x53, got 0x{buf[pos]:02x}")
    length = buf[pos + 2] | buf[pos + 3] << 8
    control = buf[pos + 4]
    use_crc = bool(control & CTRL_CRC)
    check_len = 2 if use_crc else 1
    if length < HEADER_LEN + 1 + check_len:
        raise OsdpError("bad_length", f"length field {length} is shorter than a frame")
    end = pos + length
    if end > len(buf):
        raise OsdpError("truncated", f"length field says {length}, {len(buf) - pos} present")
    head = buf[pos : end - check_len]
    if use_crc:
        if crc16(head) != buf[end - 2] | buf[end - 1] << 8:
            raise OsdpError("bad_crc", "CRC-16 does not match")
    elif checksum8(head) != buf[end - 1]:
        raise OsdpError("bad_checksum", "checksum does not match")
    body = head[HEADER_LEN:]
    block: bytes | None = None
    mac: bytes | None = None
    if control & CTRL_SECURITY:
        block_len = body[0]
        if block_len < 2 or block_len >= len(body):
            raise OsdpError("bad_security_block", f"block length {block_len} does not fit")
        block, body = body[:block_len], body[block_len:]
        if block[1] in _MAC_TYPES:
            if len(body) < 1 + MAC_LEN:
                raise OsdpError("bad_security_block", "no room for the MAC")
            body, mac = body[:-MAC_LEN], body[-MAC_LEN:]
    address = buf[pos + 1]
    frame = Frame(
        address=address & ~REPLY_BIT,
        code=body[0],
        data=bytes(body[1:]),
        sequence=control & CTRL_SEQUENCE,
        reply=bool(address & REPLY_BIT),
        use_crc=use_crc,
        security_block=None if block is None else bytes(block),
        mac=None if mac is None else bytes(mac),
    )
    return frame, end


def parse_frame(buf: bytes) -> Frame:
    """Exactly one frame (optionally led by 0xFF); trailing bytes are an error."""
    frame, end = read_frame(buf)
    if end != len(buf):
        raise OsdpError("trailing_bytes", f"{len(buf) - end} bytes after the frame")
    return frame


def split_frames(buf: bytes) -> tuple[Frame, ...]:
    """One or more concatenated frames, each optionally led by 0xFF."""
    frames: list[Frame] = []
    pos = 0
    while True:
        frame, pos = read_frame(buf, pos)
        frames.append(frame)
        if pos == len(buf):
            return tuple(frames)


def join_frames(frames: Sequence[Frame]) -> bytes:
    """The frames encoded back to back (no mark bytes)."""
    return b"".join(encode_frame(frame) for frame in frames)


class Payload(Protocol):
    """A typed command or reply payload: its code and the data it encodes to."""

    @property
    def CODE(self) -> int: ...

    def to_data(self) -> bytes: ...


P = TypeVar("P")


def decode_payload(
    frame: Frame, parsers: Mapping[int, Callable[[bytes], P]], unknown: Callable[[int, bytes], P]
) -> P:
    """The typed payload of ``frame`` by its code (``unknown`` for a code without a
    parser); OsdpError if the frame is secured or its data malformed."""
    if frame.security_block is not None:
        raise OsdpError("secure_channel", "secure channel frames are not used over MQTT")
    return decode_data(frame.code, frame.data, parsers, unknown)


def decode_data(
    code: int,
    data: bytes,
    parsers: Mapping[int, Callable[[bytes], P]],
    unknown: Callable[[int, bytes], P],
) -> P:
    parser = parsers.get(code)
    return unknown(code, bytes(data)) if parser is None else parser(data)


def payload_frame(
    payload: Payload, *, address: int, sequence: int, reply: bool, use_crc: bool
) -> Frame:
    """The frame carrying ``payload``."""
    return Frame(
        address=address,
        code=payload.CODE,
        data=payload.to_data(),
        sequence=sequence,
        reply=reply,
        use_crc=use_crc,
    )
