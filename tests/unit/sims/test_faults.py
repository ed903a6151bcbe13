"""Fault profiles: seeded, reproducible, and corruptions every hub decoder refuses."""

from __future__ import annotations

import pytest

from device_sims.faults import IDEAL, PROFILES, FaultInjector, device_rng, profile
from firmware_protocols.base import CodecError
from firmware_protocols.lockerlink import TelemetryV1, decode_telemetry, encode_telemetry
from firmware_protocols.osdp.device import encode_report
from firmware_protocols.osdp.door import inputs_reply
from firmware_protocols.osdp.uplink import decode_uplink
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.payload import decode_payload
from firmware_protocols.sparkplug_b.vending_model import (
    DEVICE_ID,
    TEMPERATURE,
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
)


def decisions(injector: FaultInjector, n: int = 200) -> list[tuple[bool, bool, str]]:
    return [
        (injector.malform_now(), injector.duplicate_now(), injector.reply_plan()) for _ in range(n)
    ]


def test_same_seed_same_faults_other_device_other_faults() -> None:
    chaos = profile("chaos")
    first = decisions(FaultInjector.for_device(chaos, 5, "door-0001"))
    assert first == decisions(FaultInjector.for_device(chaos, 5, "door-0001"))
    assert first != decisions(FaultInjector.for_device(chaos, 5, "door-0002"))
    assert first != decisions(FaultInjector.for_device(chaos, 6, "door-0001"))
    assert device_rng(1, "x").random() == device_rng(1, "x").random()


def test_timed_events_do_not_disturb_message_faults() -> None:
    chaos = profile("chaos")
    quiet = FaultInjector.for_device(chaos, 9, "locker-0001")
    busy = FaultInjector.for_device(chaos, 9, "locker-0001")
    for _ in range(50):
        busy.happens(chaos.disconnect_per_hour, 60)
    assert decisions(quiet) == decisions(busy)


def test_profiles_grow_from_ideal_to_chaos() -> None:
    assert set(PROFILES) == {"none", "light", "chaos", "firmware"}
    ideal = FaultInjector.for_device(IDEAL, 1, "d")
    assert not any(m or d for m, d, _ in decisions(ideal)) and ideal.initial_skew_ms() == 0
    assert {plan for *_, plan in decisions(ideal)} == {"now"}
    none, light, chaos = PROFILES["none"], PROFILES["light"], PROFILES["chaos"]
    assert none.malformed_ratio == none.disconnect_per_hour == 0
    assert 0 < light.malformed_ratio < chaos.malformed_ratio
    assert 0 < light.disconnect_per_hour < chaos.disconnect_per_hour
    assert abs(FaultInjector.for_device(chaos, 3, "d").initial_skew_ms()) <= chaos.max_skew_ms
    firmware = PROFILES["firmware"]
    assert firmware.malformed_ratio == 0 and sum(firmware.firmware_ratios().values()) == 0.5
    assert 0 < light.firmware_cut_download_ratio < chaos.firmware_cut_download_ratio
    with pytest.raises(ValueError):
        profile("apocalypse")


def test_happens_follows_the_rate() -> None:
    injector = FaultInjector.for_device(profile("chaos"), 2, "vm")
    hits = sum(injector.happens(6.0, 600) for _ in range(4000))  # 1 per 10 minutes
    assert hits / 4000 == pytest.approx(1 - 2.718281828**-1, rel=0.08)
    assert not injector.happens(0, 600) and not injector.happens(6.0, 0)


def corrupt(payload: bytes) -> bytes:
    return FaultInjector.for_device(IDEAL, 0, "x").corrupt(payload)


def test_corrupted_lockerlink_telemetry_is_refused() -> None:
    message = TelemetryV1(
        7, 1_736_929_801_000, 24, frozenset({3}), frozenset({1, 2}), "mains", 100, 31.5
    )
    payload = encode_telemetry(message)
    assert decode_telemetry(payload) == message
    with pytest.raises(CodecError):
        decode_telemetry(corrupt(payload))


def test_corrupted_osdp_report_is_refused() -> None:
    payload = encode_report(12, 1_736_929_801_000, [inputs_reply(True, False)])
    assert decode_uplink("up", payload)
    with pytest.raises(CodecError):
        decode_uplink("up", corrupt(payload))


def test_corrupted_sparkplug_payload_is_refused() -> None:
    node = EdgeNode("vending", "vm-1")
    node.connect(1_000)
    node.nbirth(node_birth_metrics("2.0.0", "VM"), 1_000)
    node.dbirth(
        DEVICE_ID,
        device_birth_metrics(
            temperature_c=4.0,
            setpoint_c=4.0,
            door_open=False,
            compressor_on=True,
            slots={1: SlotState(5, 300, 8)},
        ),
        1_000,
    )
    data = node.ddata(DEVICE_ID, {TEMPERATURE: 4.5}, 2_000).payload
    assert decode_payload(data).seq == 2
    with pytest.raises(CodecError):
        decode_payload(corrupt(data))
