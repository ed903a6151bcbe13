"""Vending commands: the hub encodes NCMD/DCMD, the firmware parses and admits them.

Every command names its metrics (no aliases, which a rebirth may change) and includes
their datatypes, so it decodes without a birth. Besides the metric it writes it carries
``Command/Id`` (32 lowercase hex digits) and ``Command/Expiry`` (DateTime, Unix ms). A
rebirth request may be sent without either; it is then exempt from the replay check and
gets no reply. Commands go out at QoS 0, not retained, as Sparkplug prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from firmware_protocols.base import CodecError, Command, Outbound
from firmware_protocols.command_guard import CommandGuard, Verdict
from firmware_protocols.firmware import FirmwareOrder, order_from_params
from firmware_protocols.sparkplug_b.datatypes import DataType, MetricValue
from firmware_protocols.sparkplug_b.edge_node import EdgeCommand
from firmware_protocols.sparkplug_b.payload import Metric, Payload, encode_payload
from firmware_protocols.sparkplug_b.topics import MessageType, build_topic
from firmware_protocols.sparkplug_b.vending_model import (
    COMMAND_EXPIRY,
    COMMAND_ID,
    DEVICE_ID,
    FIRMWARE_UPDATE,
    MAX_PRICE_FEN,
    MAX_SLOT,
    REBIRTH,
    REBOOT,
    SETPOINT,
    SETPOINT_RANGE_C,
    UPDATE_PARAMS,
    UPDATE_SHA256,
    UPDATE_SIZE,
    UPDATE_URL,
    UPDATE_VERSION,
    is_command_id,
    parse_slot_metric,
    reply_values,
    slot_metric,
)

CommandName = Literal["rebirth", "reboot", "set_temperature", "set_price", "firmware_update"]
COMMAND_NAMES: tuple[CommandName, ...] = (
    "rebirth",
    "reboot",
    "set_temperature",
    "set_price",
    "firmware_update",
)


# ---------------------------------------------------------------- hub side
def encode_command(group_id: str, edge_node_id: str, command: Command, now_ms: int) -> Outbound:
    """The NCMD/DCMD for ``command``; CodecError ``unknown_command`` or ``bad_param``."""
    name = command.name
    writes: tuple[Metric, ...]
    if name in ("rebirth", "reboot"):
        writes = (
            Metric(
                name=REBIRTH if name == "rebirth" else REBOOT, datatype=DataType.Boolean, value=True
            ),
        )
        message_type, device_id = MessageType.NCMD, None
    elif name == "set_temperature":
        setpoint = _number(command.params, "setpoint_c")
        low, high = SETPOINT_RANGE_C
        if not low <= setpoint <= high:
            raise CodecError("bad_param", f"setpoint_c {setpoint} is not {low}..{high}")
        writes = (Metric(name=SETPOINT, datatype=DataType.Float, value=setpoint),)
        message_type, device_id = MessageType.DCMD, DEVICE_ID
    elif name == "set_price":
        slot = _integer(command.params, "slot", 1, MAX_SLOT)
        price = _integer(command.params, "price", 0, MAX_PRICE_FEN)
        writes = (Metric(name=slot_metric(slot, "Price"), datatype=DataType.UInt32, value=price),)
        message_type, device_id = MessageType.DCMD, DEVICE_ID
    elif name == "firmware_update":
        try:
            order = order_from_params(dict(command.params), with_url=True)
        except CodecError as exc:
            raise CodecError("bad_param", exc.detail) from None
        writes = (
            Metric(name=FIRMWARE_UPDATE, datatype=DataType.Boolean, value=True),
            *_order_metrics(order),
        )
        message_type, device_id = MessageType.NCMD, None
    else:
        raise CodecError("unknown_command", name)
    if not (name == "rebirth" and command.command_id == ""):
        if not is_command_id(command.command_id):
            raise CodecError("bad_param", "command_id must be 32 lowercase hex digits")
        if isinstance(command.expires_at_ms, bool) or not 0 <= command.expires_at_ms < 1 << 63:
            raise CodecError("bad_param", f"expires_at_ms {command.expires_at_ms!r}")
        writes += (
            Metric(name=COMMAND_ID, datatype=DataType.String, value=command.command_id),
            Metric(name=COMMAND_EXPIRY, datatype=DataType.DateTime, value=command.expires_at_ms),
        )
    payload = Payload(timestamp=now_ms, metrics=writes)
    topic = build_topic(group_id, message_type, edge_node_id, device_id)
    return Outbound(topic, encode_payload(payload), qos=0, retain=False)


def _order_metrics(order: FirmwareOrder) -> tuple[Metric, ...]:
    return (
        Metric(name=UPDATE_VERSION, datatype=DataType.String, value=order.version),
        Metric(name=UPDATE_SIZE, datatype=DataType.UInt64, value=order.size),
        Metric(name=UPDATE_SHA256, datatype=DataType.String, value=order.sha256),
        Metric(name=UPDATE_URL, datatype=DataType.String, value=order.url or ""),
    )


def rebirth_request(group_id: str, edge_node_id: str, now_ms: int) -> Outbound:
    """An NCMD ``Node Control/Rebirth`` without id or expiry (what a gap calls for)."""
    return encode_command(group_id, edge_node_id, Command("", "rebirth", {}, 0), now_ms)


def _number(params: Mapping[str, Any], key: str) -> float:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CodecError("bad_param", f"{key} must be a finite number")
    return float(value)


def _integer(params: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CodecError("bad_param", f"{key} must be an integer {low}..{high}")
    return value


# ---------------------------------------------------------------- firmware side
@dataclass(frozen=True, slots=True)
class VendingCommand:
    """A command as the firmware reads it. ``node`` commands are answered in NDATA,
    device commands in the ``vmc`` DDATA."""

    name: CommandName
    command_id: str | None
    expires_at_ms: int | None
    params: Mapping[str, Any] = field(default_factory=dict)
    node: bool = True


def parse_command(command: EdgeCommand) -> VendingCommand:
    """Read an NCMD/DCMD; CodecError ``unknown_command`` or ``bad_command``. The id and
    expiry are not judged here (see :func:`admit`)."""
    metrics = command.payload.metrics
    if any(m.name is None for m in metrics):
        raise CodecError("bad_command", "a command metric without a name")
    carried = (COMMAND_ID, COMMAND_EXPIRY, *UPDATE_PARAMS)
    extras = {m.name: m.value for m in metrics if m.name in carried}
    writes = [m for m in metrics if m.name not in carried]
    command_id, expiry = extras.get(COMMAND_ID), extras.get(COMMAND_EXPIRY)
    if command_id is not None and not isinstance(command_id, str):
        raise CodecError("bad_command", "Command/Id must be a string")
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int)):
        raise CodecError("bad_command", "Command/Expiry must be a DateTime")
    if len(writes) != 1:
        raise CodecError("bad_command", "a command writes exactly one metric")
    name, value = str(writes[0].name), writes[0].value
    node = command.topic.device_id is None
    if node and name in (REBIRTH, REBOOT):
        if value is not True:
            raise CodecError("bad_command", f"{name} must be written true")
        which: CommandName = "rebirth" if name == REBIRTH else "reboot"
        return VendingCommand(which, command_id, expiry, {}, node=True)
    if node and name == FIRMWARE_UPDATE:
        if value is not True:
            raise CodecError("bad_command", f"{name} must be written true")
        params = {
            "version": extras.get(UPDATE_VERSION),
            "size": extras.get(UPDATE_SIZE),
            "sha256": extras.get(UPDATE_SHA256),
            "url": extras.get(UPDATE_URL),
        }
        order = order_from_params(params, with_url=True)  # CodecError bad_field
        return VendingCommand(
            "firmware_update",
            command_id,
            expiry,
            {
                "version": order.version,
                "size": order.size,
                "sha256": order.sha256,
                "url": order.url,
            },
            node=True,
        )
    if not node and command.topic.device_id == DEVICE_ID:
        if name == SETPOINT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise CodecError("bad_command", f"{SETPOINT} must be a Float")
            return VendingCommand(
                "set_temperature", command_id, expiry, {"setpoint_c": float(value)}, node=False
            )
        slot = parse_slot_metric(name)
        if slot is not None and slot[1] == "Price":
            if isinstance(value, bool) or not isinstance(value, int):
                raise CodecError("bad_command", f"{name} must be a UInt32")
            return VendingCommand(
                "set_price", command_id, expiry, {"slot": slot[0], "price": value}, node=False
            )
    raise CodecError("unknown_command", f"{command.topic.message_type} {name}")


def admit(command: VendingCommand, guard: CommandGuard, now_ms: int) -> Verdict:
    """The firmware's verdict. A rebirth without ``Command/Id`` is always accepted (and
    gets no reply); any other command without a valid id and expiry is ``rejected``;
    then expired and replayed ids are refused, and parameters are range checked."""
    if command.name == "rebirth" and command.command_id is None:
        return Verdict("accepted")
    if command.command_id is None or not is_command_id(command.command_id):
        return Verdict("rejected", "missing or malformed Command/Id")
    if command.expires_at_ms is None:
        return Verdict("rejected", "missing Command/Expiry")
    problem = _param_problem(command)
    verdict = guard.admit(command.command_id, command.expires_at_ms, now_ms)
    if verdict.execute and problem:
        return Verdict("rejected", problem)
    return verdict


@dataclass(frozen=True, slots=True)
class Decision:
    """What the firmware does with one NCMD/DCMD: execute ``command`` if
    ``verdict.execute``; publish ``reply`` (if any) in NDATA when ``node``, else in the
    ``vmc`` DDATA. ``command`` is None when the message could not be read."""

    command: VendingCommand | None
    verdict: Verdict
    reply: Mapping[str, MetricValue] | None
    node: bool


def judge_command(command: EdgeCommand, guard: CommandGuard, now_ms: int) -> Decision:
    """Parse, admit and prepare the first reply, as PROTOCOL.md section 7 prescribes."""
    node = command.topic.device_id is None
    try:
        parsed = parse_command(command)
    except CodecError as exc:
        verdict = Verdict("rejected", exc.reason)
        command_id = command.payload.values().get(COMMAND_ID)
        reply_id = command_id if isinstance(command_id, str) else ""
        return Decision(None, verdict, reply_values(reply_id, "rejected", exc.reason), node)
    verdict = admit(parsed, guard, now_ms)
    if parsed.command_id is None:
        reply = None if verdict.execute else reply_values("", verdict.status, verdict.reason or "")
    else:
        reply = reply_values(parsed.command_id, verdict.status, verdict.reason or "")
    return Decision(parsed, verdict, reply, parsed.node)


def _param_problem(command: VendingCommand) -> str:
    if command.name == "set_temperature":
        low, high = SETPOINT_RANGE_C
        setpoint = command.params["setpoint_c"]
        if not (math.isfinite(setpoint) and low <= setpoint <= high):
            return f"setpoint {setpoint} is not {low}..{high}"
    if command.name == "set_price" and not 0 <= command.params["price"] <= MAX_PRICE_FEN:
        return f"price {command.params['price']} is not 0..{MAX_PRICE_FEN}"
    return ""
