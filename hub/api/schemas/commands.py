"""Operator commands: one strict body per command, told apart by ``name``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from hub.api.schemas.common import StrictBody
from hub.registry.vocabulary import DeviceKind

Timeout = Annotated[
    float | None,
    Field(gt=0, le=30, description="seconds to wait for the device; default from the hub"),
]


class CommandBase(StrictBody):
    timeout_s: Timeout = None


class OpenCompartmentCreate(CommandBase):
    """Lockers: open one compartment for service."""

    name: Literal["open_compartment"]
    compartment: int = Field(ge=1, le=128)
    reason: Literal["service"] = "service"


class RebootCreate(CommandBase):
    """Lockers and vending machines: restart the controller."""

    name: Literal["reboot"]


class SetTemperatureCreate(CommandBase):
    """Vending machines: cabinet temperature setpoint."""

    name: Literal["set_temperature"]
    setpoint_c: float = Field(ge=0.0, le=15.0)


class UnlockCreate(CommandBase):
    """Door units: release the strike (service access)."""

    name: Literal["unlock"]
    pulse_ms: int = Field(default=3000, ge=100, le=60_000)


CommandCreate = Annotated[
    OpenCompartmentCreate | RebootCreate | SetTemperatureCreate | UnlockCreate,
    Field(discriminator="name"),
]

COMMAND_KINDS: dict[str, tuple[DeviceKind, ...]] = {
    "open_compartment": ("locker",),
    "reboot": ("locker", "vending"),
    "set_temperature": ("vending",),
    "unlock": ("door",),
}
"""Which kinds of device take each command."""


class CommandOutcomePublic(BaseModel):
    """What became of a command the API just issued."""

    command_id: str
    device_id: str
    name: str
    state: str = Field(description="confirmed, acknowledged, rejected, expired, timed_out, ...")
    reason: str | None
    latency_ms: float


class CommandReplyPublic(BaseModel):
    status: str
    reason: str | None
    received_ms: int
    late: bool = Field(description="arrived after the command was final: changed nothing")


class CommandPublic(BaseModel):
    id: str
    device_id: str
    kind: str
    name: str
    params: dict[str, Any]
    issued_by: str
    state: str
    reason: str | None
    created_ms: int
    expires_ms: int
    sent_ms: int | None
    acknowledged_ms: int | None
    completed_ms: int | None
    replies: list[CommandReplyPublic]
