"""What the hub makes of a vending machine's Sparkplug messages (pure).

- NBIRTH: ``Presence(online, "nbirth")`` and ``StateReport`` {firmware, model};
- NDEATH of the current connection: ``Presence(offline, "ndeath")``; a stale one: nothing;
- DBIRTH ``vmc``: ``Presence(online, "dbirth")``, ``Telemetry`` and the full
  ``StateReport``; DDEATH ``vmc``: ``Presence(offline, "ddeath")``;
- DDATA ``vmc``: ``Telemetry`` (``cabinet_temp_c``, ``setpoint_c``, ``door_open`` 0/1,
  ``compressor_on`` 0/1, ``slot_<n>_stock``), a partial ``StateReport`` (keys
  ``temperature_c``, ``setpoint_c``, ``door_open``, ``compressor_on``, ``fault_code`` and
  ``slots`` {"<n>": {stock, price, capacity}}), events ``vend`` {slot, price, vend_id},
  ``fault`` {code}, ``fault_cleared`` {}, ``dex_audit`` {text}, and ``CommandReply``;
- NDATA: node ``StateReport`` changes, ``CommandReply`` and a ``firmware`` event
  {state, version, progress_pct, reason, command_id} when it carries ``Firmware/State``;
- a :class:`~firmware_protocols.sparkplug_b.host_session.Gap`: ``SequenceGap`` first
  (``-1`` stands for "no birth to count from").

``Telemetry.seq`` and ``Event.seq`` are ``(payload timestamp ms << 8) | seq``: unique per
message of a device and increasing, so a redelivered message de-duplicates. Metrics whose
value does not fit their meaning (wrong type, null, not finite) are left out; a malformed
vend or command reply is a CodecError, so it lands in the dead letters.
"""

from __future__ import annotations

import math
from typing import Any

from firmware_protocols.base import (
    CodecError,
    CommandReply,
    CommandStatus,
    Event,
    Presence,
    SequenceGap,
    StateReport,
    Telemetry,
    Uplink,
)
from firmware_protocols.firmware import EVENT_TYPE, FIRMWARE_STATES, progress_data
from firmware_protocols.sparkplug_b.datatypes import MetricValue
from firmware_protocols.sparkplug_b.host_session import Received
from firmware_protocols.sparkplug_b.payload import Payload
from firmware_protocols.sparkplug_b.topics import MessageType
from firmware_protocols.sparkplug_b.vending_model import (
    COMPRESSOR,
    DEVICE_ID,
    DEX_AUDIT,
    DOOR,
    FAULT_CODE,
    FIRMWARE,
    FW_COMMAND,
    FW_PROGRESS,
    FW_REASON,
    FW_STATE,
    FW_TARGET,
    MAX_PRICE_FEN,
    MAX_SLOT,
    MODEL,
    REPLY_ID,
    REPLY_REASON,
    REPLY_STATUS,
    REPLY_STATUSES,
    SETPOINT,
    TEMPERATURE,
    VEND_ID,
    VEND_PRICE,
    VEND_SLOT,
    parse_slot_metric,
)

_SLOT_KEYS = {"Stock": "stock", "Price": "price", "Capacity": "capacity"}


def message_key(payload: Payload) -> int:
    """``(timestamp << 8) | seq``; CodecError ``missing_field`` without either."""
    if payload.timestamp is None or payload.seq is None:
        raise CodecError("missing_field", "data needs a payload timestamp and seq")
    return (payload.timestamp << 8) | (payload.seq & 0xFF)


def uplinks(received: Received) -> list[Uplink]:
    """The hub's records for one message the session took."""
    records: list[Uplink] = []
    gap = received.gap
    if gap is not None:
        expected = -1 if gap.expected is None else gap.expected
        records.append(SequenceGap(expected, -1 if gap.received is None else gap.received))
    payload, kind = received.payload, received.message_type
    values = payload.values()
    if kind is MessageType.NBIRTH:
        attrs = {"bd_seq": received.bd_seq}
        records.append(Presence(True, "nbirth", payload.timestamp, attrs))
        records += _state(_node_state(values))
    elif kind is MessageType.NDEATH:
        if not received.stale:
            attrs = {"bd_seq": received.bd_seq}
            records.append(Presence(False, "ndeath", payload.timestamp, attrs))
    elif kind is MessageType.NDATA:
        records += _state(_node_state(values))
        records += _reply(values, payload.timestamp)
        records += _firmware(values, payload)
    elif received.device_id != DEVICE_ID:
        pass  # a device our model does not know: only its gap matters
    elif kind is MessageType.DDEATH:
        records.append(Presence(False, "ddeath", payload.timestamp))
    elif kind is MessageType.DBIRTH:
        records.append(Presence(True, "dbirth", payload.timestamp))
        records += _device(values, message_key(payload), payload.timestamp, events=False)
    elif kind is MessageType.DDATA:
        records += _device(values, message_key(payload), payload.timestamp, events=True)
        records += _reply(values, payload.timestamp)
    return records


