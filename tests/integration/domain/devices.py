"""Scripted devices for the domain tests: each speaks its protocol through the codecs'
device-side functions over a plain paho client (tests.support.hub_harness)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from firmware_protocols.base import Outbound
from firmware_protocols.osdp.commands import BuzzerCommand, LedCommand, OutCommand
from firmware_protocols.osdp.device import (
    ReceivedCommand,
    encode_command_reply,
    encode_report,
    receive_command,
)
from firmware_protocols.osdp.door import inputs_reply
from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.osdp.replies import KeypadReply, RawCardReply
from firmware_protocols.osdp.status import DeviceStatus, encode_status
from firmware_protocols.sparkplug_b.datatypes import MetricValue
from firmware_protocols.sparkplug_b.edge_node import EdgeNode
from firmware_protocols.sparkplug_b.vending_commands import VendingCommand, parse_command
from firmware_protocols.sparkplug_b.vending_model import (
    DEVICE_ID,
    GROUP_ID,
    SlotState,
    device_birth_metrics,
    node_birth_metrics,
)
from firmware_protocols.wiegand import WiegandCard, encode_bits
from tests.support.hub_harness import ScriptedClient
from tests.support.waiting import async_wait_until


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def unique(prefix: str) -> str:
    """A hub instance id of its own: a hub that ran before on the shared test broker keeps
    a persistent session, and in the same share group it would take half the messages."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class DoorUnit:
    """A door unit: reports card reads, PINs and its contact; reads the hub's commands."""

    url: str
    device_id: str
    client: ScriptedClient = field(init=False)
    seq: int = 0
    replied: int = 0

    def __post_init__(self) -> None:
        self.client = ScriptedClient(self.url, f"unit-{self.device_id}").connect()
        self.client.subscribe(f"osdp/{self.device_id}/cmd")

    def _report(self, *replies: object, ts_ms: int | None = None) -> int:
        self.seq += 1
        ts = now_ms() if ts_ms is None else ts_ms
        payload = encode_report(self.seq, ts, list(replies))  # type: ignore[arg-type]
        self.client.publish(f"osdp/{self.device_id}/up", payload)
        return self.seq

    def online(self, allowlist_version: int | None = None) -> None:
        status = DeviceStatus(
            online=True, firmware="1.0.0", ts=now_ms(), allowlist_version=allowlist_version
        )
        self.client.publish(f"osdp/{self.device_id}/status", encode_status(status))

    def offline(self) -> None:
        status = DeviceStatus(online=False, reason="reboot", ts=now_ms())
        self.client.publish(f"osdp/{self.device_id}/status", encode_status(status))

    def card(self, fmt: str, facility: int, number: int, ts_ms: int | None = None) -> int:
        """Report a card read (``ts_ms``: when the unit read it, default now)."""
        bits = encode_bits(WiegandCard(fmt, facility, number))  # type: ignore[arg-type]
        return self._report(RawCardReply(reader=0, bits=bits), ts_ms=ts_ms)

    def pin(self, digits: str) -> int:
        return self._report(KeypadReply(reader=0, digits=digits + "#"))

    def contact(self, door_open: bool, exit_request: bool = False) -> int:
        return self._report(inputs_reply(door_open, exit_request))

    def commands(self) -> list[ReceivedCommand]:
        return [receive_command(message.payload) for message in self.client.received]

    async def wait_commands(self, count: int) -> list[ReceivedCommand]:
        await async_wait_until(
            lambda: len(self.client.received) >= count,
            what=f"{count} commands at {self.device_id}",
        )
        return self.commands()

    def answer_all(self, status: ReplyStatus = ReplyStatus.CONFIRMED) -> None:
        """Reply to every command not answered yet, as firmware does after executing it."""
        for received in self.commands()[self.replied :]:
            self.seq += 1
            payload = encode_command_reply(received, status, self.seq, now_ms())
            self.client.publish(f"osdp/{self.device_id}/reply", payload)
            self.replied += 1

    def close(self) -> None:
        self.client.close()


def strikes(received: ReceivedCommand) -> list[OutCommand]:
    return [c for c in received.commands if isinstance(c, OutCommand)]


def feedback(received: ReceivedCommand) -> tuple[int, int]:
    """(LED commands, buzzer commands) in a command envelope."""
    leds = sum(isinstance(c, LedCommand) for c in received.commands)
    buzzers = sum(isinstance(c, BuzzerCommand) for c in received.commands)
    return leds, buzzers


@dataclass
class VendingMachine:
    """A vending machine's edge node: births, data, and the commands the hub sends it."""

    url: str
    device_id: str
    stock: int = 10
    client: ScriptedClient = field(init=False)
    node: EdgeNode = field(init=False)

    def __post_init__(self) -> None:
        self.client = ScriptedClient(self.url, f"unit-{self.device_id}").connect()
        self.client.subscribe(f"spBv1.0/vending/NCMD/{self.device_id}")
        self.client.subscribe(f"spBv1.0/vending/DCMD/{self.device_id}/+")
        self.node = EdgeNode(GROUP_ID, self.device_id)

    def _send(self, message: Outbound) -> None:
        self.client.publish(message.topic, message.payload, qos=message.qos)

    def birth(self) -> None:
        ts = now_ms()
        self.node.connect(ts)
        slots = {
            n: SlotState(stock=self.stock, price=300 + n * 50, capacity=10) for n in range(1, 5)
        }
        self._send(self.node.nbirth(node_birth_metrics("2.0.0", "test"), ts))
        metrics = device_birth_metrics(
            temperature_c=4.5, setpoint_c=4.0, door_open=False, compressor_on=True, slots=slots
        )
        self._send(self.node.dbirth(DEVICE_ID, metrics, ts))

    def data(self, values: dict[str, MetricValue]) -> None:
        self._send(self.node.ddata(DEVICE_ID, values, now_ms()))

    def skip(self, values: dict[str, MetricValue]) -> None:
        """Build a DDATA and lose it: the hub sees a gap in ``seq``."""
        self.node.ddata(DEVICE_ID, values, now_ms())

    def commands(self) -> list[VendingCommand]:
        return [
            parse_command(self.node.decode_command(m.topic, m.payload))
            for m in self.client.received
        ]

    def close(self) -> None:
        self.client.close()
