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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TextIO

from sqlmodel import Session, col, select

from firmware_protocols.codecs import Codecs, all_codecs
from hub.errors import ImportRowError
from hub.registry import device_rules as rules
from hub.registry.change_feed import ChangeDraft, begin_registry_write, record_changes
from hub.registry.errors import ImportRejected
from hub.registry.models import Device, Node
from hub.registry.passwords import generate_password, hash_password
from hub.registry.timestamps import utc_now
from hub.registry.vocabulary import DEVICE_KINDS, PROTOCOL_FOR_KIND, DeviceKind, ProtocolName

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
    codecs: Codecs | None = None,
) -> list[DeviceRow]:
    """Check every row; raise ImportRejected with the first problem of each bad row."""
    codecs = codecs or all_codecs()
    good: list[DeviceRow] = []
    errors: list[ImportRowError] = []
    first_line: dict[str, tuple[int, str]] = {}  # folded id > (line, id)
    folded = {device_id.casefold(): device_id for device_id in kinds_by_id}
    for line, row in rows:
        try:
            checked = _check_row(line, row, levels_by_code, kinds_by_id, folded, codecs)
            earlier = first_line.get(checked.id.casefold())
            if earlier is not None:
                same = "" if earlier[1] == checked.id else f" ({earlier[1]!r}, differing in case)"
                raise ImportRowError(line, "id", f"duplicate of line {earlier[0]}{same}")
            first_line[checked.id.casefold()] = (line, checked.id)
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
    folded_ids: Mapping[str, str],
    codecs: Codecs,
) -> DeviceRow:
    if len(values) != len(COLUMNS):
        raise ImportRowError(line, "row", f"has {len(values)} fields, expected {len(COLUMNS)}")
    row = {name: value.strip() for name, value in zip(COLUMNS, values, strict=True)}
    device_id = row["id"]
    _raise(line, rules.id_problem(device_id, folded_ids.get(device_id.casefold())))
    kind = row["kind"]
    _raise(line, rules.kind_problem(kind))
    assert kind in DEVICE_KINDS
    known_kind = kinds_by_id.get(device_id)
    if known_kind is not None and known_kind != kind:
        raise ImportRowError(line, "kind", f"{device_id} is registered as a {known_kind}")
    for field in rules.TEXT_LIMITS:
        _raise(line, rules.text_problem(field, row[field]))
    _raise(line, rules.protocol_problem(kind, row["protocol"]))
    _raise(line, rules.codec_problem(kind, row["firmware_version"], codecs))
    location = row["location"]
    _raise(line, rules.location_problem(kind, location, levels_by_code))
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
        protocol=PROTOCOL_FOR_KIND[kind],
        location=location,
        name=row["name"],
        enabled=enabled in _TRUE,
    )


def _raise(line: int, problem: rules.Problem | None) -> None:
    if problem is not None:
        raise ImportRowError(line, problem.field, problem.message)


def import_devices(
    session: Session,
    source: TextIO,
    *,
    actor: str = "hub devices import",
    codecs: Codecs | None = None,
) -> ImportResult:
    """Validate all of ``source``, then upsert its devices into ``session`` as a registry
    write (each created or changed device goes on the change feed). The caller commits
    (after putting the new devices' passwords, returned once here, somewhere safe) or
    rolls back."""
    begin_registry_write(session)
    rows = read_rows(source)
    nodes = {node.code: node for node in session.exec(select(Node))}
    existing = {device.id: device for device in session.exec(select(Device))}
    checked = validate_rows(
        rows,
        {code: node.level for code, node in nodes.items()},
        {device_id: device.kind for device_id, device in existing.items()},
        codecs,
    )
    created: list[str] = []
    updated: list[str] = []
    changes: list[ChangeDraft] = []
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
            changes.append(ChangeDraft("device", row.id, "created"))
        else:
            before = _fields(device)
            device.vendor, device.model = row.vendor, row.model
            device.firmware_version, device.name = row.firmware_version, row.name
            device.enabled, device.node_id, device.path = row.enabled, node.id, node.path
            updated.append(row.id)
            if _fields(device) != before:
                changes.append(ChangeDraft("device", row.id, _action(before[-1], row.enabled)))
        session.add(device)
    session.flush()
    record_changes(session.connection(), changes, actor=actor, ts_ms=int(now.timestamp() * 1000))
    return ImportResult(tuple(created), tuple(updated), passwords)


def _fields(device: Device) -> tuple[object, ...]:
    """What an import may change, ``enabled`` last."""
    return (
        device.vendor,
        device.model,
        device.firmware_version,
        device.name,
        device.node_id,
        device.enabled,
    )


def _action(was_enabled: object, enabled: bool) -> Literal["updated", "enabled", "disabled"]:
    if was_enabled == enabled:
        return "updated"
    return "enabled" if enabled else "disabled"
