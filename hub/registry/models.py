"""Registry tables (SQLModel, one class per table).

The API's request and answer shapes are its own (:mod:`hub.api.schemas`), so the password,
PIN and token hashes here never reach a client by accident. Names of tables, columns,
constraints and indexes are fixed here and in migration 0001; the migration test checks
the two agree. Closed vocabularies are ``Literal`` types in Python and CHECK constraints
in the database, so the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import BigInteger, CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.registry.timestamps import UTCDateTime, utc_now
from hub.registry.vocabulary import (
    MAX_DEVICE_ID_LENGTH,
    CardFormat,
    CompartmentSize,
    CredentialKind,
    DeviceKind,
    Level,
    ProtocolName,
    Role,
)

REGISTRY_TABLES: Final = (
    "node",
    "device",
    "compartment",
    "vending_slot",
    "resident",
    "door_credential",
    "api_token",
    "registry_change",
)
"""Every table this module defines, parents before children."""

CONTENT_TABLES: Final = REGISTRY_TABLES[:-1]
"""What the registry holds, without its change feed (which ``hub seed --force`` keeps:
its ids are revisions that running hubs have applied)."""

_PATTERN_OPS: Final = {"path": "varchar_pattern_ops"}  # PostgreSQL: index serves LIKE 'p/%'


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# ------------------------------------------------------------------ hierarchy
class Node(SQLModel, table=True):
    """A place in the hierarchy: city > district > subdistrict > community > building.

    ``path`` is the materialised path of codes (``wuxi/wuxi-binhu/.../c0001``), so the
    subtree of a node is ``path = p OR path LIKE p || '/%'`` (see ``scope_filter``).
    """

    __tablename__ = "node"
    __table_args__ = (
        UniqueConstraint("code", name="uq_node_code"),
        Index("ix_node_path", "path", unique=True, postgresql_ops=_PATTERN_OPS),
        CheckConstraint(
            _in("level", ("city", "district", "subdistrict", "community", "building")),
            name="ck_node_level",
        ),
    )

    code: str = Field(max_length=48)
    name: str = Field(max_length=128)
    level: Level = Field(sa_type=String)
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="node.id", index=True)
    path: str = Field(max_length=255)


# ------------------------------------------------------------------ devices
class Device(SQLModel, table=True):
    """A locker, vending machine or door unit. ``path`` copies its node's path."""

    __tablename__ = "device"
    __table_args__ = (
        Index("ix_device_path", "path", postgresql_ops=_PATTERN_OPS),
        CheckConstraint(
            "(kind = 'locker' AND protocol = 'lockerlink')"
            " OR (kind = 'vending' AND protocol = 'sparkplug_b')"
            " OR (kind = 'door' AND protocol = 'osdp')",
            name="ck_device_kind_protocol",
        ),
    )

    kind: DeviceKind = Field(sa_type=String)
    vendor: str = Field(max_length=64)
    model: str = Field(max_length=64)
    firmware_version: str = Field(max_length=32)
    protocol: ProtocolName = Field(sa_type=String)
    name: str = Field(max_length=128)
    enabled: bool = True
    id: str = Field(primary_key=True, max_length=MAX_DEVICE_ID_LENGTH)
    node_id: int = Field(foreign_key="node.id", index=True)
    path: str = Field(max_length=255)
    mqtt_password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Compartment(SQLModel, table=True):
    __tablename__ = "compartment"
    __table_args__ = (
        UniqueConstraint("device_id", "number", name="uq_compartment_device_number"),
        CheckConstraint(_in("size", ("S", "M", "L")), name="ck_compartment_size"),
    )

    number: int = Field(ge=1)
    size: CompartmentSize = Field(sa_type=String)
    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(
        foreign_key="device.id", ondelete="CASCADE", max_length=MAX_DEVICE_ID_LENGTH
    )


class VendingSlot(SQLModel, table=True):
    __tablename__ = "vending_slot"
    __table_args__ = (
        UniqueConstraint("device_id", "number", name="uq_vending_slot_device_number"),
        CheckConstraint("price >= 0 AND capacity >= 1", name="ck_vending_slot_values"),
    )

    number: int = Field(ge=1)
    product: str = Field(max_length=64)
    price: int = Field(ge=0, description="price in fen (0.01 CNY)")
    capacity: int = Field(ge=1)
    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(
        foreign_key="device.id", ondelete="CASCADE", max_length=MAX_DEVICE_ID_LENGTH
    )


# ------------------------------------------------------------------ people and access
class Resident(SQLModel, table=True):
    __tablename__ = "resident"

    unit: str = Field(max_length=16)
    name: str = Field(max_length=64)
    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="node.id", index=True)


class DoorCredential(SQLModel, table=True):
    """A Wiegand card or a PIN. PINs are stored as HMAC-SHA256 (see ``credentials``)."""

    __tablename__ = "door_credential"
    __table_args__ = (
        UniqueConstraint(
            "card_format", "facility_code", "card_number", name="uq_door_credential_card"
        ),
        CheckConstraint(
            "(kind = 'card' AND card_format IN ('H10301', 'H10306')"
            " AND facility_code IS NOT NULL AND card_number IS NOT NULL AND pin_hash IS NULL)"
            " OR (kind = 'pin' AND pin_hash IS NOT NULL AND card_format IS NULL"
            " AND facility_code IS NULL AND card_number IS NULL)",
            name="ck_door_credential_shape",
        ),
    )

    kind: CredentialKind = Field(sa_type=String)
    card_format: CardFormat | None = Field(default=None, sa_type=String)
    facility_code: int | None = None
    card_number: int | None = None
    revoked: bool = False
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE", index=True)
    pin_hash: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token. Only the SHA-256 of the token is stored (see ``tokens``)."""

    __tablename__ = "api_token"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
        CheckConstraint(
            "(role = 'operator' AND scope_node_id IS NOT NULL AND resident_id IS NULL)"
            " OR (role = 'resident' AND resident_id IS NOT NULL AND scope_node_id IS NULL)",
            name="ck_api_token_role",
        ),
    )

    role: Role = Field(sa_type=String)
    label: str = Field(default="", max_length=64)
    scope_node_id: int | None = Field(
        default=None, foreign_key="node.id", ondelete="CASCADE", index=True
    )
    resident_id: int | None = Field(
        default=None, foreign_key="resident.id", ondelete="CASCADE", index=True
    )
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


# ------------------------------------------------------------------ change feed
class RegistryChange(SQLModel, table=True):
    """One write to the registry, recorded in the transaction that made it; ``id`` is
    the registry's revision (see :mod:`hub.registry.change_feed`).

    ``building_id`` names the building whose door allow-lists the change touches (a
    resident or credential change; a resident who moves touches two: two rows)."""

    __tablename__ = "registry_change"
    __table_args__ = (
        CheckConstraint(
            _in("entity", ("device", "resident", "credential", "registry")),
            name="ck_registry_change_entity",
        ),
        Index("ix_registry_change_ts", "ts_ms"),
        {"sqlite_autoincrement": True},  # ids never reused, even after pruning
    )

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)
    entity_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    action: str = Field(max_length=16)
    building_id: int | None = None
    actor: str = Field(max_length=64)
    ts_ms: int = Field(sa_type=BigInteger)
