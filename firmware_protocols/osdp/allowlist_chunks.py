"""The offline allow-list, pushed to door units as osdp_MFG commands of our vendor code.

Vendor code 02 48 55 (bytes in wire order; the int ``0x554802`` sent least significant byte
first). 0x02 in the first OUI octet is the IEEE "locally administered" bit, so no
manufacturer can hold this code. MFG data after the vendor code (little endian, like OSDP)::

    0      sub-command 0x01 = allow-list chunk
    1-4    allow-list version u32
    5-6    chunk index u16 (0-based)
    7-8    chunk count u16 (1-65535)
    9-10   entries in this chunk u16 (0-7)
    11...  entries, 7 bytes each: format u8 (1 = H10301 26-bit, 2 = H10306 34-bit),
           facility u16, card number u32

At most 7 entries per chunk keep the MFG data within 64 bytes, the limit of common OSDP
stacks (libosdp refuses more). One command envelope carries every chunk of a version, in
order; the unit replaces its whole list with the new one only when all chunks decode.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from firmware_protocols.osdp.commands import MfgCommand, pack
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.wiegand import FORMATS, WiegandCard, WiegandFormat

VENDOR_CODE = 0x554802  # wire bytes 02 48 55
SUBCOMMAND_ALLOWLIST = 0x01
MAX_ENTRIES_PER_CHUNK = 7
MAX_CHUNKS = 0xFFFF
FORMAT_CODES: MappingProxyType[str, int] = MappingProxyType({"H10301": 1, "H10306": 2})
_FORMAT_NAMES: MappingProxyType[int, WiegandFormat] = MappingProxyType({1: "H10301", 2: "H10306"})
_HEADER = struct.Struct("<BIHHH")  # 11 bytes
_ENTRY = struct.Struct("<BHI")  # 7 bytes


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One credential the unit may admit on its own: card format, facility, card number."""

    format: WiegandFormat
    facility: int
    card: int


@dataclass(frozen=True, slots=True)
class AllowList:
    """A versioned allow-list; ``allows`` is the unit's offline decision."""

    version: int
    entries: tuple[AllowEntry, ...]

    def allows(self, card: WiegandCard) -> bool:
        return AllowEntry(card.format, card.facility, card.card) in self.entries


def _entry_bytes(entry: AllowEntry) -> bytes:
    spec = FORMATS.get(entry.format)
    if spec is None:
        raise OsdpError("bad_value", f"unknown card format {entry.format!r}")
    if (
        not 0 <= entry.facility < 1 << spec.facility_bits
        or not 0 <= entry.card < 1 << spec.card_bits
    ):
        raise OsdpError("bad_value", f"facility or card out of range for {entry.format}")
    return _ENTRY.pack(FORMAT_CODES[entry.format], entry.facility, entry.card)


def allowlist_commands(allowlist: AllowList) -> tuple[MfgCommand, ...]:
    """The osdp_MFG commands carrying ``allowlist`` (one per chunk of up to 7 entries)."""
    entries = allowlist.entries
    chunks = [
        entries[i : i + MAX_ENTRIES_PER_CHUNK]
        for i in range(0, len(entries), MAX_ENTRIES_PER_CHUNK)
    ] or [()]
    if len(chunks) > MAX_CHUNKS:
        raise OsdpError("too_long", f"{len(entries)} entries exceed {MAX_CHUNKS} chunks")
    commands = []
    for index, chunk in enumerate(chunks):
        head = pack(
            "<BIHHH", SUBCOMMAND_ALLOWLIST, allowlist.version, index, len(chunks), len(chunk)
        )
        body = b"".join(_entry_bytes(entry) for entry in chunk)
        commands.append(MfgCommand(VENDOR_CODE, head + body))
    return tuple(commands)


def is_allowlist(command: MfgCommand) -> bool:
    """Whether an osdp_MFG command is one of our allow-list chunks."""
    return command.vendor_code == VENDOR_CODE and command.data[:1] == bytes((SUBCOMMAND_ALLOWLIST,))


def _chunk(command: MfgCommand) -> tuple[int, int, int, list[AllowEntry]]:
    data = command.data
    if not is_allowlist(command):
        raise OsdpError("not_allowlist", "osdp_MFG is not an allow-list chunk of our vendor code")
    if len(data) < _HEADER.size:
        raise OsdpError("bad_length", "allow-list chunk header is 11 bytes")
    _, version, index, count, n = _HEADER.unpack_from(data)
    if n > MAX_ENTRIES_PER_CHUNK or len(data) != _HEADER.size + n * _ENTRY.size:
        raise OsdpError("bad_length", f"allow-list chunk says {n} entries")
    entries = []
    for offset in range(_HEADER.size, len(data), _ENTRY.size):
        code, facility, card = _ENTRY.unpack_from(data, offset)
        fmt = _FORMAT_NAMES.get(code)
        if fmt is None:
            raise OsdpError("bad_value", f"unknown allow-list card format {code}")
        spec = FORMATS[fmt]
        if facility >= 1 << spec.facility_bits or card >= 1 << spec.card_bits:
            raise OsdpError("bad_value", f"facility or card out of range for {fmt}")
        entries.append(AllowEntry(fmt, facility, card))
    return version, index, count, entries


def allowlist_from_commands(commands: Sequence[MfgCommand]) -> AllowList:
    """Reassemble an allow-list from its chunks (all of one version, in order)."""
    if not commands:
        raise OsdpError("no_frames", "an allow-list needs at least one chunk")
    chunks = [_chunk(command) for command in commands]
    version = chunks[0][0]
    for position, (chunk_version, index, count, _) in enumerate(chunks):
        if chunk_version != version or index != position or count != len(chunks):
            raise OsdpError("bad_chunks", "allow-list chunks are mixed, missing or out of order")
    return AllowList(version, tuple(entry for *_, entries in chunks for entry in entries))
