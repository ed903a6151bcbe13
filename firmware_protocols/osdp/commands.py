"""Typed OSDP command payloads (CP -> PD) and their data layouts.

Every class has ``CODE`` and ``to_data()``; :func:`decode_command` turns a frame back into
one. Multi-byte numbers are little endian, times are in 100 ms units, as OSDP defines.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from firmware_protocols.osdp.codes import BROADCAST, CommandCode
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.frame import Frame, decode_data, decode_payload, payload_frame
from firmware_protocols.osdp.payload_shapes import RawPayload, VendorPayload


def pack(fmt: str, *values: int) -> bytes:
    """struct.pack that reports out-of-range values as OsdpError."""
    try:
        return struct.pack(fmt, *values)
    except struct.error as exc:
        raise OsdpError("bad_value", f"{values} do not fit {fmt!r}: {exc}") from exc


def records(data: bytes, size: int, what: str) -> list[bytes]:
    """Split ``data`` into whole records of ``size`` bytes (at least one)."""
    if not data or len(data) % size:
        raise OsdpError("bad_length", f"{what} needs a multiple of {size} bytes, got {len(data)}")
    return [data[i : i + size] for i in range(0, len(data), size)]


def exact(data: bytes, size: int, what: str) -> bytes:
    if len(data) != size:
        raise OsdpError("bad_length", f"{what} needs {size} bytes, got {len(data)}")
    return data


@dataclass(frozen=True, slots=True)
class Poll:
    """osdp_POLL: no data; the PD answers with ACK or a pending report."""

    CODE: ClassVar[int] = CommandCode.POLL

    def to_data(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class IdRequest:
    """osdp_ID: one byte, reply type (0 = standard PDID)."""

    reply_type: int = 0
    CODE: ClassVar[int] = CommandCode.ID

    def to_data(self) -> bytes:
        return pack("<B", self.reply_type)


@dataclass(frozen=True, slots=True)
class CapRequest:
    """osdp_CAP: one byte, reply type (0)."""

    reply_type: int = 0
    CODE: ClassVar[int] = CommandCode.CAP

    def to_data(self) -> bytes:
        return pack("<B", self.reply_type)


@dataclass(frozen=True, slots=True)
class LocalStatusRequest:
    """osdp_LSTAT: no data; answered with osdp_LSTATR."""

    CODE: ClassVar[int] = CommandCode.LSTAT

    def to_data(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class InputStatusRequest:
    """osdp_ISTAT: no data; answered with osdp_ISTATR."""

    CODE: ClassVar[int] = CommandCode.ISTAT

    def to_data(self) -> bytes:
        return b""


@dataclass(frozen=True, slots=True)
class OutputRecord:
    """One output of osdp_OUT: number, control code, timer (100 ms units)."""

    output: int
    control_code: int
    timer: int = 0


@dataclass(frozen=True, slots=True)
class OutCommand:
    """osdp_OUT: 4 bytes per output (number, control code, timer LSB, timer MSB)."""

    outputs: tuple[OutputRecord, ...]
    CODE: ClassVar[int] = CommandCode.OUT

    def to_data(self) -> bytes:
        if not self.outputs:
            raise OsdpError("bad_value", "osdp_OUT needs at least one output")
        return b"".join(pack("<BBH", o.output, o.control_code, o.timer) for o in self.outputs)


@dataclass(frozen=True, slots=True)
class LedTemporary:
    """Temporary LED state: control code, on/off time (100 ms), colours, timer (100 ms)."""

    control_code: int = 0
    on_time: int = 0
    off_time: int = 0
    on_color: int = 0
    off_color: int = 0
    timer: int = 0


@dataclass(frozen=True, slots=True)
class LedPermanent:
    """Permanent LED state: control code, on/off time (100 ms), colours."""

    control_code: int = 0
    on_time: int = 0
    off_time: int = 0
    on_color: int = 0
    off_color: int = 0


@dataclass(frozen=True, slots=True)
class LedRecord:
    """One 14-byte osdp_LED record: reader, LED number, temporary and permanent parts."""

    reader: int
    led: int
    temporary: LedTemporary
    permanent: LedPermanent


_LED = "<BBBBBBBHBBBBB"  # 14 bytes


@dataclass(frozen=True, slots=True)
class LedCommand:
    """osdp_LED: one or more 14-byte records."""

    records: tuple[LedRecord, ...]
    CODE: ClassVar[int] = CommandCode.LED

    def to_data(self) -> bytes:
        if not self.records:
            raise OsdpError("bad_value", "osdp_LED needs at least one record")
        out = []
        for r in self.records:
            t, p = r.temporary, r.permanent
            out.append(
                pack(
                    _LED,
                    r.reader,
                    r.led,
                    t.control_code,
                    t.on_time,
                    t.off_time,
                    t.on_color,
                    t.off_color,
                    t.timer,
                    p.control_code,
                    p.on_time,
                    p.off_time,
                    p.on_color,
                    p.off_color,
                )
            )
        return b"".join(out)


@dataclass(frozen=True, slots=True)
class BuzzerCommand:
    """osdp_BUZ: reader, tone code, on time, off time (100 ms), count (0 = until told)."""

    reader: int
    tone: int
    on_time: int
    off_time: int
    count: int
    CODE: ClassVar[int] = CommandCode.BUZ

    def to_data(self) -> bytes:
        return pack("<BBBBB", self.reader, self.tone, self.on_time, self.off_time, self.count)


@dataclass(frozen=True, slots=True)
class MfgCommand(VendorPayload):
    """osdp_MFG: 3-byte vendor code (sent least significant byte first) and vendor data."""

    CODE: ClassVar[int] = CommandCode.MFG
    NAME: ClassVar[str] = "osdp_MFG"


_FILE_HEADER = struct.Struct("<BIIH")  # 11 bytes


@dataclass(frozen=True, slots=True)
class FileTransfer:
    """osdp_FILETRANSFER: file type u8, total size u32, offset u32, fragment length u16,
    then the fragment. Type 1 is "opaque file contents recognisable by this PD"; a
    fragment of length 0 is an idle message that only keeps the transfer going."""

    file_type: int
    total_size: int
    offset: int
    data: bytes = b""
    CODE: ClassVar[int] = CommandCode.FILETRANSFER

    def to_data(self) -> bytes:
        if self.offset + len(self.data) > self.total_size:
            raise OsdpError("bad_value", "a fragment must end within the file")
        try:
            head = _FILE_HEADER.pack(self.file_type, self.total_size, self.offset, len(self.data))
        except struct.error as exc:
            raise OsdpError("bad_value", f"osdp_FILETRANSFER field out of range: {exc}") from exc
        return head + self.data


def _file_transfer(data: bytes) -> FileTransfer:
    if len(data) < _FILE_HEADER.size:
        raise OsdpError("bad_length", "osdp_FILETRANSFER needs an 11-byte header")
    file_type, total, offset, length = _FILE_HEADER.unpack_from(data)
    if len(data) != _FILE_HEADER.size + length:
        raise OsdpError("bad_length", f"osdp_FILETRANSFER says {length} bytes of data")
    if offset + length > total:
        raise OsdpError("bad_value", "osdp_FILETRANSFER fragment ends past the file")
    return FileTransfer(file_type, total, offset, bytes(data[_FILE_HEADER.size :]))


@dataclass(frozen=True, slots=True)
class UnknownCommand(RawPayload):
    """A command code this codec does not interpret, kept as raw data."""


CommandPayload = (
    Poll
    | IdRequest
    | CapRequest
    | LocalStatusRequest
    | InputStatusRequest
    | OutCommand
    | LedCommand
    | BuzzerCommand
    | MfgCommand
    | FileTransfer
    | UnknownCommand
)


def _empty(
    kind: type[Poll | LocalStatusRequest | InputStatusRequest],
) -> Callable[[bytes], CommandPayload]:
    def parse(data: bytes) -> CommandPayload:
        exact(data, 0, kind.__name__)
        return kind()

    return parse


def _led(chunk: bytes) -> LedRecord:
    v = struct.unpack(_LED, chunk)
    return LedRecord(v[0], v[1], LedTemporary(*v[2:8]), LedPermanent(*v[8:13]))


_PARSERS: Mapping[int, Callable[[bytes], CommandPayload]] = MappingProxyType(
    {
        CommandCode.POLL: _empty(Poll),
        CommandCode.ID: lambda d: IdRequest(exact(d, 1, "osdp_ID")[0]),
        CommandCode.CAP: lambda d: CapRequest(exact(d, 1, "osdp_CAP")[0]),
        CommandCode.LSTAT: _empty(LocalStatusRequest),
        CommandCode.ISTAT: _empty(InputStatusRequest),
        CommandCode.OUT: lambda d: OutCommand(
            tuple(OutputRecord(*struct.unpack("<BBH", r)) for r in records(d, 4, "osdp_OUT"))
        ),
        CommandCode.LED: lambda d: LedCommand(tuple(_led(r) for r in records(d, 14, "osdp_LED"))),
        CommandCode.BUZ: lambda d: BuzzerCommand(*exact(d, 5, "osdp_BUZ")),
        CommandCode.MFG: MfgCommand.from_data,
        CommandCode.FILETRANSFER: _file_transfer,
    }
)


def decode_command_data(code: int, data: bytes) -> CommandPayload:
    """The typed payload for a command code and its data; unknown codes stay raw."""
    return decode_data(code, data, _PARSERS, UnknownCommand)


def decode_command(frame: Frame) -> CommandPayload:
    """The typed payload of a command frame; OsdpError if it is secured or malformed."""
    return decode_payload(frame, _PARSERS, UnknownCommand)


def command_frame(
    payload: CommandPayload, *, address: int = BROADCAST, sequence: int = 1, use_crc: bool = True
) -> Frame:
    """A command frame for ``payload`` (the hub addresses 0x7F, the broadcast address)."""
    return payload_frame(payload, address=address, sequence=sequence, reply=False, use_crc=use_crc)
