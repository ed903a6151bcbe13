"""Scripted devices for the alarm tests: a locker (lockerlink v2), a vending machine
(Sparkplug B edge node) and a door unit (OSDP in envelopes), each speaking its protocol
through the codecs' device-side functions over one plain paho client."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from firmware_protocols.lockerlink.events import encode_event
from firmware_protocols.lockerlink.messages import (
    Compartment,
    CompartmentState,
    Deposit,
    DoorClosed,
    DoorLeftOpen,
    LockerEvent,
    Pickup,
    StatusOffline,
    StatusOnline,
    Tamper,
    TelemetryV2,
)
from firmware_protocols.lockerlink.status import encode_status as locker_status
from firmware_protocols.lockerlink.telemetry import encode_telemetry
from firmware_protocols.osdp.device import encode_report
from firmware_protocols.osdp.door import inputs_reply, local_status_reply
from firmware_protocols.osdp.replies import RawCardReply
from firmware_protocols.osdp.status import DeviceStatus
from firmware_protocols.osdp.status import encode_status as door_status
from firmware_protocols.sparkplug_b.datatypes import MetricValue
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.vending_model import (
    DEVICE_ID,
    GROUP_ID,
    TEMPERATURE,
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
    slot_metric,
)
from firmware_protocols.wiegand import WiegandCard, encode_bits
from tests.support.hub_harness import ScriptedClient


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Devices:
    """Counts the messages it publishes, for ``wait_committed``."""

    client: ScriptedClient
    published: int = 0

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload)
        self.published += 1


@dataclass
class Locker:
    out: Devices
    device_id: str
    seq: int = 0
    compartments: dict[int, CompartmentState] = field(
        default_factory=lambda: dict.fromkeys(range(1, 9), "empty")
    )

    def _next(self) -> tuple[int, int]:
        self.seq += 1
        return self.seq, now_ms()

    def online(self) -> None:
        seq, ts = self._next()
        message = StatusOnline(v=2, seq=seq, ts_ms=ts, fw="2.0.0", model="t", compartments=8)
        self.out.publish(f"lockerlink/{self.device_id}/status", locker_status(message))

    def offline(self) -> None:
        seq, ts = self._next()
        message = StatusOffline(v=2, seq=seq, ts_ms=ts, reason="maintenance")
        self.out.publish(f"lockerlink/{self.device_id}/status", locker_status(message))

    def telemetry(self, **states: CompartmentState) -> None:
        """Report every compartment; ``c3="open"`` changes compartment 3 first."""
        for key, state in states.items():
            self.compartments[int(key.removeprefix("c"))] = state
        seq, ts = self._next()
        message = TelemetryV2(
            seq=seq,
            ts_ms=ts,
            compartments=tuple(
                Compartment(number=n, size="M", state=s) for n, s in self.compartments.items()
            ),
            power="mains",
            battery_pct=100,
            board_temp_c=30.0,
        )
        self.out.publish(f"lockerlink/{self.device_id}/telemetry", encode_telemetry(message))

    def event(self, message: LockerEvent) -> None:
        self.out.publish(f"lockerlink/{self.device_id}/event", encode_event(message))

    def left_open(self, compartment: int, open_s: int) -> None:
        self.compartments[compartment] = "open"
        seq, ts = self._next()
        self.event(DoorLeftOpen(v=2, seq=seq, ts_ms=ts, compartment=compartment, open_s=open_s))

    def closed(self, compartment: int) -> None:
        self.compartments[compartment] = "empty"
        seq, ts = self._next()
        self.event(DoorClosed(v=2, seq=seq, ts_ms=ts, compartment=compartment))

    def tamper(self, compartment: int | None = None) -> None:
        seq, ts = self._next()
        self.event(Tamper(v=2, seq=seq, ts_ms=ts, compartment=compartment))

    def deposit(self, compartment: int, ts_ms: int, building: str) -> None:
        seq, _ts = self._next()
        message = Deposit(
            v=2,
            seq=seq,
            ts_ms=ts_ms,
            compartment=compartment,
            tracking=f"T{seq}",
            building=building,
            unit="0101",
        )
        self.event(message)

    def pickup(self, compartment: int) -> None:
        seq, ts = self._next()
        self.event(Pickup(v=2, seq=seq, ts_ms=ts, compartment=compartment, method="code"))


@dataclass
class Vending:
    out: Devices
    device_id: str
    node: EdgeNode = field(init=False)

    def __post_init__(self) -> None:
        self.node = EdgeNode(GROUP_ID, self.device_id)

    def birth(self, temperature_c: float, stock: dict[int, int]) -> None:
        ts = now_ms()
        self.node.connect(ts)
        slots = {n: SlotState(stock=s, price=350, capacity=10) for n, s in stock.items()}
        for message in (
            self.node.nbirth(node_birth_metrics("2.0.0", "test"), ts),
            self.node.dbirth(
                DEVICE_ID,
                device_birth_metrics(
                    temperature_c=temperature_c,
                    setpoint_c=4.0,
                    door_open=False,
                    compressor_on=True,
                    slots=slots,
                ),
                ts,
            ),
        ):
            self.out.publish(message.topic, message.payload)

    def data(self, values: dict[str, MetricValue]) -> None:
        message = self.node.ddata(DEVICE_ID, values, now_ms())
        self.out.publish(message.topic, message.payload)

    def temperature(self, celsius: float) -> None:
        self.data({TEMPERATURE: celsius})

    def stock(self, **slots: int) -> None:
        self.data({slot_metric(int(k.removeprefix("s")), "Stock"): v for k, v in slots.items()})


@dataclass
class Door:
    out: Devices
    device_id: str
    seq: int = 0

    def _report(self, reply: object) -> None:
        self.seq += 1
        payload = encode_report(self.seq, now_ms(), [reply])  # type: ignore[list-item]
        self.out.publish(f"osdp/{self.device_id}/up", payload)

    def online(self) -> None:
        status = DeviceStatus(online=True, firmware="1.0.0", ts=now_ms())
        self.out.publish(f"osdp/{self.device_id}/status", door_status(status))

    def contact(self, door_open: bool) -> None:
        self._report(inputs_reply(door_open, False))

    def local_status(self, tamper: bool) -> None:
        self._report(local_status_reply(tamper, True))

    def card(self, facility: int, number: int) -> None:
        bits = encode_bits(WiegandCard("H10301", facility, number))
        self._report(RawCardReply(reader=0, bits=bits))
