"""Adding, changing and disabling devices and their compartments or slots.

Each function works in a session that began a registry write
(:func:`hub.registry.change_feed.begin_registry_write`), checks what it was asked with
:mod:`hub.registry.device_rules` (the rules the CSV import uses), raises
:class:`InvalidChange` (a field's problem) or :class:`ConflictingChange` (clashes with the
registry), and returns the change-feed entries for the caller to record with its commit.
``scope_path`` limits where an operator may place a device: a location outside it is
reported as unknown, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from firmware_protocols.codecs import Codecs
from firmware_protocols.lockerlink.messages import MAX_COMPARTMENTS
from firmware_protocols.sparkplug_b.vending_model import MAX_PRICE_FEN, MAX_SLOT
from hub.registry import device_rules as rules
from hub.registry.change_feed import ChangeAction, ChangeDraft
from hub.registry.errors import ConflictingChange, InvalidChange
from hub.registry.models import Compartment, Device, Node, VendingSlot
from hub.registry.passwords import generate_password, hash_password
from hub.registry.queries import in_scope
from hub.registry.timestamps import utc_now
from hub.registry.vocabulary import PROTOCOL_FOR_KIND, CompartmentSize, DeviceKind


@dataclass(frozen=True, slots=True)
class CompartmentSpec:
    number: int
    size: CompartmentSize


@dataclass(frozen=True, slots=True)
class SlotSpec:
    number: int
    product: str
    price: int
    capacity: int


@dataclass(frozen=True, slots=True)
class NewDevice:
    id: str
    kind: DeviceKind
    vendor: str
    model: str
    firmware_version: str
    name: str
    location: str
    enabled: bool = True
    compartments: tuple[CompartmentSpec, ...] = ()
    slots: tuple[SlotSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceEdit:
    """Fields to change; None leaves a field as it is."""

    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    name: str | None = None
    location: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Created:
    device: Device
    mqtt_password: str  # returned once, stored only as a hash
    changes: tuple[ChangeDraft, ...]


def case_twin(session: Session, device_id: str) -> str | None:
    """A registered id equal to ``device_id`` ignoring case (itself, if registered)."""
    statement = select(Device.id).where(func.lower(col(Device.id)) == device_id.lower()).limit(1)
    return session.exec(statement).first()


def _check(problem: rules.Problem | None) -> None:
    if problem is not None:
        raise InvalidChange(problem.field, problem.message)


def _location(session: Session, kind: DeviceKind, code: str, scope_path: str) -> Node:
    node = session.exec(select(Node).where(col(Node.code) == code)).first()
    levels = {} if node is None or not in_scope(scope_path, node.path) else {code: node.level}
    _check(rules.location_problem(kind, code, levels))
    assert node is not None
    return node


def create_device(session: Session, new: NewDevice, *, scope_path: str, codecs: Codecs) -> Created:
    """Add a device (with its compartments or slots) under a node within ``scope_path``."""
    _check(rules.kind_problem(new.kind))
    for name in rules.TEXT_LIMITS:
        _check(rules.text_problem(name, getattr(new, name)))
    _check(rules.codec_problem(new.kind, new.firmware_version, codecs))
    node = _location(session, new.kind, new.location, scope_path)
    twin = case_twin(session, new.id)
    if twin == new.id:
        raise ConflictingChange(f"device {new.id!r} already exists")
    _check(rules.id_problem(new.id, twin))
    _check_layout(new.kind, new.compartments, new.slots)
    assert node.id is not None
    password = generate_password()
    device = Device(
        id=new.id,
        kind=new.kind,
        vendor=new.vendor.strip(),
        model=new.model.strip(),
        firmware_version=new.firmware_version,
        protocol=PROTOCOL_FOR_KIND[new.kind],
        name=new.name.strip(),
        enabled=new.enabled,
        node_id=node.id,
        path=node.path,
        mqtt_password_hash=hash_password(password),
        created_at=utc_now(),
    )
    session.add(device)
    session.flush()
    _write_compartments(session, device.id, new.compartments)
    _write_slots(session, device.id, new.slots)
    return Created(device, password, (ChangeDraft("device", device.id, "created"),))


def edit_device(
    session: Session,
    device: Device,
    edit: DeviceEdit,
    *,
    scope_path: str,
    codecs: Codecs,
) -> tuple[ChangeDraft, ...]:
    """Change a device's fields; nothing (and no change entry) if nothing differs."""
    before = (device.vendor, device.model, device.firmware_version, device.name, device.node_id)
    was_enabled = device.enabled
    for name in ("vendor", "model", "firmware_version", "name"):
        value = getattr(edit, name)
        if value is not None:
            _check(rules.text_problem(name, value))
            setattr(device, name, value.strip())
    if edit.firmware_version is not None:
        _check(rules.codec_problem(device.kind, edit.firmware_version, codecs))
    if edit.location is not None:
        node = _location(session, device.kind, edit.location, scope_path)
        assert node.id is not None
        device.node_id, device.path = node.id, node.path
    if edit.enabled is not None:
        device.enabled = edit.enabled
    after = (device.vendor, device.model, device.firmware_version, device.name, device.node_id)
    if before == after and was_enabled == device.enabled:
        return ()
    action: ChangeAction = "updated"
    if before == after:
        action = "enabled" if device.enabled else "disabled"
    session.add(device)
    session.flush()
    return (ChangeDraft("device", device.id, action),)


