"""Places as operators drill through them: a place, its figures, its children, its devices."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.registry.vocabulary import DeviceKind, Level


class PlaceRef(BaseModel):
    code: str
    name: str = Field(description="as the registry has it")
    level: Level
    path: str


class KindFigures(BaseModel):
    total: int = Field(description="enabled devices")
    online: int


class SalesFigures(BaseModel):
    vends: int
    value_fen: int = Field(description="fen (0.01 CNY)")


class PlaceFigures(BaseModel):
    devices: dict[DeviceKind, KindFigures]
    online_share: float | None = Field(description="0..1 over enabled devices; null without any")
    alarms_by_severity: dict[str, int] = Field(description="open alarms (active or acknowledged)")
    unlocks_today: dict[str, int] = Field(
        description="door openings today by method: card, pin (granted by the hub), app "
        "(residents), operator (confirmed)"
    )
    parcels_waiting: int
    sales_today: SalesFigures


class ChildPlace(BaseModel):
    place: PlaceRef
    figures: PlaceFigures


class DeviceHere(BaseModel):
    id: str
    kind: DeviceKind
    name: str
    enabled: bool
    online: bool
    last_seen_ms: int | None
    open_alarms: int
    parcels_waiting: int = Field(description="lockers: parcels waiting in it")


class PlaceView(BaseModel):
    place: PlaceRef
    trail: list[PlaceRef] = Field(description="from the caller's scope down to this place")
    timezone: str = Field(description="the city's time zone: what 'today' means")
    today_start_ms: int
    figures: PlaceFigures
    children: list[ChildPlace] = Field(description="the places one level down, by code")
    devices: list[DeviceHere] = Field(description="devices installed at this place itself")
