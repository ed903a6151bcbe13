"""The ``telemetry`` channel in both generations: v1 bitmaps, v2 compartment lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink.bitmap import format_bitmap, parse_bitmap
from firmware_protocols.lockerlink.fields import (
    BAD_FIELD,
    MAX_PAYLOAD_BYTES,
    Fields,
    emit,
    load_object,
)
from firmware_protocols.lockerlink.messages import (
    COMPARTMENT_STATES,
    MAX_COMPARTMENTS,
    MAX_TEMP_C,
    MAX_UINT,
    MIN_TEMP_C,
    POWER_SOURCES,
    SIZES,
    Compartment,
    CompartmentState,
    LockerTelemetry,
    Power,
    Size,
    TelemetryV1,
    TelemetryV2,
)

_SIZE_OF: dict[str, Size] = {size: size for size in SIZES}
_STATE_OF: dict[str, CompartmentState] = {state: state for state in COMPARTMENT_STATES}


def _compartments(f: Fields) -> tuple[Compartment, ...]:
    entries = f.array("compartments", MAX_COMPARTMENTS)
    if not entries:
        raise CodecError(BAD_FIELD, "telemetry.compartments is empty")
    result: list[Compartment] = []
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        # Fast path for a well-formed entry; anything else goes through Fields for the
        # precise error. ``type(x) is`` keeps bools out and unhashable values away.
        if type(entry) is dict:
            number, size, state = entry.get("number"), entry.get("size"), entry.get("state")
            if (
                type(number) is int
                and 1 <= number <= MAX_COMPARTMENTS
                and number not in seen
                and type(size) is str
                and size in _SIZE_OF
                and type(state) is str
                and state in _STATE_OF
            ):
                seen.add(number)
                result.append(Compartment(number, _SIZE_OF[size], _STATE_OF[state]))
                continue
        c = f.nested("compartments", index)
        number = c.integer("number", 1, MAX_COMPARTMENTS)
        if number in seen:
            raise CodecError(BAD_FIELD, f"telemetry.compartments lists {number} twice")
        seen.add(number)
        result.append(
            Compartment(number, c.choice("size", SIZES), c.choice("state", COMPARTMENT_STATES))
        )
    return tuple(result)


def telemetry_from_obj(obj: Mapping[str, Any]) -> LockerTelemetry:
    f = Fields(obj, "telemetry")
    v = f.version()
    seq, ts_ms = f.integer("seq"), f.integer("ts")
    power = f.choice("power", POWER_SOURCES)
    battery_pct = f.integer("battery_pct", 0, 100)
    board_temp_c = f.number("board_temp_c", MIN_TEMP_C, MAX_TEMP_C)
    if v == 1:
        count = f.integer("count", 1, MAX_COMPARTMENTS)
        return TelemetryV1(
            seq=seq,
            ts_ms=ts_ms,
            count=count,
            open_doors=parse_bitmap(f.raw("latch"), count, "telemetry.latch"),
            occupied=parse_bitmap(f.raw("items"), count, "telemetry.items"),
            power=power,
            battery_pct=battery_pct,
            board_temp_c=board_temp_c,
        )
    return TelemetryV2(
        seq=seq,
        ts_ms=ts_ms,
        compartments=_compartments(f),
        power=power,
        battery_pct=battery_pct,
        board_temp_c=board_temp_c,
    )


def telemetry_to_obj(message: LockerTelemetry) -> dict[str, Any]:
    obj: dict[str, Any] = {"v": message.v, "seq": message.seq, "ts": message.ts_ms}
    match message:
        case TelemetryV1():
            obj["count"] = message.count
            obj["latch"] = format_bitmap(message.open_doors, message.count, "open_doors")
            obj["items"] = format_bitmap(message.occupied, message.count, "occupied")
        case TelemetryV2():
            obj["compartments"] = [
                {"number": c.number, "size": c.size, "state": c.state} for c in message.compartments
            ]
    obj["power"] = message.power
    obj["battery_pct"] = message.battery_pct
    obj["board_temp_c"] = message.board_temp_c
    return obj


class _WireTelemetryV2(msgspec.Struct):
    """A well-formed generation-2 report, as msgspec checks it in C: the same rules as
    :func:`telemetry_from_obj`, which stays the authority (and gives the precise error)
    for anything this refuses."""

    v: Literal[2]
    seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_UINT)]
    ts: Annotated[int, msgspec.Meta(ge=0, le=MAX_UINT)]
    power: Power
    battery_pct: Annotated[int, msgspec.Meta(ge=0, le=100)]
    board_temp_c: Annotated[float, msgspec.Meta(ge=MIN_TEMP_C, le=MAX_TEMP_C)]
    compartments: Annotated[
        list[Compartment], msgspec.Meta(min_length=1, max_length=MAX_COMPARTMENTS)
    ]


_V2_DECODER = msgspec.json.Decoder(_WireTelemetryV2)


def _fast_v2(payload: bytes) -> TelemetryV2 | None:
    """The common case, decoded and validated in C; None sends it the careful way."""
    try:
        wire = _V2_DECODER.decode(payload)
    except msgspec.MsgspecError:
        return None
    compartments = tuple(wire.compartments)
    numbers = {c.number for c in compartments}
    if len(numbers) != len(compartments) or min(numbers) < 1 or max(numbers) > MAX_COMPARTMENTS:
        return None
    return TelemetryV2(
        seq=wire.seq,
        ts_ms=wire.ts,
        compartments=compartments,
        power=wire.power,
        battery_pct=wire.battery_pct,
        board_temp_c=wire.board_temp_c,
    )


def decode_telemetry(payload: bytes) -> LockerTelemetry:
    """Hub side: a ``telemetry`` payload of either generation; raises CodecError.

    Generation 2 reports (dozens of compartments each) first try :func:`_fast_v2`;
    whatever it refuses, and every v1 report, goes through :func:`telemetry_from_obj`."""
    if len(payload) <= MAX_PAYLOAD_BYTES:
        fast = _fast_v2(payload)
        if fast is not None:
            return fast
    return telemetry_from_obj(load_object(payload))


def encode_telemetry(message: LockerTelemetry) -> bytes:
    """Device side: a ``telemetry`` payload (QoS 1, not retained); raises CodecError."""
    return emit(telemetry_to_obj(message), telemetry_from_obj, message)