def _state(state: dict[str, Any]) -> list[Uplink]:
    return [StateReport(state)] if state else []


def _node_state(values: dict[str, MetricValue]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for name, key in ((FIRMWARE, "firmware"), (MODEL, "model")):
        if isinstance(values.get(name), str):
            state[key] = values[name]
    return state


def _device(
    values: dict[str, MetricValue], key: int, ts: int | None, *, events: bool
) -> list[Uplink]:
    assert ts is not None  # message_key checked it
    telemetry: dict[str, float] = {}
    state: dict[str, Any] = {}
    slots: dict[str, dict[str, int]] = {}
    for name, tele, field in (
        (TEMPERATURE, "cabinet_temp_c", "temperature_c"),
        (SETPOINT, "setpoint_c", "setpoint_c"),
    ):
        number = values.get(name)
        if (
            isinstance(number, float | int)
            and not isinstance(number, bool)
            and math.isfinite(number)
        ):
            telemetry[tele] = state[field] = float(number)
    for name, tele in ((DOOR, "door_open"), (COMPRESSOR, "compressor_on")):
        flag = values.get(name)
        if isinstance(flag, bool):
            telemetry[tele] = 1.0 if flag else 0.0
            state[tele] = flag
    for name, value in values.items():
        slot = parse_slot_metric(name)
        if slot is None or isinstance(value, bool) or not isinstance(value, int):
            continue
        slots.setdefault(str(slot[0]), {})[_SLOT_KEYS[slot[1]]] = value
        if slot[1] == "Stock":
            telemetry[f"slot_{slot[0]}_stock"] = float(value)
    if slots:
        state["slots"] = slots
    fault = values.get(FAULT_CODE)
    if isinstance(fault, str):
        state["fault_code"] = fault
    records: list[Uplink] = []
    if telemetry:
        records.append(Telemetry(key, ts, telemetry))
    records += _state(state)
    if events:
        records += _events(values, key, ts)
    return records


def _events(values: dict[str, MetricValue], key: int, ts: int) -> list[Uplink]:
    events: list[Uplink] = []
    if VEND_SLOT in values:
        slot, price, vend_id = values[VEND_SLOT], values.get(VEND_PRICE), values.get(VEND_ID, "")
        if not _int_in(slot, 1, MAX_SLOT) or not _int_in(price, 0, MAX_PRICE_FEN):
            raise CodecError("bad_field", f"vend slot {slot!r} price {price!r}")
        if not isinstance(vend_id, str):
            raise CodecError("bad_field", "Vend/Id must be a string")
        events.append(Event(key, ts, "vend", {"slot": slot, "price": price, "vend_id": vend_id}))
    fault = values.get(FAULT_CODE)
    if isinstance(fault, str):
        events.append(
            Event(key, ts, "fault", {"code": fault})
            if fault
            else Event(key, ts, "fault_cleared", {})
        )
    audit = values.get(DEX_AUDIT)
    if isinstance(audit, str) and audit:
        events.append(Event(key, ts, "dex_audit", {"text": audit}))
    return events


def _firmware(values: dict[str, MetricValue], payload: Payload) -> list[Uplink]:
    """The ``firmware`` event of a node message carrying ``Firmware/State``."""
    state = values.get(FW_STATE)
    if not isinstance(state, str) or not state:
        return []
    if state not in FIRMWARE_STATES:
        raise CodecError("bad_field", f"Firmware/State {state[:32]!r}")
    target, progress = values.get(FW_TARGET), values.get(FW_PROGRESS)
    reason, command_id = values.get(FW_REASON), values.get(FW_COMMAND)
    if not isinstance(target, str) or not target:
        raise CodecError("bad_field", "Firmware/Target must come with Firmware/State")
    percent = progress if isinstance(progress, int) and _int_in(progress, 0, 100) else None
    data = progress_data(
        state,
        target,
        progress_pct=percent if state == "downloading" else None,
        reason=reason if isinstance(reason, str) and reason and state == "failed" else None,
        command_id=command_id if isinstance(command_id, str) and command_id else None,
    )
    return [Event(message_key(payload), payload.timestamp or 0, EVENT_TYPE, data)]


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _reply(values: dict[str, MetricValue], ts: int | None) -> list[Uplink]:
    command_id = values.get(REPLY_ID)
    if not isinstance(command_id, str) or not command_id:
        return []
    status, reason = values.get(REPLY_STATUS), values.get(REPLY_REASON)
    if status not in REPLY_STATUSES or not isinstance(status, str):
        raise CodecError("bad_field", f"Command/Reply/Status {status!r}")
    if reason is not None and not isinstance(reason, str):
        raise CodecError("bad_field", "Command/Reply/Reason must be a string")
    typed: CommandStatus = status  # type: ignore[assignment]
    return [CommandReply(command_id, typed, reason or None, ts)]
