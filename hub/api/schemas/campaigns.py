"""Firmware campaigns and maintenance windows as the API takes and shows them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.api.schemas.common import RowAnswer, StrictBody
from hub.firmware.campaign_store import CampaignRow
from hub.firmware.rollout import RULE_NAMES, RolloutRules


class RolloutFields(BaseModel):
    """How a campaign rolls out (:class:`~hub.firmware.rollout.RolloutRules`), as the API
    takes it (with its limits and defaults) and shows it."""

    canary_share: float = Field(default=0.02, gt=0, le=0.5)
    wave_size: int = Field(default=50, ge=1, le=10_000)
    failure_threshold: float = Field(
        default=0.1, ge=0, le=1, description="stop when more of a wave fail than this share"
    )
    max_doors_per_building: int = Field(default=1, ge=1, le=100)
    max_in_flight: int = Field(default=50, ge=1, le=2_000)
    device_timeout_s: int = Field(
        default=1800, ge=10, le=86_400, description="longest a device may take"
    )
    health_soak_s: int = Field(
        default=600, ge=0, le=86_400, description="watch updated devices this long per wave"
    )
    health_factor: float = Field(default=2.0, ge=1, le=100)
    health_min_events: int = Field(default=3, ge=1, le=10_000)
    respect_windows: bool = True

    def rules(self) -> RolloutRules:
        return RolloutRules(**{name: getattr(self, name) for name in RULE_NAMES})


class CampaignCreate(StrictBody, RolloutFields):
    """A campaign: which devices (the image's kind; ``models``, default the models the
    image fits; a current ``version_min``..``version_max``; ``places``, node codes in
    your scope, default all of it), how fast, and when to stop."""

    name: str = Field(min_length=1, max_length=128)
    image: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of a stored image")
    models: list[str] = Field(default_factory=list, max_length=64)
    version_min: str | None = Field(default=None, min_length=1, max_length=32)
    version_max: str | None = Field(default=None, min_length=1, max_length=32)
    places: list[str] = Field(default_factory=list, max_length=500)


class WavePreview(BaseModel):
    wave: int
    devices: int


class CampaignPreview(BaseModel):
    kind: str
    version: str
    devices: int
    waves: list[WavePreview]


class CampaignPublic(RolloutFields):
    id: int
    name: str
    image: str
    kind: str
    version: str
    target: dict[str, object]
    scope_path: str
    state: str
    wave: int
    waves: int
    reason: str | None
    created_by: str
    created_ms: int
    finished_ms: int | None
    driven_by: str | None
    counts: dict[str, int]

    @classmethod
    def of(cls, row: CampaignRow, version: str, counts: dict[str, int]) -> CampaignPublic:
        return cls(
            id=row.id,
            name=row.name,
            image=row.image_sha256,
            kind=row.kind,
            version=version,
            target=dict(row.target),
            scope_path=row.scope_path,
            **row.rules.columns(),
            state=row.state,
            wave=row.wave,
            waves=row.waves,
            reason=row.reason,
            created_by=row.created_by,
            created_ms=row.created_ms,
            finished_ms=row.finished_ms,
            driven_by=row.lease_owner,
            counts=counts,
        )


class PlaceProgress(BaseModel):
    place: str
    counts: dict[str, int]


class WaveProgress(BaseModel):
    wave: int
    counts: dict[str, int]


class CampaignDetail(CampaignPublic):
    by_wave: list[WaveProgress]
    by_place: list[PlaceProgress]


class CampaignDevicePublic(RowAnswer):
    device_id: str
    kind: str
    device_path: str
    wave: int
    state: str
    from_version: str
    to_version: str
    progress_pct: int | None
    attempts: int
    reason: str | None
    command_id: str | None
    started_ms: int | None
    finished_ms: int | None
    updated_ms: int


class CampaignDevicePage(BaseModel):
    items: list[CampaignDevicePublic]
    next_cursor: str | None


class HistoryPublic(RowAnswer):
    ts_ms: int
    device_id: str | None
    action: str
    state: str | None
    actor: str
    detail: str


class CampaignDeviceDetail(CampaignDevicePublic):
    history: list[HistoryPublic]


class WindowBody(StrictBody):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["01:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["05:00"])


class WindowPublic(BaseModel):
    community: str
    start: str
    end: str
    timezone: str
