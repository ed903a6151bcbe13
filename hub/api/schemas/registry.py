"""Request and answer shapes of the registry API: devices with compartments or slots,
residents, cards and PINs. Requests are strict (unknown fields are a 422); the
registry's own rules (id alphabet, locations, codecs) are checked by hub.registry and
answered as 422s naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from hub.api.schemas.common import RowAnswer, StrictBody
from hub.api.schemas.devices import DevicePublic
from hub.registry.vocabulary import (
    MAX_DEVICE_ID_LENGTH,
    CardFormat,
    CompartmentSize,
    DeviceKind,
    ProtocolName,
)

Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=48, description="a node code")]


class CompartmentIn(StrictBody):
    number: int = Field(ge=1, le=128)
    size: CompartmentSize


class SlotIn(StrictBody):
    number: int = Field(ge=1, le=255)
    product: Text64
    price: int = Field(ge=0, le=1_000_000, description="fen (0.01 CNY)")
    capacity: int = Field(ge=1, le=10_000)


class DeviceCreate(StrictBody):
    """A new device. ``protocol`` may be left out (each kind speaks one); ``compartments``
    (lockers) or ``slots`` (vending machines) may be left out too: the hub then goes by
    what the device reports."""

    id: str = Field(
        min_length=1,
        max_length=MAX_DEVICE_ID_LENGTH,
        description="1 to 128 letters (either case), digits, '-', '_' or '.'",
        examples=["LK-0412"],
    )
    kind: DeviceKind
    protocol: ProtocolName | None = None
    vendor: Text64
    model: Text64
    firmware_version: str = Field(min_length=1, max_length=32, examples=["2.1.0"])
    name: str = Field(min_length=1, max_length=128)
    location: Code = Field(description="community code (lockers, vending) or building (doors)")
    enabled: bool = True
    compartments: list[CompartmentIn] = Field(default_factory=list, max_length=128)
    slots: list[SlotIn] = Field(default_factory=list, max_length=255)


class PartialUpdate(StrictBody):
    """A PATCH body: at least one field, and none of them null."""

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class DeviceUpdate(PartialUpdate):
    """Fields to change (at least one). ``enabled: false`` disables the device: the hub
    refuses its messages and commands at once and it goes offline."""

    vendor: Text64 | None = None
    model: Text64 | None = None
    firmware_version: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=128)
    location: Code | None = None
    enabled: bool | None = None


class CompartmentsPut(StrictBody):
    compartments: list[CompartmentIn] = Field(max_length=128)


class SlotsPut(StrictBody):
    slots: list[SlotIn] = Field(max_length=255)


class DeviceRegisteredPublic(DevicePublic):
    """A device just added. ``mqtt_password`` is shown this once and stored only as a
    hash: give it to the device's installer (``hub broker-config`` puts the hash in the
    broker's password file)."""

    created_at: datetime
    mqtt_password: str


class ResidentCreate(StrictBody):
    building: Code
    unit: str = Field(min_length=1, max_length=16)
    name: Text64


class ResidentUpdate(PartialUpdate):
    """Fields to change (at least one). A new ``building`` revokes the resident's PINs
    (a PIN is bound to its building); cards move with the resident."""

    building: Code | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    name: Text64 | None = None


class ResidentRecordPublic(BaseModel):
    id: int
    building: str = Field(description="building code")
    building_path: str
    unit: str
    name: str


class ResidentPage(BaseModel):
    items: list[ResidentRecordPublic]
    next_cursor: int | None = Field(description="pass as cursor for the next page; null: done")


class CardCreate(StrictBody):
    kind: Literal["card"]
    card_format: CardFormat = Field(description="H10301 (Wiegand 26) or H10306 (Wiegand 34)")
    facility_code: int = Field(ge=0, le=0xFFFF)
    card_number: int = Field(ge=0, le=0xFFFF)


class PinCreate(StrictBody):
    kind: Literal["pin"]
    pin: str = Field(min_length=4, max_length=6, pattern=r"^[0-9]{4,6}$")


CredentialCreate = Annotated[CardCreate | PinCreate, Field(discriminator="kind")]


class CredentialUpdate(StrictBody):
    revoked: bool = Field(description="true revokes the card or PIN at once; false restores it")


class CredentialPublic(RowAnswer):
    """A card or a PIN (a PIN's digits are never shown: only its hash is stored)."""

    id: int
    resident_id: int
    kind: Literal["card", "pin"]
    card_format: CardFormat | None
    facility_code: int | None
    card_number: int | None
    revoked: bool
    created_at: datetime
