"""Codec behaviour the properties do not pin down: reasons, leniency, encoder refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink import (
    Compartment,
    LastWill,
    OpenCompartment,
    Reply,
    StatusOnline,
    TelemetryV2,
    command_id_of,
    decode_command,
    decode_event,
    decode_reply,
    decode_status,
    decode_telemetry,
    encode_command,
    encode_reply,
    encode_status,
    encode_telemetry,
    encode_will,
)
from firmware_protocols.lockerlink.fields import MAX_PAYLOAD_BYTES

ID = "b2748793bb4345e6b5b936af5a271b09"
ONLINE = {"v": 1, "seq": 1, "ts": 2, "state": "online", "fw": "1.0.0", "model": "M"}
ONLINE |= {"compartments": 24}
V2 = {"v": 2, "seq": 1, "ts": 2, "power": "mains", "battery_pct": 50, "board_temp_c": 20}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def reason_of(decode: Any, payload: bytes) -> str:
    with pytest.raises(CodecError) as caught:
        decode(payload)
    return caught.value.reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "bad_json"),
        (b"\xff\xfe{}", "bad_json"),
        (b"[1, 2]", "bad_json"),
        (b'"online"', "bad_json"),
        (b'{"v": NaN}', "bad_json"),
        (b'{"v": Infinity}', "bad_json"),
        (b"[" * 16_000 + b"]" * 16_000, "bad_json"),
        (b'{"seq": ' + b"9" * 5000 + b"}", "bad_json"),
        (b" " * (MAX_PAYLOAD_BYTES + 1), "too_large"),
        (b'{"seq": 1}', "missing_field"),
        (b'{"v": "1"}', "bad_field"),
        (b'{"v": true}', "bad_field"),
        (b'{"v": 1.0}', "bad_field"),
        (b'{"v": 0}', "unsupported_version"),
        (b'{"v": 3}', "unsupported_version"),
    ],
)
def test_error_reasons(payload: bytes, reason: str) -> None:
    for decode in (decode_status, decode_telemetry, decode_event, decode_reply, decode_command):
        assert reason_of(decode, payload) == reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"seq": -1}, "bad_field"),
        ({"seq": 2**53}, "bad_field"),
        ({"seq": True}, "bad_field"),
        ({"ts": 1.5}, "bad_field"),
        ({"compartments": 0}, "bad_field"),
        ({"compartments": 129}, "bad_field"),
        ({"fw": ""}, "bad_field"),
        ({"fw": "1.0\n"}, "bad_field"),
        ({"fw": "x" * 33}, "bad_field"),
        ({"fw": None}, "bad_field"),
        ({"state": "sleeping"}, "bad_field"),
    ],
)
def test_status_field_checks(change: dict[str, Any], reason: str) -> None:
    assert reason_of(decode_status, dumps(ONLINE | change)) == reason


def test_unknown_keys_and_whitespace_are_ignored() -> None:
    payload = dumps(ONLINE | {"x_vendor": {"nested": [1, 2]}, "rssi": -71})
    assert decode_status(b"\n  " + payload + b"\t ") == StatusOnline(1, 1, 2, "1.0.0", "M", 24)


def test_offline_needs_both_seq_and_ts_or_neither() -> None:
    will = {"v": 2, "state": "offline", "reason": "connection_lost"}
    assert decode_status(dumps(will)) == LastWill(2)
    assert decode_status(dumps(will | {"seq": None, "ts": None})) == LastWill(2)
    assert reason_of(decode_status, dumps(will | {"seq": 5})) == "missing_field"
    assert reason_of(decode_status, dumps(will | {"ts": 5})) == "missing_field"
    assert json.loads(encode_will(2)) == will


def test_v2_compartment_list_checks() -> None:
    entry = {"number": 1, "size": "S", "state": "empty"}
    assert reason_of(decode_telemetry, dumps(V2 | {"compartments": []})) == "bad_field"
    twice = {"compartments": [entry, entry]}
    assert reason_of(decode_telemetry, dumps(V2 | twice)) == "bad_field"
    for bad in ({"size": "XL"}, {"state": "broken"}, {"number": 0}, {"number": "1"}):
        assert reason_of(decode_telemetry, dumps(V2 | {"compartments": [entry | bad]})) == (
            "bad_field"
        )
    missing = {"number": 1, "size": "S"}
    assert reason_of(decode_telemetry, dumps(V2 | {"compartments": [missing]})) == ("missing_field")
    assert reason_of(decode_telemetry, dumps(V2 | {"compartments": ["x"]})) == "bad_field"
    many = [{"number": n, "size": "S", "state": "empty"} for n in range(1, 130)]
    assert reason_of(decode_telemetry, dumps(V2 | {"compartments": many})) == "bad_field"


def test_v2_keeps_compartment_order_and_accepts_integer_temperatures() -> None:
    entries = [{"number": n, "size": "L", "state": "occupied"} for n in (3, 1, 2)]
    decoded = decode_telemetry(dumps(V2 | {"compartments": entries}))
    assert isinstance(decoded, TelemetryV2)
    assert [c.number for c in decoded.compartments] == [3, 1, 2]
    assert decoded.board_temp_c == 20.0 and isinstance(decoded.board_temp_c, float)


@pytest.mark.parametrize("temp", [-40.01, 125.01, 1e309, "20"])
def test_board_temperature_range(temp: object) -> None:
    entry = {"number": 1, "size": "S", "state": "empty"}
    obj = V2 | {"compartments": [entry], "board_temp_c": temp}
    payload = json.dumps(obj).replace("Infinity", "1e999").encode()
    assert reason_of(decode_telemetry, payload) == "bad_field"


def test_unknown_event_type_and_missing_event_fields() -> None:
    header = {"v": 1, "seq": 1, "ts": 1}
    assert reason_of(decode_event, dumps(header | {"type": "party"})) == "unknown_event"
    assert reason_of(decode_event, dumps(header | {"type": 7})) == "bad_field"
    assert reason_of(decode_event, dumps(header | {"type": "deposit"})) == "missing_field"
    pickup = header | {"type": "pickup", "compartment": 2, "method": "drone"}
    assert reason_of(decode_event, dumps(pickup)) == "bad_field"


def test_reply_ids_are_normalised_to_lower_case_and_checked() -> None:
    reply = {"v": 2, "seq": 3, "ts": 4, "id": ID.upper(), "status": "accepted"}
    assert decode_reply(dumps(reply)) == Reply(2, 3, 4, ID, "accepted")
    for bad in (ID[:-1], ID + "0", ID[:-1] + "g", 12, None):
        assert reason_of(decode_reply, dumps(reply | {"id": bad})) == "bad_field"
    assert reason_of(decode_reply, dumps(reply | {"status": "done"})) == "bad_field"


def test_decode_command_reasons_and_salvaged_id() -> None:
    cmd = {"v": 2, "id": ID, "cmd": "open_compartment", "expires_at": 10}
    cmd |= {"compartment": 3, "reason": "service"}
    assert decode_command(dumps(cmd)) == OpenCompartment(2, ID, 10, 3, "service")
    for change, reason in (
        ({"cmd": "self_destruct"}, "unknown_command"),
        ({"reason": "because"}, "bad_field"),
        ({"compartment": 200}, "bad_field"),
        ({"v": 9}, "unsupported_version"),
    ):
        payload = dumps(cmd | change)
        assert reason_of(decode_command, payload) == reason
        assert command_id_of(payload) == ID
    assert command_id_of(b"not json") is None
    assert command_id_of(dumps(cmd | {"id": "short"})) is None


@pytest.mark.parametrize(
    "message",
    [
        StatusOnline(1, -1, 0, "1.0", "M", 24),
        StatusOnline(1, 0, 0, "", "M", 24),
        StatusOnline(1, 0, 0, "1.0", "M", 0),
        StatusOnline(3, 0, 0, "1.0", "M", 24),  # type: ignore[arg-type]
        Reply(2, 0, 0, ID.upper(), "accepted"),  # decodes lower-case: not the same message
        Reply(2, 0, 0, ID, "accepted", ""),
        TelemetryV2(1, 1, (), "mains", 50, 20.0),
        TelemetryV2(1, 1, (Compartment(1, "S", "empty"),) * 2, "mains", 50, 20.0),
        TelemetryV2(1, 1, (Compartment(1, "S", "empty"),), "mains", 101, 20.0),
        OpenCompartment(2, "not-an-id", 1, 1, "service"),
        OpenCompartment(2, ID, 1, 1, "whim"),  # type: ignore[arg-type]
    ],
)
def test_encoders_refuse_what_the_wire_cannot_carry(message: Any) -> None:
    encoders: dict[str, Callable[[Any], bytes]] = {
        "StatusOnline": encode_status,
        "Reply": encode_reply,
        "TelemetryV2": encode_telemetry,
        "OpenCompartment": encode_command,
    }
    with pytest.raises(CodecError) as caught:
        encoders[type(message).__name__](message)
    assert caught.value.reason in {"bad_field", "unsupported_version"}


def test_encoders_write_compact_utf8() -> None:
    status = StatusOnline(2, 1, 2, "2.0.0", "柜-48", 48)
    payload = encode_status(status)
    assert b" " not in payload
    assert "柜".encode() in payload
    assert decode_status(payload) == status
