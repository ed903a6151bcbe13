"""Typed OSDP reply payloads (PD -> CP) and their data layouts.

Every class has ``CODE`` and ``to_data()``; :func:`decode_reply` turns a frame back into one.
The reply bit of the address is not required on the way in (some implementations omit it).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from firmware_protocols.osdp.codes import RawFormat, ReplyCode
from firmware_protocols.osdp.commands import exact, pack, records
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, decode_data, decode_payload, payload_frame
from firmware_protocols.osdp.payload_shapes import (
    RawPayload,
    VendorPayload,
    vendor_code_bytes,
    vendor_code_of,
)
from firmware_protocols.wiegand import bits_to_bytes, bytes_to_bits


@dataclass(frozen=True, slots=True)
class Ack:
    """osdp_ACK: no data."""

    CODE: ClassVar[int] = ReplyCode.ACK

    def to_data(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class Nak:
    """osdp_NAK: error code (see ``codes.NakError``), optionally followed by detail bytes."""

    error: int
    detail: bytes = b""
    CODE: ClassVar[int] = ReplyCode.NAK

    def to_data(self) -> bytes:
        return pack("<B", self.error) + self.detail


@dataclass(frozen=True, slots=True)
class PdIdReply:
    """osdp_PDID (12 bytes): vendor code (3, LSB first), model, version, serial number
    (4, little endian), firmware major, minor, build."""

    vendor_code: int
    model: int
    version: int
    serial: int
    firmware_major: int
    firmware_minor: int
    firmware_build: int
    CODE: ClassVar[int] = ReplyCode.PDID

    def to_data(self) -> bytes:
        return vendor_code_bytes(self.vendor_code) + pack(
            "<BBIBBB",
            self.model,
            self.version,
            self.serial,
            self.firmware_major,
            self.firmware_minor,
            self.firmware_build,
        )


@dataclass(frozen=True, slots=True)
class Capability:
    """One osdp_PDCAP entry: function code, compliance level, number of items."""

    function: int
    compliance: int
    count: int


@dataclass(frozen=True, slots=True)
class PdCapReply:
    """osdp_PDCAP: 3 bytes per capability."""

    capabilities: tuple[Capability, ...]
    CODE: ClassVar[int] = ReplyCode.PDCAP

    def to_data(self) -> bytes:
        if not self.capabilities:
            raise OsdpError("bad_value", "osdp_PDCAP needs at least one capability")
        return b"".join(pack("<BBB", c.function, c.compliance, c.count) for c in self.capabilities)


@dataclass(frozen=True, slots=True)
class LocalStatusReply:
    """osdp_LSTATR: tamper (0 normal, 1 tamper), power (0 normal, 1 power failure)."""

    tamper: int
    power: int
    CODE: ClassVar[int] = ReplyCode.LSTATR

    def to_data(self) -> bytes:
        return pack("<BB", self.tamper, self.power)


@dataclass(frozen=True, slots=True)
class InputStatusReply:
    """osdp_ISTATR: one byte per input, 0 inactive, 1 active."""

    states: tuple[int, ...]
    CODE: ClassVar[int] = ReplyCode.ISTATR

    def to_data(self) -> bytes:
        return pack(f"<{len(self.states)}B", *self.states)


@dataclass(frozen=True, slots=True)
class RawCardReply:
    """osdp_RAW: reader, format code, bit count (2 bytes LE), bits packed MSB first."""

    reader: int
    bits: str
    format: int = RawFormat.WIEGAND
    CODE: ClassVar[int] = ReplyCode.RAW

    @property
    def bit_count(self) -> int:
        return len(self.bits)

    def to_data(self) -> bytes:
        if self.bits.strip("01"):
            raise OsdpError("bad_value", "osdp_RAW bits must be a string of 0 and 1")
        return pack("<BBH", self.reader, self.format, len(self.bits)) + bits_to_bytes(self.bits)


_KEY_TO_BYTE = MappingProxyType({"*": 0x7F, "#": 0x0D})
_BYTE_TO_KEY = MappingProxyType({0x7F: "*", 0x0D: "#"})


@dataclass(frozen=True, slots=True)
class KeypadReply:
    """osdp_KEYPAD: reader, digit count, one byte per key.

    Keys are ASCII: '0'-'9' as 0x30-0x39, '*' as 0x7F (DEL), '#' as 0x0D (CR), function
    keys 'A'-'H'. Other printable ASCII is read as itself (some PDs send '*' as 0x2A).
    """

    reader: int
    digits: str
    CODE: ClassVar[int] = ReplyCode.KEYPAD

    def to_data(self) -> bytes:
        keys = bytes(_KEY_TO_BYTE.get(k, ord(k)) for k in self.digits if " " <= k <= "~")
        if len(keys) != len(self.digits):
            raise OsdpError("bad_value", f"keypad digits {self.digits!r} are not printable ASCII")
        return pack("<BB", self.reader, len(keys)) + keys


_FTSTAT = struct.Struct("<BHhH")  # 7 bytes


@dataclass(frozen=True, slots=True)
class FileTransferStatus:
    """osdp_FTSTAT: action flags u8 (bit 0 interleave allowed, bit 1 leave secure channel,
    bit 2 poll response available), delay u16 (ms before the next fragment), status i16
    (see ``firmware_protocols.osdp.file_transfer.FtStatus``), update message max u16
    (largest osdp_FILETRANSFER the PD wants, 0 = no change)."""

    status: int
    action: int = 0
    delay_ms: int = 0
    update_msg_max: int = 0
    CODE: ClassVar[int] = ReplyCode.FTSTAT

    def to_data(self) -> bytes:
        try:
            return _FTSTAT.pack(self.action, self.delay_ms, self.status, self.update_msg_max)
        except struct.error as exc:
            raise OsdpError("bad_value", f"osdp_FTSTAT field out of range: {exc}") from exc


def _ftstat(data: bytes) -> FileTransferStatus:
    action, delay, status, msg_max = _FTSTAT.unpack(exact(data, _FTSTAT.size, "osdp_FTSTAT"))
    return FileTransferStatus(status, action, delay, msg_max)


@dataclass(frozen=True, slots=True)
class MfgReply(VendorPayload):
    """osdp_MFGREP: 3-byte vendor code (least significant byte first) and vendor data."""

    CODE: ClassVar[int] = ReplyCode.MFGREP
    NAME: ClassVar[str] = "osdp_MFGREP"


@dataclass(frozen=True, slots=True)
class UnknownReply(RawPayload):
    """A reply code this codec does not interpret, kept as raw data."""


ReplyPayload = (
    Ack
    | Nak
    | PdIdReply
    | PdCapReply
    | LocalStatusReply
    | InputStatusReply
    | RawCardReply
    | KeypadReply
    | FileTransferStatus
    | MfgReply
    | UnknownReply
)


def _ack(data: bytes) -> Ack:
    exact(data, 0, "osdp_ACK")
    return Ack()


def _nak(data: bytes) -> Nak:
    if not data:
        raise OsdpError("bad_length", "osdp_NAK needs an error code")
    return Nak(data[0], bytes(data[1:]))


def _pdid(data: bytes) -> PdIdReply:
    exact(data, 12, "osdp_PDID")
    return PdIdReply(vendor_code_of(data), *struct.unpack("<BBIBBB", data[3:]))


def _raw(data: bytes) -> RawCardReply:
    if len(data) < 4:
        raise OsdpError("bad_length", "osdp_RAW needs reader, format and bit count")
    reader, fmt, bit_count = struct.unpack("<BBH", data[:4])
    if len(data) - 4 != (bit_count + 7) // 8:
        raise OsdpError("bad_length", f"osdp_RAW: {len(data) - 4} bytes for {bit_count} bits")
    return RawCardReply(reader, bytes_to_bits(data[4:], bit_count), fmt)


def _keypad(data: bytes) -> KeypadReply:
    if len(data) < 2 or data[1] != len(data) - 2:
        raise OsdpError("bad_length", "osdp_KEYPAD digit count does not match its data")
    keys = []
    for byte in data[2:]:
        key = _BYTE_TO_KEY.get(byte)
        if key is None:
            if not 0x20 <= byte < 0x7F:
                raise OsdpError("bad_value", f"keypad byte 0x{byte:02x} is not a key")
            key = chr(byte)
        keys.append(key)
    return KeypadReply(data[0], "".join(keys))


_PARSERS: Mapping[int, Callable[[bytes], ReplyPayload]] = MappingProxyType(
    {
        ReplyCode.ACK: _ack,
        ReplyCode.NAK: _nak,
        ReplyCode.PDID: _pdid,
        ReplyCode.PDCAP: lambda d: PdCapReply(
            tuple(Capability(*r) for r in records(d, 3, "osdp_PDCAP"))
        ),
        ReplyCode.LSTATR: lambda d: LocalStatusReply(*exact(d, 2, "osdp_LSTATR")),
        ReplyCode.ISTATR: lambda d: InputStatusReply(tuple(d)),
        ReplyCode.RAW: _raw,
        ReplyCode.KEYPAD: _keypad,
        ReplyCode.FTSTAT: _ftstat,
        ReplyCode.MFGREP: MfgReply.from_data,
    }
)


def decode_reply_data(code: int, data: bytes) -> ReplyPayload:
    """The typed payload for a reply code and its data; unknown codes stay raw."""
    return decode_data(code, data, _PARSERS, UnknownReply)


def decode_reply(frame: Frame) -> ReplyPayload:
    """The typed payload of a reply frame; OsdpError if it is secured or malformed."""
    return decode_payload(frame, _PARSERS, UnknownReply)


def reply_frame(
    payload: ReplyPayload, *, address: int = 0, sequence: int = 0, use_crc: bool = True
) -> Frame:
    """A reply frame for ``payload`` from the PD at ``address`` (reply bit set)."""
    return payload_frame(payload, address=address, sequence=sequence, reply=True, use_crc=use_crc)
