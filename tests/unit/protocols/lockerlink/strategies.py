"""Hypothesis strategies for valid lockerlink messages, and for JSON that is not."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import strategies as st

from firmware_protocols.firmware import FIRMWARE_STATES
from firmware_protocols.lockerlink import (
    Compartment,
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
    LockerEvent,
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
from firmware_protocols.lockerlink.messages import (
    COMPARTMENT_STATES,
    MAX_COMPARTMENTS,
    MAX_UINT,
    OPEN_REASONS,
    PICKUP_METHODS,
    POWER_SOURCES,
    REPLY_STATUSES,
    SIZES,
)

generation = st.sampled_from((1, 2))
uint = st.integers(0, MAX_UINT)
number = st.integers(1, MAX_COMPARTMENTS)
command_id = st.uuids().map(lambda u: u.hex)
# Printable characters of several scripts and widths (all pass str.isprintable).
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " äßéñ中文柜快递Ωж🙂"


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(ALPHABET, min_size=1, max_size=max_size)


def numbers_in(mask: int) -> frozenset[int]:
    """Compartment numbers of the set bits of ``mask`` (bit n = compartment n + 1)."""
    return frozenset(n + 1 for n in range(mask.bit_length()) if mask >> n & 1)


statuses = st.one_of(
    st.builds(
        StatusOnline, generation, uint, uint, text(32), text(64), st.integers(1, MAX_COMPARTMENTS)
    ),
    st.builds(StatusOffline, generation, uint, uint, text(64)),
    st.builds(LastWill, generation, text(64)),
)

_common: dict[str, st.SearchStrategy[Any]] = {
    "seq": uint,
    "ts_ms": uint,
    "power": st.sampled_from(POWER_SOURCES),
    "battery_pct": st.integers(0, 100),
    "board_temp_c": st.floats(-40.0, 125.0, allow_nan=False),
}


@st.composite
def telemetry_v1(draw: st.DrawFn) -> TelemetryV1:
    count = draw(st.integers(1, MAX_COMPARTMENTS))
    masks = st.integers(0, 2**count - 1).map(numbers_in)
    return draw(
        st.builds(TelemetryV1, count=st.just(count), open_doors=masks, occupied=masks, **_common)
    )


@st.composite
def compartment_lists(draw: st.DrawFn) -> tuple[Compartment, ...]:
    """1 to 128 distinct compartments, each with a size and a state, in any order."""
    numbers = sorted(numbers_in(draw(st.integers(1, 2**MAX_COMPARTMENTS - 1))))
    if draw(st.booleans()):
        numbers.reverse()
    kinds = draw(st.binary(min_size=len(numbers), max_size=len(numbers)))
    return tuple(
        Compartment(n, SIZES[k % 3], COMPARTMENT_STATES[k // 3 % 4])
        for n, k in zip(numbers, kinds, strict=True)
    )


telemetry_v2 = st.builds(TelemetryV2, compartments=compartment_lists(), **_common)
telemetry = telemetry_v1() | telemetry_v2

_header = (generation, uint, uint)
events: st.SearchStrategy[LockerEvent] = st.one_of(
    st.builds(Deposit, *_header, number, text(64), text(32), text(32)),
    st.builds(Pickup, *_header, number, st.sampled_from(PICKUP_METHODS)),
    st.builds(DoorOpened, *_header, number),
    st.builds(DoorClosed, *_header, number),
    st.builds(DoorLeftOpen, *_header, number, uint),
    st.builds(Tamper, *_header, st.none() | number),
    st.builds(Fault, *_header, text(64), st.none() | number),
    st.builds(
        FirmwareProgress,
        *_header,
        st.sampled_from([s for s in FIRMWARE_STATES if s != "failed"]),
        text(32),
        command_id,
        st.none() | st.integers(0, 100),
    ),
    st.builds(
        FirmwareProgress,
        *_header,
        st.just("failed"),
        text(32),
        command_id,
        st.none() | st.integers(0, 100),
        text(64),
    ),
)
replies = st.builds(
    Reply, *_header, command_id, st.sampled_from(REPLY_STATUSES), st.none() | text(128)
)
uplinks: st.SearchStrategy[DeviceUplink] = st.one_of(statuses, telemetry, events, replies)
commands: st.SearchStrategy[DeviceCommand] = st.one_of(
    st.builds(OpenCompartment, generation, command_id, uint, number, st.sampled_from(OPEN_REASONS)),
    st.builds(Reboot, generation, command_id, uint),
    st.builds(
        FirmwareUpdate,
        generation,
        command_id,
        uint,
        text(32),
        st.integers(1, 2**31 - 1),
        st.text("0123456789abcdef", min_size=64, max_size=64),
        st.text(string.ascii_letters + string.digits + "-._~/?=&%", max_size=200).map(
            lambda path: "https://hub.example/" + path
        ),
    ),
)

# Wrong-typed and boundary values, including shapes the decoders look inside.
SCALARS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    3,
    128,
    129,
    2**53 - 1,
    2**53,
    2**64,
    -(2**63),
    0.5,
    -0.0,
    1e300,
    -41.0,
    125.5,
    "",
    " ",
    "1",
    "S",
    "open",
    "online",
    "00ff",
    "0x1",
    "g",
    "\u0000",
    "\ud800",
    "b2748793bb4345e6b5b936af5a271b09",
    "deposit",
    "reboot",
)
STRUCTURED: tuple[Any, ...] = (
    [],
    {},
    [None],
    ["01"],
    [1, 2],
    {"number": 1},
    {"v": 1, "seq": 1},
    [{"number": 1, "size": "S", "state": "empty"}, {"number": 1, "size": "S", "state": "empty"}],
    [{"number": 1, "size": "S"}],
    [{"number": "1", "size": "S", "state": "empty"}],
)
json_values = st.one_of(
    st.sampled_from(SCALARS + STRUCTURED),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(ALPHABET, max_size=8),
)
_DELETE = object()
edits = st.tuples(st.integers(0, 15), json_values | st.just(_DELETE))


def mutate(valid: dict[str, Any], edit: tuple[int, Any]) -> bytes:
    """A valid message's JSON with one key removed or replaced by another JSON value."""
    obj = dict(valid)
    index, value = edit
    key = sorted(obj)[index % len(obj)]
    if value is _DELETE:
        del obj[key]
    else:
        obj[key] = value
    return json.dumps(obj).encode()
