"""Limits of the API, from ``HUB_API_*`` environment variables (or given to create_app)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_API_", extra="ignore", frozen=True)

    unlock_rate_per_minute: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Unlock and collect attempts per resident per minute (per replica).",
    )
    unlock_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long an unlock waits for the device; also the command's expiry.",
    )
    unlock_pulse_ms: int = Field(default=3000, ge=100, le=60_000)
    command_timeout_max_s: float = Field(default=30.0, gt=0, le=300)
    sse_heartbeat_s: float = Field(default=15.0, gt=0, le=300)
    stream_token_check_s: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often open event streams' tokens are checked for revocation.",
    )
    idempotency_retention_h: float = Field(
        default=24.0,
        gt=0,
        le=24 * 366,
        description="How long an Idempotency-Key and its answer are kept.",
    )
