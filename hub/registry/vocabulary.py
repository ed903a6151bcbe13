"""The registry's closed vocabularies and the naming rules every code and id obeys.

Codes and device ids end up in MQTT topics, ACL patterns and (codes) SQL ``LIKE``
prefixes, so they are restricted to characters that are inert in all of them.
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

from firmware_protocols.base import DEVICE_KINDS, DeviceKind

__all__ = [
    "CARD_FORMATS",
    "CARD_LIMITS",
    "COMPARTMENT_SIZES",
    "CREDENTIAL_KINDS",
    "DEVICE_ID_RULE",
    "DEVICE_KINDS",
    "LEVELS",
    "MAX_DEVICE_ID_LENGTH",
    "NODE_LEVEL_FOR_KIND",
    "PROTOCOLS",
    "PROTOCOL_FOR_KIND",
    "ROLES",
    "CardFormat",
    "CompartmentSize",
    "CredentialKind",
    "DeviceKind",
    "Level",
    "ProtocolName",
    "Role",
    "is_code",
    "is_device_id",
]

Level = Literal["city", "district", "subdistrict", "community", "building"]
LEVELS: Final[tuple[Level, ...]] = get_args(Level)

ProtocolName = Literal["lockerlink", "sparkplug_b", "osdp"]
PROTOCOLS: Final[tuple[ProtocolName, ...]] = get_args(ProtocolName)

CompartmentSize = Literal["S", "M", "L"]
COMPARTMENT_SIZES: Final[tuple[CompartmentSize, ...]] = get_args(CompartmentSize)

CredentialKind = Literal["card", "pin"]
CREDENTIAL_KINDS: Final[tuple[CredentialKind, ...]] = get_args(CredentialKind)

CardFormat = Literal["H10301", "H10306"]
CARD_FORMATS: Final[tuple[CardFormat, ...]] = get_args(CardFormat)

Role = Literal["operator", "resident"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

PROTOCOL_FOR_KIND: Final[dict[DeviceKind, ProtocolName]] = {
    "locker": "lockerlink",
    "vending": "sparkplug_b",
    "door": "osdp",
}
"""Each kind speaks exactly one protocol."""

NODE_LEVEL_FOR_KIND: Final[dict[DeviceKind, Level]] = {
    "locker": "community",
    "vending": "community",
    "door": "building",
}
"""Where a device of each kind is installed."""

CARD_LIMITS: Final[dict[CardFormat, tuple[int, int]]] = {
    "H10301": (0xFF, 0xFFFF),  # Wiegand 26: 8-bit facility, 16-bit card number
    "H10306": (0xFFFF, 0xFFFF),  # Wiegand 34: 16-bit facility, 16-bit card number
}
"""Largest facility code and card number of each card format."""

_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_CODE_LENGTH: Final = 48
MAX_DEVICE_ID_LENGTH: Final = 128
DEVICE_ID_RULE: Final = (
    "1 to 128 ASCII letters (either case), digits, '-', '_' or '.', starting with a letter or digit"
)


def is_code(value: str) -> bool:
    """A node code: lowercase letters, digits and single inner hyphens (``wuxi-binhu``)."""
    return len(value) <= MAX_CODE_LENGTH and _CODE.fullmatch(value) is not None


def is_device_id(value: str) -> bool:
    """A device id (:data:`DEVICE_ID_RULE`): ``locker-0001``, ``LK-0412``, ``vm_12.a``.

    Inert in MQTT topics (no ``/``, ``+``, ``#``), Mosquitto password and ACL files (no
    ``:``, spaces or ``%``) and Sparkplug ids. Ids are case-sensitive, as topics are; the
    registry refuses an id that differs from a registered one only in case
    (:func:`hub.registry.device_writes.case_twin`), so no two devices are told apart by
    case alone."""
    return len(value) <= MAX_DEVICE_ID_LENGTH and _DEVICE_ID.fullmatch(value) is not None
