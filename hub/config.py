"""Configuration from ``HUB_*`` environment variables.

Every setting has a safe default, except secrets, which have one only in demo mode.
``load_settings`` turns a validation failure into a :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.errors import ConfigError
from hub.security.share_group import derive_share_group

DEMO_SECRET_KEY = "demo-only-secret-key-do-not-use-in-production"


class Settings(BaseSettings):
    """All hub settings. Build with :func:`load_settings`, or directly in tests."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore", frozen=True)

    mqtt_url: str | None = Field(
        default=None,
        description="Broker URL, mqtt://[user:pass@]host:port. Unset: start the embedded broker.",
    )
    mqtt_username: str | None = Field(default=None, description="The hub's broker account.")
    mqtt_password: str | None = Field(default=None, description="Password of the hub's account.")
    mqtt_tls_ca_file: str | None = Field(
        default=None,
        description="Connect over TLS, trusting this CA file (PEM) rather than the system's.",
    )
    mqtt_keepalive_s: int = Field(default=30, ge=5, le=3600)
    mqtt_session_expiry_s: int = Field(
        default=86_400, ge=0, description="Persistent session lifetime while the hub is away."
    )
    mqtt_protocol: Literal["auto", "5", "3.1.1"] = "auto"
    database_url: str = "sqlite:///./hub.db"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=0, le=65535)
    instance_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)
    share_group: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description="Shared-subscription group of the replicas; empty: plain subscriptions. "
        "Unset: derived from the secret key (hub.security.share_group).",
    )
    secret_key: str | None = Field(
        default=None, min_length=16, description="Key for PIN hashes; required outside demo mode."
    )
    demo: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention_days: int = Field(default=30, ge=1, le=3650)
    ingest_workers: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description="Ingest worker processes (default: one per core; 0: one, in the front).",
    )
    ingest_queue_size: int = Field(
        default=5_000, ge=100, description="Messages each ingest worker buffers at most."
    )
    ingest_batch_size: int = Field(
        default=500,
        ge=1,
        description=(
            "Messages per store transaction. 500: a resident's claim or audit row commits"
            " behind at most that much of ingest's writing (SQLite's one write lock, and on"
            " PostgreSQL the log it flushes first); larger batches bought no ingest rate."
        ),
    )
    ingest_flush_interval_ms: int = Field(default=50, ge=1, le=10_000)
    device_keepalive_s: int = Field(
        default=60, ge=1, le=3600, description="Longest silence a protocol allows a device."
    )
    command_timeout_s: float = Field(default=5.0, gt=0, le=300)
    sparkplug_host_id: str = Field(default="hub", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    sparkplug_primary: bool = Field(default=True, description="Publish the host STATE.")
    alarm_rules_file: str | None = Field(default=None, description="Alarm thresholds (JSON/YAML).")
    timezone: str = Field(
        default="Asia/Shanghai",
        max_length=64,
        description="The city's time zone (IANA name): days and months of reports, 'today'.",
    )
    firmware_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="URL devices download firmware from; unset: http://API_HOST:API_PORT.",
    )
    firmware_token_ttl_s: int = Field(default=3600, ge=60, le=7 * 86_400)
    firmware_max_image_mb: int = Field(default=64, ge=1, le=1024)
    campaign_lease_s: float = Field(default=15.0, gt=0, le=600)
    registry_poll_interval_s: float = Field(
        default=0.5, gt=0, le=60, description="How often the hub looks for registry changes."
    )

    @model_validator(mode="before")
    @classmethod
    def _secret_share_group(cls, data: Any) -> Any:
        """Unset HUB_SHARE_GROUP: a group only holders of the secret key can name."""
        if isinstance(data, dict) and data.get("share_group") is None:
            key = data.get("secret_key")
            data = {**data, "share_group": derive_share_group(str(key or DEMO_SECRET_KEY))}
        return data

    @field_validator("mqtt_url")
    @classmethod
    def _check_mqtt_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("mqtt://", "mqtts://", "tcp://")):
            raise ValueError("must start with mqtt://, mqtts:// or tcp://")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @property
    def effective_firmware_base_url(self) -> str:
        """Where devices reach the hub's firmware downloads."""
        if self.firmware_base_url is not None:
            return self.firmware_base_url.rstrip("/")
        return f"http://{self.api_host}:{self.api_port}"

    @model_validator(mode="after")
    def _secrets_need_demo(self) -> Settings:
        if self.secret_key is None and not self.demo:
            raise ValueError("HUB_SECRET_KEY is required unless HUB_DEMO=true")
        return self

    @property
    def effective_secret_key(self) -> str:
        return self.secret_key if self.secret_key is not None else DEMO_SECRET_KEY


def worker_count(settings: Settings) -> int:
    """How many ingest worker processes (0: one worker inside the front process)."""
    if settings.ingest_workers is not None:
        return settings.ingest_workers
    return max(1, os.cpu_count() or 1)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise ConfigError naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        variable = "HUB_" + loc[0].upper() if loc else "HUB_SECRET_KEY"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(variable, message) from exc
