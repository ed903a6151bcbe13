"""A vending machine as operators see it: slots, cabinet temperature in its band, vends,
and the DEX audits with their checks and their comparison with the live vends."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from hub.api.schemas.places import SalesFigures


class SlotView(BaseModel):
    number: int
    product: str | None = Field(description="the registry's product, if it lists the slot")
    price_fen: int | None = Field(description="the machine's reported price, else the registry's")
    capacity: int | None
    stock: int | None = Field(description="as last reported (lowered by vends reported since)")
    low: bool = Field(description="below the low-stock alarm's share of capacity")
    unsellable: bool = Field(description="held by an open cold-chain alarm")


class CabinetView(BaseModel):
    device_id: str
    online: bool
    reported_ms: int | None
    temperature_c: float | None = Field(description="rounded to 0.1 °C")
    setpoint_c: float | None
    band_min_c: float = Field(description="the cold-chain band for this machine's community")
    band_max_c: float
    in_band: bool | None
    door_open: bool | None
    compressor_on: bool | None
    fault_code: str | None
    slots: list[SlotView]
    sales_today: SalesFigures
    low_stock_fraction: float


class VendView(BaseModel):
    id: int
    slot: int
    product: str | None
    price_fen: int
    ts_ms: int = Field(description="the machine's time of the vend")
    vend_id: str


class VendPage(BaseModel):
    items: list[VendView] = Field(description="newest first")
    next_cursor: int | None


class DexMoney(BaseModel):
    vends: int | None
    value_fen: int | None


class DexComparison(BaseModel):
    previous_audit_id: int
    since_ms: int = Field(description="the previous valid audit's time (excluded)")
    until_ms: int = Field(description="this audit's time (included)")
    audit_vends: int = Field(description="VA1 vends since initialisation, minus the previous")
    audit_value_fen: int
    live_vends: int = Field(description="vends the machine reported live in that window")
    live_value_fen: int
    vends_difference: int = Field(description="audit minus live")
    value_difference_fen: int
    disagrees: bool = Field(description="beyond the DEX alarm's tolerance")


class DexAuditPublic(BaseModel):
    id: int
    seq: int
    ts_ms: int = Field(description="the machine's time of the audit")
    received_ms: int
    valid: bool = Field(description="complete, and G85 CRC and SE count confirmed")
    problems: list[str] = Field(description="not_dex, incomplete, crc_failed, segment_count_failed")
    complete: bool
    g85_ok: bool | None
    se_ok: bool | None
    error: str | None
    warnings: int
    decimal_places: int | None
    paid_since_init: DexMoney = Field(description="VA1 01/02")
    paid_since_reset: DexMoney = Field(description="VA1 03/04")
    cash: DexMoney = Field(description="CA2")
    cashless: DexMoney = Field(description="DA2")
    products: list[dict[str, Any]] = Field(
        description="per selection (PA1/PA2): selection, name, price, count, value, "
        "count_reset, value_reset, in the file's minor units"
    )
    since_previous: DexComparison | None = Field(
        description="null for an invalid audit or a baseline (first, or counters reset)"
    )


class DexAuditPage(BaseModel):
    items: list[DexAuditPublic] = Field(description="newest first")
    next_cursor: int | None
