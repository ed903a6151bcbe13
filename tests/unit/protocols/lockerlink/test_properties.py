"""Properties: no input makes a decoder raise anything but CodecError, and every valid
message survives encode-then-decode unchanged in both generations."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink import (
    Deposit,
    DeviceCommand,
    DeviceUplink,
    DoorClosed,
    DoorLeftOpen,
    DoorOpened,
    Fault,
    FirmwareProgress,
    FirmwareUpdate,
    LastWill,
    OpenCompartment,
    Pickup,
    Reboot,
    Reply,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV1,
    TelemetryV2,
    decode_command,
    decode_event,
    decode_reply,
    decode_status,
    decode_telemetry,
    encode_command,
    encode_event,
    encode_reply,
    encode_status,
    encode_telemetry,
)
from firmware_protocols.lockerlink.definitions import decode_uplink
from tests.unit.protocols.lockerlink import strategies as gen

DECODERS: tuple[Callable[[bytes], object], ...] = (
    decode_status,
    decode_telemetry,
    decode_event,
    decode_reply,
    decode_command,
    lambda payload: decode_uplink("status", payload),
    lambda payload: decode_uplink("telemetry", payload),
    lambda payload: decode_uplink("event", payload),
    lambda payload: decode_uplink("reply", payload),
)
MANY = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


_STATUS = (encode_status, decode_status)
_EVENT = (encode_event, decode_event)
CODECS: dict[type, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    StatusOnline: _STATUS,
    StatusOffline: _STATUS,
    LastWill: _STATUS,
    TelemetryV1: (encode_telemetry, decode_telemetry),
    TelemetryV2: (encode_telemetry, decode_telemetry),
    Reply: (encode_reply, decode_reply),
    OpenCompartment: (encode_command, decode_command),
    Reboot: (encode_command, decode_command),
    FirmwareUpdate: (encode_command, decode_command),
    **{
        cls: _EVENT
        for cls in (
            Deposit,
            Pickup,
            DoorOpened,
            DoorClosed,
            DoorLeftOpen,
            Tamper,
            Fault,
            FirmwareProgress,
        )
    },
}
CHANNELS: dict[Callable[[bytes], Any], str] = {
    decode_status: "status",
    decode_telemetry: "telemetry",
    decode_event: "event",
    decode_reply: "reply",
}


def encode(message: DeviceUplink | DeviceCommand) -> bytes:
    return CODECS[type(message)][0](message)


def decoder_for(message: DeviceUplink | DeviceCommand) -> Callable[[bytes], Any]:
    return CODECS[type(message)][1]


def only_codec_errors(payload: bytes) -> None:
    for decode in DECODERS:
        try:
            decode(payload)
        except CodecError as exc:
            assert exc.reason in {
                "too_large",
                "bad_json",
                "missing_field",
                "bad_field",
                "unsupported_version",
                "unknown_event",
                "unknown_command",
            }


@MANY
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_codec_error(payload: bytes) -> None:
    only_codec_errors(payload)


@settings(max_examples=200, deadline=None)
@given(st.lists(gen.json_values, min_size=1, max_size=5), gen.generation)
def test_v2_compartment_entries_of_any_shape_raise_only_codec_error(
    entries: list[Any], v: int
) -> None:
    obj = {"v": v, "seq": 1, "ts": 1, "compartments": entries, "power": "mains"}
    obj |= {"battery_pct": 50, "board_temp_c": 20, "count": 8, "latch": "00", "items": "00"}
    only_codec_errors(json.dumps(obj).encode())


@MANY
@given(gen.uplinks | gen.commands, gen.edits)
def test_encode_then_decode_is_identity(
    message: DeviceUplink | DeviceCommand, edit: tuple[int, Any]
) -> None:
    """Both generations: the typed value survives the wire, in one canonical form; the
    hub's session turns every uplink into records; and the same message with a key
    removed or replaced by another JSON value gives only CodecError.

    (One test, so that the 2000 generated messages pay for all three properties.)
    """
    payload = encode(message)
    decode = decoder_for(message)
    decoded = decode(payload)
    assert decoded == message
    assert type(decoded) is type(message)
    assert encode(decoded) == payload
    if decode in CHANNELS:
        assert decode_uplink(CHANNELS[decode], payload)
    only_codec_errors(gen.mutate(json.loads(payload), edit))
