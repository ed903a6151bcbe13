"""What a registered device must satisfy, whichever way it arrives (API or CSV import).

Each check returns a problem (the field and why) or None, so the CSV importer can name a
line and the API a body field with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from firmware_protocols.codecs import Codecs, UnknownDefinition
from hub.registry.vocabulary import (
    DEVICE_ID_RULE,
    DEVICE_KINDS,
    NODE_LEVEL_FOR_KIND,
    PROTOCOL_FOR_KIND,
    DeviceKind,
    is_device_id,
)

TEXT_LIMITS: Final = {"vendor": 64, "model": 64, "firmware_version": 32, "name": 128}
FIRMWARE: Final = re.compile(r"v?\d+(?:\.\d+){0,3}(?:[-+][0-9A-Za-z.]+)?")


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


def id_problem(device_id: str, case_twin: str | None = None) -> Problem | None:
    """A bad id, or one that differs from the registered ``case_twin`` only in case."""
    if not is_device_id(device_id):
        return Problem("id", f"{device_id!r} is not a device id ({DEVICE_ID_RULE})")
    if case_twin is not None and case_twin != device_id:
        return Problem("id", f"{device_id!r} differs only in case from device {case_twin!r}")
    return None


def kind_problem(kind: str) -> Problem | None:
    if kind not in DEVICE_KINDS:
        return Problem("kind", f"{kind!r} is not one of {', '.join(DEVICE_KINDS)}")
    return None


def text_problem(field: str, value: str) -> Problem | None:
    """Vendor, model, firmware version and name: not empty, not too long."""
    limit = TEXT_LIMITS[field]
    if not value.strip():
        return Problem(field, "is empty")
    if len(value) > limit:
        return Problem(field, f"is longer than {limit} characters")
    if field == "firmware_version" and FIRMWARE.fullmatch(value) is None:
        return Problem(field, f"{value!r} is not a version like 2.1.0")
    return None


def protocol_problem(kind: DeviceKind, protocol: str) -> Problem | None:
    expected = PROTOCOL_FOR_KIND[kind]
    if protocol != expected:
        return Problem("protocol", f"{protocol!r} does not match kind {kind} ({expected})")
    return None


def codec_problem(kind: DeviceKind, firmware_version: str, codecs: Codecs) -> Problem | None:
    """The hub must have a codec for the kind's protocol at this firmware version."""
    protocol = PROTOCOL_FOR_KIND[kind]
    try:
        codecs.resolve(protocol, firmware_version)
    except UnknownDefinition as exc:
        return Problem("firmware_version", f"the hub has no codec for it: {exc}")
    return None


def location_problem(
    kind: DeviceKind, location: str, levels_by_code: Mapping[str, str]
) -> Problem | None:
    """Lockers and vending machines stand in a community, door units in a building."""
    level = levels_by_code.get(location)
    if level is None:
        return Problem("location", f"unknown node code {location!r}")
    wanted = NODE_LEVEL_FOR_KIND[kind]
    if level != wanted:
        return Problem("location", f"{location!r} is a {level}; a {kind} belongs to a {wanted}")
    return None
