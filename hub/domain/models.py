"""Tables of the domain logic: door access decisions, parcels, vending sales, DEX audits.

Migration 0004 creates exactly these (a test compares the two). ``device_id`` and
``resident_id`` are plain columns without foreign keys, like the store's: a log row
outlives the registry entry it names, and writing one never waits on registry locks.
Times are Unix milliseconds. Door alerts (forced open, held open) are not a table of
their own: they are rows of the store's ``event`` table (see :mod:`hub.domain.door_watch`).

Each table has a natural key so that a decision or a record made twice (a redelivered
message, two replicas) is stored once: the device event that caused it.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from hub.db.tables import big_id, column, table_of
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

DOMAIN_TABLES: Final = frozenset({"access_log", "parcel", "vending_sale", "dex_audit"})

AccessResult = Literal["granted", "denied"]
ParcelState = Literal["waiting", "collected", "returned"]
PARCEL_STATES: Final[tuple[ParcelState, ...]] = ("waiting", "collected", "returned")


class AccessLog(SQLModel, table=True):
    """Every card or PIN decision at a door unit. PINs themselves are never stored."""

    __tablename__ = "access_log"
    __table_args__ = (
        UniqueConstraint("device_id", "event_seq", "credential_kind", name="uq_access_log_event"),
        CheckConstraint("result IN ('granted', 'denied')", name="ck_access_log_result"),
        CheckConstraint("credential_kind IN ('card', 'pin')", name="ck_access_log_kind"),
        Index("ix_access_log_device_ts", "device_id", "ts_ms"),
        Index("ix_access_log_resident_ts", "resident_id", "ts_ms"),
    )

    id: int | None = big_id()
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    ts_ms: int = column(BigInteger)  # when the hub decided
    event_seq: int = column(BigInteger)  # the card_read / keypad event's seq
    event_ts_ms: int = column(BigInteger)  # the device's time of the read
    credential_kind: str = Field(max_length=8)
    card_format: str | None = Field(default=None, max_length=8)
    facility_code: int | None = None
    card_number: int | None = column(BigInteger, nullable=True)
    resident_id: int | None = None
    result: str = Field(max_length=8)
    reason: str = Field(max_length=32)
    instance_id: str = Field(max_length=64)


class Parcel(SQLModel, table=True):
    """A parcel a courier put in a locker compartment, until it is taken out.

    ``pickup_code`` is kept in plain text: the resident must be able to read it in the
    app, so it cannot be a one-way hash. It is six random digits that open one
    compartment once; the API shows it only to the parcel's own resident.
    ``resolution`` says why ``resident_id`` is null (unknown building or unit).
    """

    __tablename__ = "parcel"
    __table_args__ = (
        UniqueConstraint("device_id", "deposit_seq", name="uq_parcel_deposit"),
        CheckConstraint("state IN ('waiting', 'collected', 'returned')", name="ck_parcel_state"),
        Index("ix_parcel_resident_state", "resident_id", "state"),
        Index("ix_parcel_device_compartment_state", "device_id", "compartment", "state"),
    )

    id: int | None = big_id()
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    compartment: int
    tracking: str = Field(max_length=64)
    building: str = Field(max_length=32)  # the recipient's building code, as the courier gave it
    unit: str = Field(max_length=32)
    resident_id: int | None = None
    resolution: str | None = Field(default=None, max_length=32)
    pickup_code: str = Field(max_length=6)
    state: str = Field(max_length=16)
    deposit_seq: int = column(BigInteger)
    deposited_ms: int = column(BigInteger)
    collected_ms: int | None = column(BigInteger, nullable=True)
    pickup_method: str | None = Field(default=None, max_length=16)


class VendingSale(SQLModel, table=True):
    """One vend a machine reported. ``vend_id`` is the machine's transaction id."""

    __tablename__ = "vending_sale"
    __table_args__ = (
        UniqueConstraint("device_id", "vend_id", name="uq_vending_sale_vend"),
        Index("ix_vending_sale_device_ts", "device_id", "ts_ms"),
        Index("ix_vending_sale_ts", "ts_ms"),
    )

    id: int | None = big_id()
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    slot: int
    price: int  # fen
    vend_id: str = Field(max_length=80)
    seq: int = column(BigInteger)
    ts_ms: int = column(BigInteger)


class DexAuditRecord(SQLModel, table=True):
    """The totals of one EVA-DTS audit file. Money in the file's minor units.

    ``g85_ok`` and ``se_ok`` are null when the file lacks the segment to check; ``error``
    is set (and every total null) when the text was not DEX at all. ``products`` lists
    each selection's PA1/PA2: ``selection``, ``name``, ``price``, ``count``, ``value``,
    ``count_reset``, ``value_reset``.
    """

    __tablename__ = "dex_audit"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_dex_audit_message"),
        Index("ix_dex_audit_device_received", "device_id", "received_ms"),
    )

    id: int | None = big_id()
    device_id: str = Field(max_length=MAX_DEVICE_ID_LENGTH)
    seq: int = column(BigInteger)
    ts_ms: int = column(BigInteger)
    received_ms: int = column(BigInteger)
    complete: bool
    g85_ok: bool | None = None
    se_ok: bool | None = None
    decimal_places: int | None = None
    va1_value: int | None = column(BigInteger, nullable=True)
    va1_count: int | None = column(BigInteger, nullable=True)
    va1_value_reset: int | None = column(BigInteger, nullable=True)
    va1_count_reset: int | None = column(BigInteger, nullable=True)
    ca2_value: int | None = column(BigInteger, nullable=True)
    ca2_count: int | None = column(BigInteger, nullable=True)
    da2_value: int | None = column(BigInteger, nullable=True)
    da2_count: int | None = column(BigInteger, nullable=True)
    products: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    warnings: int = 0
    error: str | None = Field(default=None, max_length=64)


ACCESS_LOG = table_of(AccessLog)
PARCEL = table_of(Parcel)
VENDING_SALE = table_of(VendingSale)
DEX_AUDIT = table_of(DexAuditRecord)
