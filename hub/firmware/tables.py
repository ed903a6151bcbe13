"""Tables of firmware images and campaigns (SQLAlchemy Core).

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

from typing import Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
)

from hub.registry.vocabulary import MAX_DEVICE_ID_LENGTH

CHUNK_BYTES: Final = 256 * 1024
KINDS_CHECK: Final = "kind IN ('locker', 'vending', 'door')"
CAMPAIGN_STATES: Final = ("running", "paused", "completed", "aborted", "cancelled")
DEVICE_STATES: Final = (
    "pending",
    "sending",
    "downloading",
    "verifying",
    "installing",
    "rebooting",
    "updated",
    "failed",
    "skipped",
    "cancelled",
)
_PATTERN_OPS = {"device_path": "varchar_pattern_ops"}

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = MetaData()

firmware_image = Table(
    "firmware_image",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("vendor", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("version", String(32), nullable=False),
    Column("models", JSON, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    CheckConstraint(KINDS_CHECK, name="ck_firmware_image_kind"),
    Index("ix_firmware_image_kind_version", "kind", "version"),
)

firmware_chunk = Table(
    "firmware_chunk",
    metadata,
    Column(
        "sha256",
        String(64),
        ForeignKey("firmware_image.sha256", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("idx", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("sha256", "idx", name="pk_firmware_chunk"),
)

maintenance_window = Table(
    "maintenance_window",
    metadata,
    Column("node_id", Integer, ForeignKey("node.id", ondelete="CASCADE"), primary_key=True),
    Column("start_minute", Integer, nullable=False),
    Column("end_minute", Integer, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    CheckConstraint(
        "start_minute >= 0 AND start_minute < 1440 AND end_minute >= 0 AND end_minute < 1440"
        " AND start_minute <> end_minute",
        name="ck_maintenance_window_minutes",
    ),
)

firmware_campaign = Table(
    "firmware_campaign",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("image_sha256", String(64), ForeignKey("firmware_image.sha256"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("target", JSON, nullable=False),
    Column("scope_path", String(255), nullable=False),
    Column("canary_share", Float, nullable=False),
    Column("wave_size", Integer, nullable=False),
    Column("failure_threshold", Float, nullable=False),
    Column("max_doors_per_building", Integer, nullable=False),
    Column("max_in_flight", Integer, nullable=False),
    Column("device_timeout_s", Integer, nullable=False),
    Column("health_soak_s", Integer, nullable=False),
    Column("health_factor", Float, nullable=False),
    Column("health_min_events", Integer, nullable=False),
    Column("respect_windows", Boolean, nullable=False),
    Column("state", String(16), nullable=False),
    Column("wave", Integer, nullable=False),
    Column("waves", Integer, nullable=False),
    Column("wave_started_ms", BigInteger, nullable=True),
    Column("wave_done_ms", BigInteger, nullable=True),
    Column("reason", String(256), nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger, nullable=True),
    Column("updated_ms", BigInteger, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until_ms", BigInteger, nullable=True),
    CheckConstraint(_in("state", CAMPAIGN_STATES), name="ck_firmware_campaign_state"),
    CheckConstraint(KINDS_CHECK, name="ck_firmware_campaign_kind"),
    Index("ix_firmware_campaign_state", "state"),
)

firmware_campaign_device = Table(
    "firmware_campaign_device",
    metadata,
    Column(
        "campaign_id",
        BigInteger,
        ForeignKey("firmware_campaign.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("device_id", String(MAX_DEVICE_ID_LENGTH), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("device_path", String(255), nullable=False),
    Column("community_path", String(255), nullable=True),
    Column("building_path", String(255), nullable=True),
    Column("wave", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("from_version", String(32), nullable=False),
    Column("to_version", String(32), nullable=False),
    Column("command_id", String(32), nullable=True),
    Column("progress_pct", Integer, nullable=True),
    Column("bytes_sent", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("reason", String(128), nullable=True),
    Column("last_event_id", BigInteger, nullable=False),
    Column("started_ms", BigInteger, nullable=True),
    Column("finished_ms", BigInteger, nullable=True),
    Column("updated_ms", BigInteger, nullable=False),
    PrimaryKeyConstraint("campaign_id", "device_id", name="pk_firmware_campaign_device"),
    CheckConstraint(_in("state", DEVICE_STATES), name="ck_firmware_campaign_device_state"),
    Index("ix_firmware_campaign_device_state", "campaign_id", "state"),
    Index("ix_firmware_campaign_device_building", "building_path", "state"),
    Index("ix_firmware_campaign_device_id", "device_id"),
)

firmware_campaign_event = Table(
    "firmware_campaign_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column(
        "campaign_id",
        BigInteger,
        ForeignKey("firmware_campaign.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("device_id", String(MAX_DEVICE_ID_LENGTH), nullable=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("state", String(16), nullable=True),
    Column("actor", String(64), nullable=False),
    Column("detail", String(256), nullable=False),
    Index("ix_firmware_campaign_event_campaign", "campaign_id", "id"),
    Index("ix_firmware_campaign_event_device", "campaign_id", "device_id", "id"),
)

FIRMWARE_TABLES: Final = frozenset(metadata.tables)
