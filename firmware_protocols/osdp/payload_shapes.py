"""Payload shapes that OSDP commands and replies share: a vendor-specific payload
(osdp_MFG and osdp_MFGREP) and a payload kept raw because its code is not interpreted.

Each command or reply subclasses one of these and adds only its ``CODE`` (and, for the
vendor ones, the name its errors use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from firmware_protocols.osdp.errors import OsdpError

VENDOR_CODE_LEN = 3  # an IEEE OUI, sent least significant byte first


def vendor_code_bytes(vendor_code: int) -> bytes:
    """The 3 wire bytes of a vendor code (LSB first); OsdpError if it does not fit."""
    if not 0 <= vendor_code <= 0xFFFFFF:
        raise OsdpError("bad_value", f"vendor code {vendor_code} is not 3 bytes")
    return vendor_code.to_bytes(VENDOR_CODE_LEN, "little")


def vendor_code_of(data: bytes) -> int:
    """The vendor code in the first 3 bytes of ``data`` (LSB first)."""
    return int.from_bytes(data[:VENDOR_CODE_LEN], "little")


@dataclass(frozen=True, slots=True)
class VendorPayload:
    """A 3-byte vendor code (least significant byte first), then vendor data."""

    vendor_code: int
    data: bytes = b""
    NAME: ClassVar[str] = "vendor payload"  # the OSDP name, for errors

    def to_data(self) -> bytes:
        return vendor_code_bytes(self.vendor_code) + self.data

    @classmethod
    def from_data(cls, data: bytes) -> Self:
        if len(data) < VENDOR_CODE_LEN:
            raise OsdpError("bad_length", f"{cls.NAME} needs a 3-byte vendor code")
        return cls(vendor_code_of(data), bytes(data[VENDOR_CODE_LEN:]))


@dataclass(frozen=True, slots=True)
class RawPayload:
    """A payload this codec does not interpret, kept as its code and raw data."""

    code: int
    data: bytes = b""

    @property
    def CODE(self) -> int:  # mirrors the ClassVar of the interpreted payloads
        return self.code

    def to_data(self) -> bytes:
        return self.data
