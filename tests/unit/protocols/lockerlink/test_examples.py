"""Every example in PROTOCOL.md decodes to the values the document describes.

The examples are read out of the document itself, so the two cannot drift: adding an
example without an expectation here, or dropping one, fails too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import firmware_protocols.lockerlink as ll
from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink import (
    Compartment,
    Deposit,
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
)

DOC = Path(ll.__file__).with_name("PROTOCOL.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"<!-- (example|invalid): ([\w ]+?) -->\s*```json\n(.*?)```", re.DOTALL)
EXAMPLES = {m[2]: m[3] for m in _BLOCK.finditer(DOC) if m[1] == "example"}
INVALID = {m[2]: m[3] for m in _BLOCK.finditer(DOC) if m[1] == "invalid"}

ID = "b2748793bb4345e6b5b936af5a271b09"
FW_ID = "5c0d5ad0b0c34b8f9c2f3e1a7d6b4e21"
EXPECTED: dict[str, object] = {
    "status_online_v1": StatusOnline(1, 18200, 1736929800000, "1.8.2", "KL-24C", 24),
    "status_online_v2": StatusOnline(2, 40117, 1736929800250, "2.3.1", "PL-24S", 24),
    "status_offline": StatusOffline(2, 40190, 1736931600000, "reboot"),
    "last_will": LastWill(1, "connection_lost"),
    "telemetry_v1": TelemetryV1(
        seq=18201,
        ts_ms=1736929801000,
        count=24,
        open_doors=frozenset({3}),
        occupied=frozenset({1, 2, 4, 13}),
        power="mains",
        battery_pct=100,
        board_temp_c=31.5,
    ),
    "telemetry_v1_60": TelemetryV1(
        seq=77,
        ts_ms=1736929802000,
        count=60,
        open_doors=frozenset({1, 60}),
        occupied=frozenset({9}),
        power="battery",
        battery_pct=64,
        board_temp_c=-3.25,
    ),
    "telemetry_v2": TelemetryV2(
        seq=40118,
        ts_ms=1736929801000,
        compartments=(
            Compartment(1, "S", "occupied"),
            Compartment(2, "S", "empty"),
            Compartment(3, "S", "open"),
            Compartment(4, "S", "empty"),
            Compartment(5, "M", "empty"),
            Compartment(6, "M", "occupied"),
            Compartment(7, "M", "fault"),
            Compartment(8, "L", "empty"),
        ),
        power="mains",
        battery_pct=97,
        board_temp_c=28.0,
    ),
    "event_deposit": Deposit(2, 40120, 1736929930000, 5, "SF1402937465", "C0412-B07", "12-03"),
    "event_pickup": Pickup(1, 18230, 1736947800000, 13, "app"),
    "event_door_opened": DoorOpened(1, 18231, 1736947790000, 13),
    "event_door_closed": DoorClosed(1, 18232, 1736947805000, 13),
    "event_door_left_open": DoorLeftOpen(2, 40131, 1736930050000, 3, 180),
    "event_tamper": Tamper(2, 40132, 1736930100000, None),
    "event_fault": Fault(2, 40133, 1736930160000, "latch_jammed", 7),
    "cmd_open_compartment": OpenCompartment(2, ID, 1736947815000, 13, "resident_pickup"),
    "cmd_reboot": Reboot(1, "d9ebaeee934443cbb915552cf6f9ab18", 1736948100000),
    "cmd_firmware_update": FirmwareUpdate(
        1,
        FW_ID,
        1736948100000,
        "2.0.0",
        524288,
        "4c1f5e4bd1e4a0f3e5f5a2f6d8b1c3e7a9f0b2d4c6e8a0b2c4d6e8f0a2b4c6d8",
        "https://hub.example.net/firmware/download/eyJkIjoiTEstMDQxMiJ9.c2ln",
    ),
    "event_firmware_downloading": FirmwareProgress(
        1, 18300, 1736947900000, "downloading", "2.0.0", FW_ID, 40
    ),
    "event_firmware_failed": FirmwareProgress(
        1, 18309, 1736947930000, "failed", "2.0.0", FW_ID, None, "checksum_mismatch"
    ),
    "event_firmware_done": FirmwareProgress(2, 18320, 1736948000000, "done", "2.0.0", FW_ID),
    "reply_accepted": Reply(2, 40140, 1736947800120, ID, "accepted"),
    "reply_confirmed": Reply(2, 40141, 1736947800900, ID, "confirmed"),
    "reply_failed": Reply(2, 40142, 1736947805200, ID, "failed", "latch_jammed"),
    "reply_expired": Reply(2, 40150, 1736947816000, ID, "expired"),
    "reply_replayed": Reply(2, 40151, 1736947801500, ID, "replayed"),
    "reply_rejected": Reply(
        1,
        18240,
        1736947900000,
        "0f4f1c6e2b8a4d0e9c3a5b7d1e2f3a4b",
        "rejected",
        "unknown_compartment",
    ),
}
DECODERS: dict[str, Callable[[bytes], Any]] = {
    "status": ll.decode_status,
    "last": ll.decode_status,
    "telemetry": ll.decode_telemetry,
    "event": ll.decode_event,
    "cmd": ll.decode_command,
    "reply": ll.decode_reply,
}
ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "status": ll.encode_status,
    "last": ll.encode_status,
    "telemetry": ll.encode_telemetry,
    "event": ll.encode_event,
    "cmd": ll.encode_command,
    "reply": ll.encode_reply,
}


def _family(name: str) -> str:
    return name.split("_", 1)[0]


def test_every_example_has_an_expectation_and_back() -> None:
    assert set(EXAMPLES) == set(EXPECTED)
    assert {"status unsupported_version", "telemetry bad_field"} <= set(INVALID)


def test_every_message_type_has_an_example() -> None:
    kinds = {type(value).__name__ for value in EXPECTED.values()}
    assert set(ll.__all__) >= kinds
    documented = {"StatusOnline", "StatusOffline", "LastWill", "TelemetryV1", "TelemetryV2"}
    documented |= {"Deposit", "Pickup", "DoorOpened", "DoorClosed", "DoorLeftOpen", "Tamper"}
    documented |= {"Fault", "OpenCompartment", "Reboot", "Reply"}
    documented |= {"FirmwareUpdate", "FirmwareProgress"}
    assert kinds == documented
    statuses = {v.status for v in EXPECTED.values() if isinstance(v, Reply)}
    assert statuses == {"accepted", "confirmed", "failed", "expired", "replayed", "rejected"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_decodes_to_documented_value(name: str) -> None:
    decoded = DECODERS[_family(name)](EXAMPLES[name].encode())
    assert decoded == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_encoding_the_value_gives_the_example(name: str) -> None:
    encoded = ENCODERS[_family(name)](EXPECTED[name])
    assert json.loads(encoded) == json.loads(EXAMPLES[name])


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_example_is_refused_with_documented_reason(name: str) -> None:
    channel, reason = name.split()
    with pytest.raises(CodecError) as caught:
        DECODERS[channel](INVALID[name].encode())
    assert caught.value.reason == reason


def test_reason_codes_table_lists_every_decoder_reason() -> None:
    table = set(re.findall(r"^\| `(\w+)` \|", DOC, re.MULTILINE))
    reasons = {"too_large", "bad_json", "missing_field", "bad_field", "unsupported_version"}
    reasons |= {"unknown_event", "unknown_command"}
    assert reasons <= table
