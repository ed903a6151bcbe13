"""Typed lockerlink messages, as both the hub and the device firmware see them.

Field names are Python names; the wire names are in ``PROTOCOL.md`` (``ts`` is
``ts_ms``, ``id`` is ``command_id``, ``expires_at`` is ``expires_at_ms``). Every message is
a frozen slotted dataclass; the codecs turn them into JSON and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import msgspec

from firmware_protocols.base import CommandStatus
from firmware_protocols.firmware import FirmwareState

Generation = Literal[1, 2]
Power = Literal["mains", "battery"]
Size = Literal["S", "M", "L"]
CompartmentState = Literal["empty", "occupied", "open", "fault"]
PickupMethod = Literal["app", "code", "courier_return"]
OpenReason = Literal["courier_deposit", "resident_pickup", "service"]
CommandName = Literal["open_compartment", "reboot", "firmware_update"]
EventType = Literal[
    "deposit",
    "pickup",
    "door_opened",
    "door_closed",
    "door_left_open",
    "tamper",
    "fault",
    "firmware",
]

GENERATIONS: tuple[Generation, ...] = (1, 2)
POWER_SOURCES: tuple[Power, ...] = ("mains", "battery")
SIZES: tuple[Size, ...] = ("S", "M", "L")
COMPARTMENT_STATES: tuple[CompartmentState, ...] = ("empty", "occupied", "open", "fault")
PICKUP_METHODS: tuple[PickupMethod, ...] = ("app", "code", "courier_return")
OPEN_REASONS: tuple[OpenReason, ...] = ("courier_deposit", "resident_pickup", "service")
COMMAND_NAMES: tuple[CommandName, ...] = ("open_compartment", "reboot", "firmware_update")
REPLY_STATUSES: tuple[CommandStatus, ...] = (
    "accepted",
    "rejected",
    "expired",
    "replayed",
    "confirmed",
    "failed",
)

MAX_UINT = 2**53 - 1  # largest integer every JSON parser keeps exact (seq, ts, expires_at)
MAX_COMPARTMENTS = 128  # 8 cascaded 16-lock boards
MIN_TEMP_C = -40.0
MAX_TEMP_C = 125.0
WILL_REASON = "connection_lost"


# ---------------------------------------------------------------- status
@dataclass(frozen=True, slots=True)
class StatusOnline:
    """Retained on ``status`` after every connect."""

    v: Generation
    seq: int
    ts_ms: int
    fw: str
    model: str
    compartments: int


@dataclass(frozen=True, slots=True)
class StatusOffline:
    """Retained on ``status`` by the device itself before a planned disconnect."""

    v: Generation
    seq: int
    ts_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class LastWill:
    """The offline status the broker publishes for the device; no ``seq`` and no ``ts``."""

    v: Generation
    reason: str = WILL_REASON


Status = StatusOnline | StatusOffline | LastWill


# ---------------------------------------------------------------- telemetry
@dataclass(frozen=True, slots=True)
class TelemetryV1:
    """Generation 1: door (latch) and item-sensor bitmaps, as sets of compartment numbers."""

    v: ClassVar[Generation] = 1
    seq: int
    ts_ms: int
    count: int
    open_doors: frozenset[int]
    occupied: frozenset[int]
    power: Power
    battery_pct: int
    board_temp_c: float


class Compartment(msgspec.Struct, frozen=True):
    """One compartment of a generation-2 report. A msgspec struct: a report carries up to
    60 of them, which the telemetry decoder builds and checks in C (see telemetry.py)."""

    number: int
    size: Size
    state: CompartmentState


@dataclass(frozen=True, slots=True)
class TelemetryV2:
    """Generation 2: one entry per compartment with its size and state."""

    v: ClassVar[Generation] = 2
    seq: int
    ts_ms: int
    compartments: tuple[Compartment, ...]
    power: Power
    battery_pct: int
    board_temp_c: float


LockerTelemetry = TelemetryV1 | TelemetryV2


# ---------------------------------------------------------------- events
@dataclass(frozen=True, slots=True)
class Deposit:
    type: ClassVar[EventType] = "deposit"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int
    tracking: str
    building: str
    unit: str


@dataclass(frozen=True, slots=True)
class Pickup:
    type: ClassVar[EventType] = "pickup"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int
    method: PickupMethod


@dataclass(frozen=True, slots=True)
class DoorOpened:
    type: ClassVar[EventType] = "door_opened"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int


@dataclass(frozen=True, slots=True)
class DoorClosed:
    type: ClassVar[EventType] = "door_closed"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int


@dataclass(frozen=True, slots=True)
class DoorLeftOpen:
    type: ClassVar[EventType] = "door_left_open"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int
    open_s: int


@dataclass(frozen=True, slots=True)
class Tamper:
    type: ClassVar[EventType] = "tamper"
    v: Generation
    seq: int
    ts_ms: int
    compartment: int | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    type: ClassVar[EventType] = "fault"
    v: Generation
    seq: int
    ts_ms: int
    code: str
    compartment: int | None = None


@dataclass(frozen=True, slots=True)
class FirmwareProgress:
    """How a firmware update is going: ``state`` is one of ``FIRMWARE_STATES``;
    ``version`` the version being installed; ``command_id`` the ``firmware_update`` order;
    ``progress_pct`` while downloading, ``reason`` when failed."""

    type: ClassVar[EventType] = "firmware"
    v: Generation
    seq: int
    ts_ms: int
    state: FirmwareState
    version: str
    command_id: str
    progress_pct: int | None = None
    reason: str | None = None


LockerEvent = (
    Deposit | Pickup | DoorOpened | DoorClosed | DoorLeftOpen | Tamper | Fault | FirmwareProgress
)


# ---------------------------------------------------------------- replies and commands
@dataclass(frozen=True, slots=True)
class Reply:
    """The device's answer to a command, on ``reply``."""

    v: Generation
    seq: int
    ts_ms: int
    command_id: str
    status: CommandStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OpenCompartment:
    name: ClassVar[CommandName] = "open_compartment"
    v: Generation
    command_id: str
    expires_at_ms: int
    compartment: int
    reason: OpenReason


@dataclass(frozen=True, slots=True)
class Reboot:
    name: ClassVar[CommandName] = "reboot"
    v: Generation
    command_id: str
    expires_at_ms: int


@dataclass(frozen=True, slots=True)
class FirmwareUpdate:
    """Download the image at ``url``, check its ``size`` and ``sha256``, install it and
    restart with ``version``."""

    name: ClassVar[CommandName] = "firmware_update"
    v: Generation
    command_id: str
    expires_at_ms: int
    version: str
    size: int
    sha256: str
    url: str


DeviceCommand = OpenCompartment | Reboot | FirmwareUpdate
DeviceUplink = Status | LockerTelemetry | LockerEvent | Reply