def replace_compartments(
    session: Session, device: Device, compartments: Sequence[CompartmentSpec]
) -> tuple[ChangeDraft, ...]:
    """A locker's compartments become exactly ``compartments`` (none: the hub goes by
    what the locker itself reports)."""
    _check_layout(device.kind, compartments, (), "compartments")
    session.exec(delete(Compartment).where(col(Compartment.device_id) == device.id))
    _write_compartments(session, device.id, compartments)
    return (ChangeDraft("device", device.id, "updated"),)


def replace_slots(
    session: Session, device: Device, slots: Sequence[SlotSpec]
) -> tuple[ChangeDraft, ...]:
    """A vending machine's slots become exactly ``slots`` (none: as the machine reports)."""
    _check_layout(device.kind, (), slots, "slots")
    session.exec(delete(VendingSlot).where(col(VendingSlot.device_id) == device.id))
    _write_slots(session, device.id, slots)
    return (ChangeDraft("device", device.id, "updated"),)


def _check_layout(
    kind: DeviceKind,
    compartments: Sequence[CompartmentSpec],
    slots: Sequence[SlotSpec],
    replacing: str | None = None,
) -> None:
    if (compartments or replacing == "compartments") and kind != "locker":
        raise InvalidChange("compartments", f"a {kind} has no compartments (lockers have)")
    if (slots or replacing == "slots") and kind != "vending":
        raise InvalidChange("slots", f"a {kind} has no slots (vending machines have)")
    _unique("compartments", [c.number for c in compartments], MAX_COMPARTMENTS)
    _unique("slots", [s.number for s in slots], MAX_SLOT)
    for slot in slots:
        if not 0 <= slot.price <= MAX_PRICE_FEN:
            raise InvalidChange("slots", f"slot {slot.number}: price outside 0..{MAX_PRICE_FEN}")
        if not slot.product.strip() or len(slot.product) > 64:
            raise InvalidChange("slots", f"slot {slot.number}: product must be 1 to 64 characters")


def _unique(field: str, numbers: Sequence[int], highest: int) -> None:
    seen: set[int] = set()
    for number in numbers:
        if not 1 <= number <= highest:
            raise InvalidChange(field, f"number {number} is outside 1..{highest}")
        if number in seen:
            raise InvalidChange(field, f"number {number} appears twice")
        seen.add(number)


def _write_compartments(
    session: Session, device_id: str, compartments: Sequence[CompartmentSpec]
) -> None:
    for spec in compartments:
        session.add(Compartment(device_id=device_id, number=spec.number, size=spec.size))
    session.flush()


def _write_slots(session: Session, device_id: str, slots: Sequence[SlotSpec]) -> None:
    for spec in slots:
        session.add(
            VendingSlot(
                device_id=device_id,
                number=spec.number,
                product=spec.product.strip(),
                price=spec.price,
                capacity=spec.capacity,
            )
        )
    session.flush()
