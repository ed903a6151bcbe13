"""Tables of firmware images and campaigns: table models on the one ``SQLModel.metadata``
and their Core tables (``firmware_image``, ``firmware_campaign``, ...).

Migration 0008 creates these (0009 widened the device ids); a test compares the two on SQLite
and PostgreSQL.

- ``firmware_image``: one row per image, keyed by its SHA-256; ``firmware_chunk`` holds
  its bytes in chunks of :data:`CHUNK_BYTES`, so every replica serves downloads (and
  ranges of them) from the database without a shared disk.
- ``maintenance_window``: when a community's devices may be updated (local time).
- ``firmware_campaign``: a campaign, its settings, state and database lease (the replica
  driving it); ``firmware_campaign_device``: every targeted device's wave and state;
  ``firmware_campaign_event``: the history of both, oldest first.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
)
from sqlmodel import SQLModel

from hub.db.tables import big_id, column, table_of
from hub.registry.models import Node
from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

CHUNK_BYTES: Final = 256 * 1024
KINDS_CHECK: Final = "kind IN ('locker', 'vending', 'door')"
DRIVEN_STATES: Final = ("running", "paused")  # a campaign a driver works on
ENDED_STATES: Final = ("completed", "aborted", "cancelled")
CAMPAIGN_STATES: Final = (*DRIVEN_STATES, *ENDED_STATES)
ACTIVE_STATES: Final = ("sending", "downloading", "verifying", "installing", "rebooting")
FINAL_DEVICE_STATES: Final = ("updated", "failed", "skipped", "cancelled")
DEVICE_STATES: Final = ("pending", *ACTIVE_STATES, *FINAL_DEVICE_STATES)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FirmwareImageRecord(SQLModel, table=True):
    __tablename__ = "firmware_image"
    __table_args__ = (
        CheckConstraint(KINDS_CHECK, name="ck_firmware_image_kind"),
        Index("ix_firmware_image_kind_version", "kind", "version"),
    )

    sha256: str = column(String(64), primary_key=True)
    vendor: str = column(String(64))
    kind: str = column(String(16))
    version: str = column(String(32))
    models: list[str] = column(JSON)
    size: int = column(BigInteger)
    filename: str = column(String(255))
    uploaded_by: str = column(String(64))
    created_ms: int = column(BigInteger)


firmware_image = table_of(FirmwareImageRecord)


class FirmwareChunkRecord(SQLModel, table=True):
    __tablename__ = "firmware_chunk"
    __table_args__ = (PrimaryKeyConstraint("sha256", "idx", name="pk_firmware_chunk"),)

    sha256: str = column(String(64), ForeignKey("firmware_image.sha256", ondelete="CASCADE"))
    idx: int = column(Integer)
    data: bytes = column(LargeBinary)


firmware_chunk = table_of(FirmwareChunkRecord)


class MaintenanceWindowRecord(SQLModel, table=True):
    __tablename__ = "maintenance_window"
    __table_args__ = (
        CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440 AND end_minute >= 0 AND end_minute < 1440"
            " AND start_minute <> end_minute",
            name="ck_maintenance_window_minutes",
        ),
    )

    node_id: int = column(
        Integer, ForeignKey(table_of(Node).c.id, ondelete="CASCADE"), primary_key=True
    )
    start_minute: int = column(Integer)
    end_minute: int = column(Integer)
    updated_by: str = column(String(64))
    updated_ms: int = column(BigInteger)


maintenance_window = table_of(MaintenanceWindowRecord)


class FirmwareCampaignRecord(SQLModel, table=True):
    __tablename__ = "firmware_campaign"
    __table_args__ = (
        CheckConstraint(_in("state", CAMPAIGN_STATES), name="ck_firmware_campaign_state"),
        CheckConstraint(KINDS_CHECK, name="ck_firmware_campaign_kind"),
        Index("ix_firmware_campaign_state", "state"),
    )

    id: int | None = big_id()
    name: str = column(String(128))
    image_sha256: str = column(String(64), ForeignKey("firmware_image.sha256"))
    kind: str = column(String(16))
    target: dict[str, Any] = column(JSON)
    scope_path: str = column(String(255))
    canary_share: float = column(Float)
    wave_size: int = column(Integer)
    failure_threshold: float = column(Float)
    max_doors_per_building: int = column(Integer)
    max_in_flight: int = column(Integer)
    device_timeout_s: int = column(Integer)
    health_soak_s: int = column(Integer)
    health_factor: float = column(Float)
    health_min_events: int = column(Integer)
    respect_windows: bool = column(Boolean)
    state: str = column(String(16))
    wave: int = column(Integer)
    waves: int = column(Integer)
    wave_started_ms: int | None = column(BigInteger, nullable=True)
    wave_done_ms: int | None = column(BigInteger, nullable=True)
    reason: str | None = column(String(256), nullable=True)
    created_by: str = column(String(64))
    created_ms: int = column(BigInteger)
    finished_ms: int | None = column(BigInteger, nullable=True)
    updated_ms: int = column(BigInteger)
    lease_owner: str | None = column(String(64), nullable=True)
    lease_until_ms: int | None = column(BigInteger, nullable=True)


firmware_campaign = table_of(FirmwareCampaignRecord)


class FirmwareCampaignDeviceRecord(SQLModel, table=True):
    __tablename__ = "firmware_campaign_device"
    __table_args__ = (
        PrimaryKeyConstraint("campaign_id", "device_id", name="pk_firmware_campaign_device"),
        CheckConstraint(_in("state", DEVICE_STATES), name="ck_firmware_campaign_device_state"),
        Index("ix_firmware_campaign_device_state", "campaign_id", "state"),
        Index("ix_firmware_campaign_device_building", "building_path", "state"),
        Index("ix_firmware_campaign_device_id", "device_id"),
    )

    campaign_id: int = column(BigInteger, ForeignKey("firmware_campaign.id", ondelete="CASCADE"))
    device_id: str = column(String(MAX_DEVICE_ID_LENGTH))
    kind: str = column(String(16))
    device_path: str = column(String(255))
    community_path: str | None = column(String(255), nullable=True)
    building_path: str | None = column(String(255), nullable=True)
    wave: int = column(Integer)
    state: str = column(String(16))
    from_version: str = column(String(32))
    to_version: str = column(String(32))
    command_id: str | None = column(String(32), nullable=True)
    progress_pct: int | None = column(Integer, nullable=True)
    bytes_sent: int = column(BigInteger)
    attempts: int = column(Integer)
    reason: str | None = column(String(128), nullable=True)
    last_event_id: int = column(BigInteger)
    started_ms: int | None = column(BigInteger, nullable=True)
    finished_ms: int | None = column(BigInteger, nullable=True)
    updated_ms: int = column(BigInteger)


firmware_campaign_device = table_of(FirmwareCampaignDeviceRecord)


class FirmwareCampaignEventRecord(SQLModel, table=True):
    __tablename__ = "firmware_campaign_event"
    __table_args__ = (
        Index("ix_firmware_campaign_event_campaign", "campaign_id", "id"),
        Index("ix_firmware_campaign_event_device", "campaign_id", "device_id", "id"),
    )

    id: int | None = big_id()
    campaign_id: int = column(BigInteger, ForeignKey("firmware_campaign.id", ondelete="CASCADE"))
    device_id: str | None = column(String(MAX_DEVICE_ID_LENGTH), nullable=True)
    ts_ms: int = column(BigInteger)
    action: str = column(String(32))
    state: str | None = column(String(16), nullable=True)
    actor: str = column(String(64))
    detail: str = column(String(256))


firmware_campaign_event = table_of(FirmwareCampaignEventRecord)

FIRMWARE_TABLES: Final = frozenset(
    {
        "firmware_image",
        "firmware_chunk",
        "maintenance_window",
        "firmware_campaign",
        "firmware_campaign_device",
        "firmware_campaign_event",
    }
)
