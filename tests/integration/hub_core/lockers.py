"""Encode lockerlink messages the way a locker's firmware does, for hub-core tests."""

from __future__ import annotations

from firmware_protocols.lockerlink.messages import (
    Compartment,
    StatusOnline,
    TelemetryV1,
    TelemetryV2,
)
from firmware_protocols.lockerlink.status import encode_status
from firmware_protocols.lockerlink.telemetry import encode_telemetry


def status_online(seq: int, ts_ms: int, generation: int = 2) -> bytes:
    return encode_status(
        StatusOnline(
            v=generation, seq=seq, ts_ms=ts_ms, fw=f"{generation}.0.0", model="t", compartments=8
        )  # type: ignore[arg-type]
    )


def telemetry_v2(seq: int, ts_ms: int, occupied: int = 1) -> bytes:
    compartments = tuple(
        Compartment(number=n, size="S", state="occupied" if n <= occupied else "empty")
        for n in range(1, 9)
    )
    return encode_telemetry(
        TelemetryV2(
            seq=seq,
            ts_ms=ts_ms,
            compartments=compartments,
            power="mains",
            battery_pct=100,
            board_temp_c=31.5,
        )
    )


def telemetry_v1(seq: int, ts_ms: int) -> bytes:
    return encode_telemetry(
        TelemetryV1(
            seq=seq,
            ts_ms=ts_ms,
            count=8,
            open_doors=frozenset({2}),
            occupied=frozenset({1, 3}),
            power="battery",
            battery_pct=80,
            board_temp_c=30.0,
        )
    )
