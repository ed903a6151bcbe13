"""PROTOCOL.md stays true: its hex dumps are what the codec produces, every metric is in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_protocols.base import Command
from firmware_protocols.sparkplug_b import EdgeNode, decode_payload, host_state_messages
from firmware_protocols.sparkplug_b.vending_commands import encode_command
from firmware_protocols.sparkplug_b.vending_model import (
    METRICS,
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
    vend_values,
)

DOC = Path(__file__).resolve().parents[4] / "firmware_protocols" / "sparkplug_b" / "PROTOCOL.md"
T = 1_767_225_600_000  # 2026-01-01T00:00:00Z
COMMAND_ID = "9f86d081884c7d659a2feaa0c55ad015"


def hexdump(data: bytes) -> str:
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        left = " ".join(f"{b:02x}" for b in chunk[:8])
        right = " ".join(f"{b:02x}" for b in chunk[8:])
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:04x}  {left:<23}  {right:<23}  |{text}|")
    return "\n".join(lines)


def examples() -> dict[str, tuple[str, bytes]]:
    """The examples PROTOCOL.md shows, built with the codec."""
    node = EdgeNode("vending", "vm-0042", next_bd_seq=3)
    will = node.connect(T)
    nbirth = node.nbirth(node_birth_metrics("2.4.1", "VM-40C"), T)
    slots = {1: SlotState(stock=5, price=350, capacity=10), 12: SlotState(8, 500, 10)}
    metrics = device_birth_metrics(
        temperature_c=4.5, setpoint_c=4.0, door_open=False, compressor_on=True, slots=slots
    )
    node.dbirth("vmc", metrics, T + 20)
    ddata = node.ddata("vmc", {**vend_values(12, 500, "7f3a9c"), "Slot/12/Stock": 7}, T + 5000)
    command = Command(COMMAND_ID, "set_price", {"slot": 12, "price": 450}, T + 65_000)
    dcmd = encode_command("vending", "vm-0042", command, T + 5000)
    state, _ = host_state_messages("hub", T - 60_000)
    return {
        "NDEATH": (will.topic, will.payload),
        "NBIRTH": (nbirth.topic, nbirth.payload),
        "DDATA": (ddata.topic, ddata.payload),
        "DCMD": (dcmd.topic, dcmd.payload),
        "STATE": (state.topic, state.payload),
    }


@pytest.mark.parametrize("name", ["NDEATH", "NBIRTH", "DDATA", "DCMD"])
def test_hex_dumps_are_what_the_codec_produces(name: str) -> None:
    topic, payload = examples()[name]
    text = DOC.read_text()
    assert topic in text
    assert hexdump(payload) in text, f"regenerate the {name} dump:\n{hexdump(payload)}"
    decode_payload(payload)


def test_state_example_is_verbatim() -> None:
    topic, payload = examples()["STATE"]
    assert topic in DOC.read_text() and payload.decode() in DOC.read_text()


def test_every_metric_is_documented_with_its_datatype() -> None:
    text = DOC.read_text()
    for spec in METRICS:
        assert f"| `{spec.name}` | {spec.datatype.name} |" in text, spec.name
