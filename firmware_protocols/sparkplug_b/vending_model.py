"""Our vending machines' Sparkplug model: metric names, datatypes, units and ranges.

Group ``vending``; the edge node id is the hub's device id; one device ``vmc`` (the
vending machine controller). ``PROTOCOL.md`` documents the same table for vendors;
:data:`METRICS` is the single source both the codecs and the documentation test use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from firmware_protocols.sparkplug_b.datatypes import DataType, MetricValue
from firmware_protocols.sparkplug_b.payload import Metric

GROUP_ID = "vending"
DEVICE_ID = "vmc"

# node metrics
BD_SEQ = "bdSeq"
REBIRTH = "Node Control/Rebirth"
REBOOT = "Node Control/Reboot"
FIRMWARE_UPDATE = "Node Control/Firmware Update"
FIRMWARE = "Properties/Firmware"
MODEL = "Properties/Model"
# device metrics
TEMPERATURE = "Cabinet/Temperature"
SETPOINT = "Cabinet/Setpoint"
DOOR = "Cabinet/Door"
COMPRESSOR = "Compressor/Running"
VEND_SLOT = "Vend/Slot"
VEND_PRICE = "Vend/Price"
VEND_ID = "Vend/Id"
FAULT_CODE = "Fault/Code"
DEX_AUDIT = "DEX/Audit"
# command replies (node and device) and command parameters
REPLY_ID = "Command/Reply/Id"
REPLY_STATUS = "Command/Reply/Status"
REPLY_REASON = "Command/Reply/Reason"
COMMAND_ID = "Command/Id"
COMMAND_EXPIRY = "Command/Expiry"
# firmware update: the command's parameters, and the node's progress metrics
UPDATE_VERSION = "Firmware Update/Version"
UPDATE_SIZE = "Firmware Update/Size"
UPDATE_SHA256 = "Firmware Update/SHA256"
UPDATE_URL = "Firmware Update/URL"
UPDATE_PARAMS = (UPDATE_VERSION, UPDATE_SIZE, UPDATE_SHA256, UPDATE_URL)
FW_STATE = "Firmware/State"
FW_TARGET = "Firmware/Target"
FW_PROGRESS = "Firmware/Progress"
FW_REASON = "Firmware/Reason"
FW_COMMAND = "Firmware/Command"

SlotField = Literal["Stock", "Price", "Capacity"]
SLOT_FIELDS: tuple[SlotField, ...] = ("Stock", "Price", "Capacity")
MAX_SLOT = 255
SETPOINT_RANGE_C = (0.0, 15.0)
MAX_PRICE_FEN = 1_000_000
REPLY_STATUSES = ("accepted", "rejected", "expired", "replayed", "confirmed", "failed")
_SLOT = re.compile(r"Slot/([1-9][0-9]{0,2})/(Stock|Price|Capacity)")
_COMMAND_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric of the model, as PROTOCOL.md lists it."""

    name: str
    datatype: DataType
    where: Literal["node", "device", "node+device", "command"]
    unit: str
    range: str


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(BD_SEQ, DataType.UInt64, "node", "", "0..255"),
    MetricSpec(REBIRTH, DataType.Boolean, "node", "", "false in births; NCMD true"),
    MetricSpec(REBOOT, DataType.Boolean, "node", "", "false in births; NCMD true"),
    MetricSpec(FIRMWARE_UPDATE, DataType.Boolean, "node", "", "false in births; NCMD true"),
    MetricSpec(FIRMWARE, DataType.String, "node", "", "firmware version, e.g. 2.4.1"),
    MetricSpec(FW_STATE, DataType.String, "node", "", "update state; empty = none yet"),
    MetricSpec(FW_TARGET, DataType.String, "node", "", "version being installed"),
    MetricSpec(FW_PROGRESS, DataType.UInt32, "node", "%", "0..100"),
    MetricSpec(FW_REASON, DataType.String, "node", "", "why it failed; else empty"),
    MetricSpec(FW_COMMAND, DataType.String, "node", "", "the update's Command/Id"),
    MetricSpec(MODEL, DataType.String, "node", "", "model name"),
    MetricSpec(TEMPERATURE, DataType.Float, "device", "degC", "-40.0..60.0"),
    MetricSpec(SETPOINT, DataType.Float, "device", "degC", "0.0..15.0"),
    MetricSpec(DOOR, DataType.Boolean, "device", "", "true = open"),
    MetricSpec(COMPRESSOR, DataType.Boolean, "device", "", "true = running"),
    MetricSpec("Slot/<n>/Stock", DataType.UInt32, "device", "items", "0..Capacity"),
    MetricSpec("Slot/<n>/Price", DataType.UInt32, "device", "fen", "0..1000000"),
    MetricSpec("Slot/<n>/Capacity", DataType.UInt32, "device", "items", "0..1000"),
    MetricSpec(VEND_SLOT, DataType.UInt32, "device", "", "1..255; 0 in DBIRTH"),
    MetricSpec(VEND_PRICE, DataType.UInt32, "device", "fen", "0..1000000"),
    MetricSpec(VEND_ID, DataType.String, "device", "", "unique per vend; empty in DBIRTH"),
    MetricSpec(FAULT_CODE, DataType.String, "device", "", "empty = no fault"),
    MetricSpec(DEX_AUDIT, DataType.String, "device", "", "an EVA-DTS DEX/UCS file"),
    MetricSpec(REPLY_ID, DataType.String, "node+device", "", "the Command/Id answered"),
    MetricSpec(REPLY_STATUS, DataType.String, "node+device", "", "|".join(REPLY_STATUSES)),
    MetricSpec(REPLY_REASON, DataType.String, "node+device", "", "free text, may be empty"),
    MetricSpec(COMMAND_ID, DataType.String, "command", "", "32 lowercase hex digits"),
    MetricSpec(COMMAND_EXPIRY, DataType.DateTime, "command", "ms", "Unix ms"),
    MetricSpec(UPDATE_VERSION, DataType.String, "command", "", "version of the image"),
    MetricSpec(UPDATE_SIZE, DataType.UInt64, "command", "bytes", "1..2147483647"),
    MetricSpec(UPDATE_SHA256, DataType.String, "command", "", "64 lowercase hex digits"),
    MetricSpec(UPDATE_URL, DataType.String, "command", "", "http(s) URL of the image"),
)


