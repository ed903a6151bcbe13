"""Device import and export as CSV, for real deployments.

Columns: ``id, kind, vendor, model, firmware_version, protocol, location, name, enabled``;
``location`` is the community code (lockers and vending machines) or building code (door
units). Export is ordered by id. Import checks every row before touching anything, then
either applies all rows to the session, to be committed as one transaction (new devices
inserted, known ones updated), or raises :class:`ImportRejected` listing one error per
bad row, naming line and field.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

from sqlmodel import Session, col, select

from hub.errors import ImportRowError
from hub.registry.errors import ImportRejected
from hub.registry.models import Device, Node
from hub.registry.passwords import generate_password, hash_password
from hub.registry.timestamps import utc_now
from hub.registry.vocabulary import (
    DEVICE_KINDS,
    NODE_LEVEL_FOR_KIND,
    PROTOCOL_FOR_KIND,
    DeviceKind,
    ProtocolName,
    is_device_id,
)

COLUMNS = (
    "id",
    "kind",
    "vendor",
    "model",
    "firmware_version",
    "protocol",
    "location",
    "name",
    "enabled",
)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_TEXT_LIMITS = {"vendor": 64, "model": 64, "firmware_version": 32, "name": 128}
_FIRMWARE = re.compile(r"v?\d+(?:\.\d+){0,3}(?:[-+][0-9A-Za-z.]+)?")


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One validated CSV row."""

    line: int
    id: str
    kind: DeviceKind
    vendor: str
    model: str
    firmware_version: str
    protocol: ProtocolName
    location: str
    name: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    passwords: Mapping[str, str]  # new devices only: device id -> MQTT password


def export_devices(session: Session, out: TextIO) -> int:
    """Write every device as CSV to ``out``; return the number of devices."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    statement = (
        select(Device, Node.code)
        .join(Node, col(Node.id) == col(Device.node_id))
        .order_by(col(Device.id))
    )
    count = 0
    for device, location in session.exec(statement):
        writer.writerow(
            (
                device.id,
                device.kind,
                device.vendor,
                device.model,
                device.firmware_version,
                device.protocol,
                location,
                device.name,
                "true" if device.enabled else "false",
            )
        )
        count += 1
    return count


def read_rows(source: TextIO) -> list[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank row; the header must be exactly COLUMNS."""
    reader = csv.reader(source)
    header = next(reader, None)
    if header is None:
        raise ImportRejected([ImportRowError(1, "header", "the file is empty")])
    names = [name.strip() for name in header]
    if tuple(names) != COLUMNS:
        expected = ",".join(COLUMNS)
        raise ImportRejected([ImportRowError(1, "header", f"expected columns {expected}")])
    rows = []
    for values in reader:
        if any(value.strip() for value in values):
            rows.append((reader.line_num, values))
    return rows


def validate_rows(
    rows: Iterable[tuple[int, list[str]]],
    levels_by_code: Mapping[str, str],
    kinds_by_id: Mapping[str, str],
) -> list[DeviceRow]:
    """Check every row; raise ImportRejected with the first problem of each bad row."""
    good: list[DeviceRow] = []
    errors: list[ImportRowError] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        try:
            checked = _check_row(line, row, levels_by_code, kinds_by_id)
            if checked.id in first_line:
                raise ImportRowError(line, "id", f"duplicate of line {first_line[checked.id]}")
            first_line[checked.id] = line
            good.append(checked)
        except ImportRowError as error:
            errors.append(error)
    if errors:
        raise ImportRejected(errors)
    return good


def _check_row(
    line: int,
    values: list[str],
    levels_by_code: Mapping[str, str],
    kinds_by_id: Mapping[str, str],
) -> DeviceRow:
    if len(values) != len(COLUMNS):
        raise ImportRowError(line, "row", f"has {len(values)} fields, expected {len(COLUMNS)}")
    row = {name: value.strip() for name, value in zip(COLUMNS, values, strict=True)}
    device_id = row["id"]
    if not is_device_id(device_id):
        raise ImportRowError(
            line, "id", f"{device_id!r} is not a device id (lowercase letters, digits, '-')"
        )
    kind = row["kind"]
    if kind not in DEVICE_KINDS:
        raise ImportRowError(line, "kind", f"{kind!r} is not one of {', '.join(DEVICE_KINDS)}")
    known_kind = kinds_by_id.get(device_id)
    if known_kind is not None and known_kind != kind:
        raise ImportRowError(line, "kind", f"{device_id} is registered as a {known_kind}")
    for field, limit in _TEXT_LIMITS.items():
        if not row[field]:
            raise ImportRowError(line, field, "is empty")
        if len(row[field]) > limit:
            raise ImportRowError(line, field, f"is longer than {limit} characters")
    if _FIRMWARE.fullmatch(row["firmware_version"]) is None:
        raise ImportRowError(
            line, "firmware_version", f"{row['firmware_version']!r} is not a version like 2.1.0"
        )
    protocol = PROTOCOL_FOR_KIND[kind]
    if row["protocol"] != protocol:
        raise ImportRowError(
            line, "protocol", f"{row['protocol']!r} does not match kind {kind} ({protocol})"
        )
    location = row["location"]
    level = levels_by_code.get(location)
    if level is None:
        raise ImportRowError(line, "location", f"unknown node code {location!r}")
    if level != NODE_LEVEL_FOR_KIND[kind]:
        raise ImportRowError(
            line,
            "location",
            f"{location!r} is a {level}; a {kind} belongs to a {NODE_LEVEL_FOR_KIND[kind]}",
        )
    enabled = row["enabled"].lower()
    if enabled not in _TRUE | _FALSE:
        raise ImportRowError(line, "enabled", f"{row['enabled']!r} is not true or false")
    return DeviceRow(
        line=line,
        id=device_id,
        kind=kind,
        vendor=row["vendor"],
        model=row["model"],
        firmware_version=row["firmware_version"],
        protocol=protocol,
        location=location,
        name=row["name"],
        enabled=enabled in _TRUE,
    )


def import_devices(session: Session, source: TextIO) -> ImportResult:
    """Validate all of ``source``, then upsert its devices into ``session``. The caller
    commits (after putting the new devices' passwords, returned once here, somewhere safe)
    or rolls back."""
    rows = read_rows(source)
    nodes = {node.code: node for node in session.exec(select(Node))}
    existing = {device.id: device for device in session.exec(select(Device))}
    checked = validate_rows(
        rows,
        {code: node.level for code, node in nodes.items()},
        {device_id: device.kind for device_id, device in existing.items()},
    )
    created: list[str] = []
    updated: list[str] = []
    passwords: dict[str, str] = {}
    now = utc_now()
    for row in checked:
        node = nodes[row.location]
        assert node.id is not None
        device = existing.get(row.id)
        if device is None:
            passwords[row.id] = generate_password()
            device = Device(
                id=row.id,
                kind=row.kind,
                vendor=row.vendor,
                model=row.model,
                firmware_version=row.firmware_version,
                protocol=row.protocol,
                name=row.name,
                enabled=row.enabled,
                node_id=node.id,
                path=node.path,
                mqtt_password_hash=hash_password(passwords[row.id]),
                created_at=now,
            )
            created.append(row.id)
        else:
            device.vendor, device.model = row.vendor, row.model
            device.firmware_version, device.name = row.firmware_version, row.name
            device.enabled, device.node_id, device.path = row.enabled, node.id, node.path
            updated.append(row.id)
        session.add(device)
    session.flush()
    return ImportResult(tuple(created), tuple(updated), passwords)