def slot_metric(slot: int, field: SlotField) -> str:
    if not 1 <= slot <= MAX_SLOT:
        raise ValueError(f"slot {slot} is not 1..{MAX_SLOT}")
    return f"Slot/{slot}/{field}"


@lru_cache(maxsize=4096)  # a machine's few hundred metric names, seen in every message
def parse_slot_metric(name: str) -> tuple[int, SlotField] | None:
    """(slot, field) of a ``Slot/<n>/<field>`` name, or None."""
    match = _SLOT.fullmatch(name)
    if match is None or int(match.group(1)) > MAX_SLOT:
        return None
    field: SlotField = match.group(2)  # type: ignore[assignment]
    return int(match.group(1)), field


def is_command_id(value: object) -> bool:
    return isinstance(value, str) and _COMMAND_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class SlotState:
    stock: int
    price: int  # fen
    capacity: int


@dataclass(frozen=True, slots=True)
class UpdateStatus:
    """The node's firmware update metrics: ``state`` is empty before any update."""

    state: str = ""
    target: str = ""
    progress_pct: int = 0
    reason: str = ""
    command_id: str = ""

    def values(self) -> dict[str, MetricValue]:
        """All five, to publish together (in NDATA whenever one changes)."""
        return {
            FW_STATE: self.state,
            FW_TARGET: self.target,
            FW_PROGRESS: self.progress_pct,
            FW_REASON: self.reason,
            FW_COMMAND: self.command_id,
        }


def node_birth_metrics(
    firmware: str, model: str, update: UpdateStatus | None = None
) -> list[Metric]:
    """The NBIRTH metrics besides ``bdSeq`` (the edge node encoder adds that). A machine
    that can be updated passes its ``update`` status; it then also declares
    ``Node Control/Firmware Update`` and the ``Firmware/*`` metrics."""
    metrics = [
        Metric(name=REBIRTH, datatype=DataType.Boolean, value=False),
        Metric(name=REBOOT, datatype=DataType.Boolean, value=False),
        Metric(name=FIRMWARE, datatype=DataType.String, value=firmware),
        Metric(name=MODEL, datatype=DataType.String, value=model),
        *_reply_birth(),
    ]
    if update is not None:
        metrics.append(Metric(name=FIRMWARE_UPDATE, datatype=DataType.Boolean, value=False))
        types = {FW_PROGRESS: DataType.UInt32}
        for name, value in update.values().items():
            metrics.append(
                Metric(name=name, datatype=types.get(name, DataType.String), value=value)
            )
    return metrics


def device_birth_metrics(
    *,
    temperature_c: float,
    setpoint_c: float,
    door_open: bool,
    compressor_on: bool,
    slots: Mapping[int, SlotState],
    fault_code: str = "",
) -> list[Metric]:
    """Every metric the ``vmc`` device will ever publish, with its current value."""
    metrics = [
        Metric(name=TEMPERATURE, datatype=DataType.Float, value=temperature_c),
        Metric(name=SETPOINT, datatype=DataType.Float, value=setpoint_c),
        Metric(name=DOOR, datatype=DataType.Boolean, value=door_open),
        Metric(name=COMPRESSOR, datatype=DataType.Boolean, value=compressor_on),
    ]
    for slot in sorted(slots):
        state = slots[slot]
        for field, value in zip(
            SLOT_FIELDS, (state.stock, state.price, state.capacity), strict=True
        ):
            metrics.append(
                Metric(name=slot_metric(slot, field), datatype=DataType.UInt32, value=value)
            )
    metrics += [
        Metric(name=VEND_SLOT, datatype=DataType.UInt32, value=0),
        Metric(name=VEND_PRICE, datatype=DataType.UInt32, value=0),
        Metric(name=VEND_ID, datatype=DataType.String, value=""),
        Metric(name=FAULT_CODE, datatype=DataType.String, value=fault_code),
        Metric(name=DEX_AUDIT, datatype=DataType.String, value=""),
        *_reply_birth(),
    ]
    return metrics


def _reply_birth() -> list[Metric]:
    return [
        Metric(name=REPLY_ID, datatype=DataType.String, value=""),
        Metric(name=REPLY_STATUS, datatype=DataType.String, value=""),
        Metric(name=REPLY_REASON, datatype=DataType.String, value=""),
    ]


def vend_values(slot: int, price: int, vend_id: str) -> dict[str, MetricValue]:
    """DDATA values of one vend (publish them in one DDATA)."""
    return {VEND_SLOT: slot, VEND_PRICE: price, VEND_ID: vend_id}


def reply_values(command_id: str, status: str, reason: str = "") -> dict[str, MetricValue]:
    """NDATA (node command) or DDATA (device command) values answering a command."""
    if status not in REPLY_STATUSES:
        raise ValueError(f"unknown reply status {status!r}")
    return {REPLY_ID: command_id, REPLY_STATUS: status, REPLY_REASON: reason}
